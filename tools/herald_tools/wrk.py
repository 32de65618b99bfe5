"""wrk's output: its --latency report and the `HERALD_BENCH key=value ...` line that
scripts/bench-webhook.lua prints after it."""
import re

BENCH_KEYS = ("requests", "duration_us", "ok", "non200", "errors_connect", "errors_read", "errors_write",
              "errors_timeout", "p50_us", "p90_us", "p99_us", "max_us")


def herald_bench(text):
    """The last HERALD_BENCH line as a dict of ints (every key of BENCH_KEYS), or None."""
    lines = [line for line in text.splitlines() if line.startswith("HERALD_BENCH ")]
    if not lines:
        return None
    fields = dict(word.split("=", 1) for word in lines[-1].split()[1:] if "=" in word)
    missing = [key for key in BENCH_KEYS if key not in fields]
    if missing:
        raise ValueError("HERALD_BENCH line without " + ", ".join(missing))
    return {key: int(fields[key]) for key in BENCH_KEYS}


def socket_errors(fields):
    return fields["errors_connect"] + fields["errors_read"] + fields["errors_write"] + fields["errors_timeout"]


def to_ms(value):
    """One of wrk's durations (850.00us, 1.27ms, 2.00s, 1.50m) in milliseconds."""
    number = re.match(r"[0-9.]+", value)
    if not number:
        raise ValueError("not a wrk duration: " + value)
    n, unit = float(number.group(0)), value[number.end():]
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "": 1.0}.get(unit)
    if factor is None:
        raise ValueError("unknown unit in " + value)
    return n * factor


def latency_report(text):
    """wrk --latency's figures: requests_per_s, {percentile: ms} (e.g. "50%"), non_2xx (0 when
    not printed) and socket_errors (wrk's text after "Socket errors: ", "" when none). None when
    the output has no Requests/sec line."""
    rps = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if not rps:
        return None
    percentiles = {m.group(1): to_ms(m.group(2)) for m in re.finditer(r"^\s+([0-9.]+%)\s+(\S+)\s*$", text, re.M)}
    non_2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s*([0-9]+)", text, re.M)
    errors = re.search(r"^\s*Socket errors: (.*)$", text, re.M)
    return {"requests_per_s": float(rps.group(1)), "percentiles": percentiles,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0, "socket_errors": errors.group(1).strip() if errors else ""}
