"""scripts/bench's figures, checks, targets and report: the "Webhook ingest" section of
docs/benchmarks.md and the summary on stdout, from the raw outputs of one run (pgbench's and
wrk's text, herald's /metrics before and after) and what was sampled meanwhile (rows, cores
busy, memory). Pure functions of their inputs: bench_gateway runs the measurements."""
import re

from herald_tools import prometheus, wrk

# The fixed shape of the measurements (change them here, not per run).
CONNECTIONS = 64          # (a) pgbench clients, (b) and (c) wrk connections
WRK_THREADS = 2           # one per core
PACED_CONNECTIONS = 20    # (d): 20 connections ...
PACED_DELAY_MS = 20       # ... each pausing 20 ms before every request: ~1,000 req/s offered
BODY_BYTES = 2048
TARGET_VS_PGBENCH = "1.0"  # (c)/(a) at least
TARGET_VS_HEALTHZ = "0.5"  # (c)/(b) at least
TARGET_P99_MS = 50        # (d) p99 below
MEASUREMENTS = ("a", "b", "c", "d")


def grouped(n):
    """12345.6 -> 12,346"""
    return "{:,.0f}".format(float(n))


def ms(us):
    return "%.2f" % (us / 1000)


def pgbench_result(text):
    """tps, mean latency (pgbench's own text), transactions and failed ones; None without tps."""
    def find(pattern):
        found = re.search(pattern, text, re.M)
        return found.group(1) if found else None

    tps = find(r"^tps = ([0-9.]+) \(without initial connection time\)")
    txns = find(r"^number of transactions actually processed: ([0-9]+)")
    if tps is None or txns is None:
        return None
    return {"tps": float(tps), "latency_ms": find(r"^latency average = ([0-9.]+) ms") or "",
            "txns": int(txns), "failed": int(find(r"^number of failed transactions: ([0-9]+)") or 0)}


def group_commit(before, after, seconds):
    """Group commit as the server saw it between two /metrics texts: commits, mean rows per
    commit, mean ms per commit, commits per second (all "n/a" without a commit)."""
    def delta(name):
        return prometheus.value(after, name) - prometheus.value(before, name)

    rows = float("%.0f" % delta("herald_webhook_batch_size_sum"))
    commits = float("%.0f" % delta("herald_webhook_batch_size_count"))
    commit_s = delta("herald_webhook_commit_seconds_sum")
    if commits <= 0:
        return {"commits": "n/a", "batch_mean": "n/a", "commit_ms": "n/a", "per_s": "n/a"}
    return {"commits": "%.0f" % commits, "batch_mean": "%.1f" % (rows / commits),
            "commit_ms": "%.2f" % (commit_s * 1000 / commits), "per_s": "%.0f" % (commits / seconds)}


def webhook_figures(fields, rows_added, metrics_before, metrics_after):
    """A paced or unpaced webhook run's figures from its HERALD_BENCH line."""
    seconds = float("%.3f" % (fields["duration_us"] / 1e6))
    return dict(fields, seconds=seconds, accepted_rps=float("%.1f" % (fields["ok"] / seconds)),
                rps=float("%.1f" % (fields["requests"] / seconds)), rows_added=rows_added,
                batch=group_commit(metrics_before, metrics_after, seconds))


def figures(pgb, pgb_rows, healthz, c, d):
    """Ratios and targets: pgb from pgbench_result, healthz from wrk.latency_report, c and d from
    webhook_figures."""
    ratio_pgbench = "%.2f" % (c["accepted_rps"] / pgb["tps"])
    ratio_healthz = "%.2f" % (c["accepted_rps"] / healthz["requests_per_s"])
    d_p99 = ms(d["p99_us"])

    def met(ok):
        return "met" if ok else "**missed**"

    return {"ratio_pgbench": ratio_pgbench, "ratio_healthz": ratio_healthz, "d_p99_ms": d_p99,
            "met_pgbench": met(float(ratio_pgbench) >= float(TARGET_VS_PGBENCH)),
            "met_healthz": met(float(ratio_healthz) >= float(TARGET_VS_HEALTHZ)),
            "met_p99": met(float(d_p99) < TARGET_P99_MS), "pgb_rows": pgb_rows}


def failed_checks(pgb, pgb_rows, healthz, c, d):
    """The failed checks' descriptions, in a fixed order; empty when every check passed."""
    failed = []
    for name, run in (("c", c), ("d", d)):
        if not (run["ok"] > 0 and run["non200"] == 0):
            failed.append("(%s): %d answers were not 200" % (name, run["non200"]))
        if wrk.socket_errors(run):
            failed.append("(%s): socket errors connect=%d read=%d write=%d timeout=%d" % (
                name, run["errors_connect"], run["errors_read"], run["errors_write"], run["errors_timeout"]))
        if run["rows_added"] < run["ok"]:
            failed.append("(%s): webhook_events grew by %d rows, fewer than the %d answers 200"
                          % (name, run["rows_added"], run["ok"]))
    if healthz["non_2xx"]:
        failed.append("(b): %d answers to /healthz were not 2xx" % healthz["non_2xx"])
    if healthz["socket_errors"]:
        failed.append("(b): socket errors " + healthz["socket_errors"])
    if pgb["failed"]:
        failed.append("(a): %d pgbench transactions failed" % pgb["failed"])
    if pgb_rows < pgb["txns"]:
        failed.append("(a): bench_inserts holds %d rows, fewer than the %d transactions" % (pgb_rows, pgb["txns"]))
    return failed


def section(m, pgb, healthz, c, d, f, failed, memory, cpu, not_quiet):
    """The markdown section between the bench:webhook-ingest markers. m: the run's facts (date,
    command_line, duration, rel_out, git_rev, inherited_settings, nproc, cpu_model, mem_gib,
    os_name, swift_version, wrk_version, pg_version, pg_settings, bench_db); memory: MiB (rss_idle,
    rss_c, rss_end, hwm_end); cpu: cpu.Cores by measurement letter."""
    s = int(m["duration"])
    n = m["nproc"]
    hz50, hz99 = "%.2f" % healthz["percentiles"]["50%"], "%.2f" % healthz["percentiles"]["99%"]
    inherited = " except %s from the environment" % m["inherited_settings"] if m["inherited_settings"] else ""
    L = ["<!-- bench:webhook-ingest:start -->", "## Webhook ingest", "",
         "- **Run:** %s, `%s`, %d s per measurement; raw outputs in `%s/` (gitignored)." % (m["date"], m["command_line"], s, m["rel_out"]),
         "- **Build:** herald %s, release (`swift build -c release --product herald`), running" % m["git_rev"],
         "  `herald serve` with default settings%s and `HERALD_LOG_LEVEL=warning`." % inherited,
         "- **Machine:** %d vCPU (%s), %s GiB memory, %s; Swift %s; wrk %s; everything on 127.0.0.1."
         % (n, m["cpu_model"], m["mem_gib"], m["os_name"] or "Linux", m["swift_version"], m["wrk_version"]),
         "- **Postgres:** %s, the embedded cluster of `scripts/db` (%s), database `%s` recreated for the run."
         % (m["pg_version"], m["pg_settings"], m["bench_db"]),
         "- **Payload:** a %d-byte Messenger delivery (object page, one text message), signed once with" % BODY_BYTES,
         "  HMAC-SHA256 (`tools/herald_tools/signing.py`) and sent by `scripts/bench-webhook.lua`; pgbench inserts the same bytes",
         "  (`INSERT INTO bench_inserts (body) VALUES ('\\x…'::bytea)`, a table with no index).", "",
         "| | measurement | command (%d s each) | throughput | p50 | p99 |" % s, "| --- | --- | --- | --- | --- | --- |",
         "| (a) | durable single-row INSERT of the 2 KB body, one commit each, herald idle | `pgbench -n -M prepared -c %d -j %d -T %d` | %s rows/s | — | — (mean %s ms) |"
         % (CONNECTIONS, WRK_THREADS, s, grouped(pgb["tps"]), pgb["latency_ms"]),
         "| (b) | `GET /healthz` | `wrk -t%d -c%d -d%ds --latency` | %s req/s | %s ms | %s ms |"
         % (WRK_THREADS, CONNECTIONS, s, grouped(healthz["requests_per_s"]), hz50, hz99),
         "| (c) | signed 2 KB `POST /webhook`, answered after commit | `wrk -t%d -c%d -d%ds --latency -s scripts/bench-webhook.lua` | **%s accepted/s** | %s ms | %s ms |"
         % (WRK_THREADS, CONNECTIONS, s, grouped(c["accepted_rps"]), ms(c["p50_us"]), ms(c["p99_us"])),
         "| (d) | the same, paced: %d connections × %d ms `delay()` (~1,000 req/s offered) | `wrk -t%d -c%d -d%ds --latency -s scripts/bench-webhook.lua` | %s req/s achieved | %s ms | **%s ms** |"
         % (PACED_CONNECTIONS, PACED_DELAY_MS, WRK_THREADS, PACED_CONNECTIONS, s, grouped(d["rps"]), ms(d["p50_us"]), f["d_p99_ms"]),
         "", "| target | measured | target | result |", "| --- | --- | --- | --- |",
         "| (c)/(a): webhooks accepted vs one-commit-per-row inserts | %s | ≥ %s | %s |" % (f["ratio_pgbench"], TARGET_VS_PGBENCH, f["met_pgbench"]),
         "| (c)/(b): webhooks accepted vs `/healthz` | %s | ≥ %s | %s |" % (f["ratio_healthz"], TARGET_VS_HEALTHZ, f["met_healthz"]),
         "| (d) p99 at ~1,000 req/s offered | %s ms | < %d ms | %s |" % (f["d_p99_ms"], TARGET_P99_MS, f["met_p99"]), ""]
    if not failed:
        L += ["Checks passed: every webhook answer was 200 with no socket errors ((c) %s, (d) %s)," % (grouped(c["ok"]), grouped(d["ok"])),
              "and `webhook_events` grew by at least that many rows ((c) %s, (d) %s; a few more" % (grouped(c["rows_added"]), grouped(d["rows_added"])),
              "than the 200s counted are requests still in flight when wrk stopped, stored but not counted)."]
    else:
        L += ["**Checks FAILED** — these figures are not valid:", ""] + ["- " + x for x in failed]
    L += ["", "Server memory (`/proc/PID/status` of `herald serve`): VmRSS %.1f MiB idle, %.1f MiB after (c)," % (memory["rss_idle"], memory["rss_c"]),
          "%.1f MiB after (d); peak VmHWM %.1f MiB." % (memory["rss_end"], memory["hwm_end"]), "",
          "Where the CPU went, in cores busy out of %d (from `/proc`; \"else\" is anything else running on the machine" % n,
          "meanwhile, and should be near 0):", "",
          "| | machine | herald | Postgres | load generator | else | group commit (herald's `/metrics`) |",
          "| --- | --- | --- | --- | --- | --- | --- |"]
    commit_text = {"a": "pgbench: one row per commit", "b": "—"}
    for name, run in (("c", c), ("d", d)):
        b = run["batch"]
        commits = grouped(b["commits"]) if b["commits"] != "n/a" else "n/a"
        commit_text[name] = "%s commits (%s/s), %s rows and %s ms each on average" % (commits, b["per_s"], b["batch_mean"], b["commit_ms"])
    for name in MEASUREMENTS:
        k = cpu[name]
        L.append("| (%s) | %.2f | %.2f | %.2f | %.2f | %.2f | %s |" % (name, k.busy, k.herald, k.postgres, k.load, k.other, commit_text[name]))
    L.append("")
    if not_quiet:
        L += ["**The machine was not quiet** (something else used the CPU or the cluster), so the figures concerned are low:"]
        L += ["- " + note for note in not_quiet] + [""]
    L += ["Read these figures as ratios. The load generator (wrk, pgbench) and the server (herald and",
          "Postgres) share the same %d cores, so every figure is lower than the server alone would reach," % n,
          "and the load generator's own CPU use differs between measurements; back-to-back runs of this",
          "script vary by 15–25 % in absolute figures. The ratios (c)/(a) and (c)/(b) are taken within one",
          "run on one cluster, so they are what to compare between runs and machines.",
          "<!-- bench:webhook-ingest:end -->"]
    return "\n".join(L) + "\n"


def summary(m, pgb, healthz, c, d, f, memory, cpu, doc_text):
    """The block printed on stdout at the end."""
    k = cpu["c"]
    hz = healthz["percentiles"]
    return "\n".join([
        "",
        "Webhook ingest, %s, %d s per measurement (%d vCPU, PostgreSQL %s, Swift %s)" % (m["date"], int(m["duration"]), m["nproc"], m["pg_version"], m["swift_version"]),
        "  (a) pgbench single-row 2 KB INSERT, %d clients   %s rows/s" % (CONNECTIONS, grouped(pgb["tps"])),
        "  (b) GET /healthz, %d connections             %s req/s   p50 %.2f ms  p99 %.2f ms" % (CONNECTIONS, grouped(healthz["requests_per_s"]), hz["50%"], hz["99%"]),
        "  (c) signed 2 KB POST /webhook, %d conn.      %s accepted/s   p50 %s ms  p99 %s ms   non-200: %d" % (CONNECTIONS, grouped(c["accepted_rps"]), ms(c["p50_us"]), ms(c["p99_us"]), c["non200"]),
        "  (d) paced ~1,000 req/s offered             %s req/s   p50 %s ms  p99 %s ms   non-200: %d" % (grouped(d["rps"]), ms(d["p50_us"]), f["d_p99_ms"], d["non200"]),
        "  (c)/(a) = %s  (target >= %s: %s)" % (f["ratio_pgbench"], TARGET_VS_PGBENCH, f["met_pgbench"]),
        "  (c)/(b) = %s  (target >= %s: %s)" % (f["ratio_healthz"], TARGET_VS_HEALTHZ, f["met_healthz"]),
        "  (d) p99 = %s ms  (target < %d ms: %s)" % (f["d_p99_ms"], TARGET_P99_MS, f["met_p99"]),
        "  rows stored: (c) %d for %d answers 200, (d) %d for %d" % (c["rows_added"], c["ok"], d["rows_added"], d["ok"]),
        "  group commit in (c): %s commits, mean %s rows, %s ms each" % (c["batch"]["commits"], c["batch"]["batch_mean"], c["batch"]["commit_ms"]),
        "  herald memory: VmRSS %.1f MiB idle, %.1f MiB after (c); VmHWM %.1f MiB" % (memory["rss_idle"], memory["rss_c"], memory["hwm_end"]),
        "  cores busy in (c): %.2f of %d (herald %.2f, Postgres %.2f, wrk %.2f, else %.2f)" % (k.busy, m["nproc"], k.herald, k.postgres, k.load, k.other),
        "  %s; raw outputs in %s/" % (doc_text, m["rel_out"]), ""])
