"""scripts/chaos's webhook load generator and analyses (Python 3 standard library only).

    python3 -m herald_tools.chaos load PORT SECRET PAGE RATE SECONDS THREADS PREFIX OUT.tsv
    python3 -m herald_tools.chaos load-report REQUESTS.tsv STOP_BEGIN STOP_END START_BEGIN START_END OK_MIDS.txt
    python3 -m herald_tools.chaos graph-sends REQUESTS.json MESSAGES.tsv BASE COUNT
    python3 -m herald_tools.chaos outage-requests REQUESTS.json LOW HIGH OUTAGE_END_MS
    python3 -m herald_tools.chaos poison PORT SECRET PAGE NORMAL BAD THREADS MANIFEST.json
    python3 -m herald_tools.chaos poison-report MANIFEST.json ROWS.json

Each function returns a dict; the drills (herald_tools.chaos_drills) call them directly, and the
command line prints the dict as one JSON object (for running an analysis again on a run's raw files)."""
import collections
import hashlib
import json
import sys
import threading
import time

from herald_tools import pacing
from herald_tools.chaos_poison import poison_bodies
from herald_tools.webhooks import Client, message_body, now_ms


def read_json(path):
    with open(path) as f:
        return json.load(f)


def load(port, secret, page, rate, duration, threads, prefix, out_path):
    """db-restart: paced signed webhooks, one customer message each; one line per request."""
    schedule = pacing.Schedule(time.time() + 0.2, rate, total=pacing.request_count(rate, duration))
    lock, rows = threading.Lock(), []

    def worker():
        client = Client(port, timeout=15)
        while (i := schedule.take()) is not None:
            mid = "m_%s_%d" % (prefix, i)
            psid = str(8100000000000000 + i % 1000)
            sent = now_ms()
            status = client.webhook(secret, message_body(page, psid, mid, "Chaos load message %d" % i, sent))[0]
            done = now_ms()
            with lock:
                rows.append((i, mid, status, sent, done))

    for thread in pacing.run_threads(threads, worker, "load"):
        thread.join()
    rows.sort()
    with open(out_path, "w") as out:
        for row in rows:
            out.write("%d\t%s\t%s\t%d\t%d\n" % row)
    counts = collections.Counter(row[2] for row in rows)
    span = (max(r[4] for r in rows) - min(r[3] for r in rows)) / 1000 if rows else 0
    return {"requests": len(rows), "by_status": dict(counts), "seconds": round(span, 2)}


def load_report(rows_path, stop_begin, stop_end, start_begin, start_end, ok_path):
    """db-restart figures from the request log and the outage's times (epoch ms)."""
    rows = []
    with open(rows_path) as lines:
        for line in lines:
            i, mid, status, sent, done = line.rstrip("\n").split("\t")
            rows.append((int(i), mid, status, int(sent), int(done)))
    with open(ok_path, "w") as out:
        for row in rows:
            if row[2] == "200":
                out.write(row[1] + "\n")

    def phase(row):
        if row[3] < stop_begin:
            return "before"
        if row[3] < start_end:
            return "during"
        return "after"

    by_phase = collections.defaultdict(collections.Counter)
    for row in rows:
        by_phase[phase(row)][row[2]] += 1
    oks_after = [row[4] for row in rows if row[2] == "200" and row[3] >= start_end]
    last_ok_before = max([row[4] for row in rows if row[2] == "200" and row[3] < stop_begin] or [0])
    first_503 = min([row[4] for row in rows if row[2] == "503"] or [0])
    last_503 = max([row[4] for row in rows if row[2] == "503"] or [0])
    statuses = collections.Counter(row[2] for row in rows)
    return {
        "requests": len(rows), "by_status": dict(statuses),
        "other": sum(n for s, n in statuses.items() if s not in ("200", "503")),
        "by_phase": {k: dict(v) for k, v in by_phase.items()},
        "first_503_after_stop_ms": (first_503 - stop_begin) if first_503 else None,
        "last_503_after_start_ms": (last_503 - start_end) if last_503 else None,
        "first_200_after_start_ms": (min(oks_after) - start_end) if oks_after else None,
        "oks_after_restart": len(oks_after), "last_ok_before_stop_ms": last_ok_before - stop_begin if last_ok_before else None,
        "offered_rate": round(len(rows) / ((max(r[3] for r in rows) - min(r[3] for r in rows)) / 1000), 1) if len(rows) > 1 else 0,
    }


def graph_sends(requests_path, messages_path, base, count):
    """worker-crash: duplicates, coverage and per-conversation order from fake-graph's record.

    messages_path: "id<TAB>psid<TAB>mid" for every outbound message of the run."""
    sends = read_json(requests_path)
    messages = {}
    with open(messages_path) as lines:
        for line in lines:
            mid_id, psid, mid = line.rstrip("\n").split("\t")
            messages[int(mid_id)] = (psid, mid)
    ok = [s for s in sends if s.get("outcome") == "ok" and (s.get("metadata") or "").startswith("herald:")]
    by_id = collections.defaultdict(list)
    for s in sorted(ok, key=lambda s: s["sequence"]):
        by_id[int(s["metadata"].split(":", 1)[1])].append(s)
    duplicates = sum(len(v) - 1 for v in by_id.values())
    most = max((len(v) for v in by_id.values()), default=0)
    missing = [i for i in messages if i not in by_id]
    foreign = [i for i in by_id if i not in messages]
    mid_mismatch = [i for i, (psid, mid) in messages.items()
                    if i in by_id and mid not in {s.get("message_id") for s in by_id[i]}]
    wrong_recipient = [i for i, (psid, mid) in messages.items()
                       if i in by_id and any(s.get("recipient") != psid for s in by_id[i])]
    # Per-conversation order: the first send of each message, per recipient, in message id order.
    first = sorted(((v[0]["sequence"], i, v[0].get("recipient")) for i, v in by_id.items()))
    last_seen, violations = {}, 0
    for _, i, recipient in first:
        if recipient in last_seen and last_seen[recipient] > i:
            violations += 1
        last_seen[recipient] = max(i, last_seen.get(recipient, 0))
    return {"graph_ok_sends": len(ok), "distinct_messages_at_graph": len(by_id), "duplicates": duplicates,
                      "messages_sent_twice_or_more": sum(1 for v in by_id.values() if len(v) > 1), "most_sends_of_one": most,
                      "missing_at_graph": len(missing), "unknown_at_graph": len(foreign), "mid_mismatch": len(mid_mismatch),
                      "wrong_recipient": len(wrong_recipient), "order_violations": violations, "recorded": len(sends)}


def outage_requests(requests_path, low, high, outage_end_ms):
    """graph-outage: Graph requests for recipients in [low, high): by outcome, and per message."""
    sends = read_json(requests_path)
    mine = [s for s in sends if s.get("recipient", "").isdigit() and low <= int(s["recipient"]) < high]
    outcomes = collections.Counter(s["outcome"] for s in mine)
    per_message = collections.Counter(s.get("metadata") for s in mine if s["outcome"] == "temporary")
    in_outage = [s for s in mine if s["time"] < outage_end_ms]
    by_second = collections.Counter(int((s["time"] - mine[0]["time"]) / 1000) for s in mine) if mine else {}
    return {"requests": len(mine), "by_outcome": dict(outcomes), "during_outage": len(in_outage),
                      "max_temporary_per_message": max(per_message.values(), default=0),
                      "ok_sends": outcomes.get("ok", 0),
                      "busiest_second": max(by_second.values(), default=0)}


def poison(port, secret, page, normal_count, bad_count, threads, manifest_path):
    bodies = poison_bodies(page, normal_count, bad_count)
    lock, counter, statuses = threading.Lock(), [0], [None] * len(bodies)

    def worker():
        client = Client(port, timeout=15)
        while True:
            with lock:
                i = counter[0]
                counter[0] += 1
            if i >= len(bodies):
                return
            statuses[i] = client.webhook(secret, bodies[i][1])[0]

    started = time.time()
    for thread in pacing.run_threads(threads, worker, "poison"):
        thread.join()
    manifest = [{"category": c, "variant": v, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b), "status": s}
                for (c, b, v), s in zip(bodies, statuses)]
    with open(manifest_path, "w") as out:
        json.dump(manifest, out)
    by = collections.defaultdict(collections.Counter)
    for item in manifest:
        by[item["category"]][item["status"]] += 1
    return {"bodies": len(bodies), "seconds": round(time.time() - started, 2),
                      "by_category_status": {k: dict(v) for k, v in sorted(by.items())},
                      "largest_bytes": max(item["bytes"] for item in manifest)}


def poison_report(manifest_path, rows_path):
    """Joins the manifest with webhook_events (sha256, state, attempts, last_error) by body hash."""
    manifest = read_json(manifest_path)
    rows = read_json(rows_path) or []
    by_hash = collections.defaultdict(list)
    for row in rows:
        by_hash[row["sha256"]].append(row)
    table = collections.defaultdict(collections.Counter)
    variants = collections.defaultdict(collections.Counter)
    reasons = collections.Counter()
    parked_without_reason = 0
    missing = 0
    used = collections.Counter()
    for item in manifest:
        candidates = by_hash.get(item["sha256"], [])
        index = used[item["sha256"]]
        if item["status"] != "200":
            table[item["category"]]["answered " + str(item["status"])] += 1
            continue
        if index >= len(candidates):
            missing += 1
            table[item["category"]]["MISSING"] += 1
            continue
        used[item["sha256"]] += 1
        row = candidates[index]
        state = row["state"]
        if state == "processed" and row.get("last_error"):
            state = "processed (with notes)"
        table[item["category"]][state] += 1
        variants[item["category"] + " " + item.get("variant", "")][state] += 1
        if row["state"] == "parked":
            if not row.get("last_error"):
                parked_without_reason += 1
            reasons[(row.get("last_error") or "")[:90]] += 1
    extra_rows = len(rows) - sum(used.values())
    return {"table": {k: dict(v) for k, v in sorted(table.items())}, "missing": missing,
                      "extra_rows": extra_rows, "parked_without_reason": parked_without_reason,
                      "park_reasons": reasons.most_common(20),
                      "by_variant": {k: dict(v) for k, v in sorted(variants.items())}}


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "load":
        port, secret, page, rate, duration, threads, prefix, out = args
        result = load(int(port), secret.encode(), page, float(rate), float(duration), int(threads), prefix, out)
    elif command == "load-report":
        rows, a, b, c, d, ok = args
        result = load_report(rows, int(a), int(b), int(c), int(d), ok)
    elif command == "graph-sends":
        result = graph_sends(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "outage-requests":
        result = outage_requests(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif command == "poison":
        port, secret, page, normal, bad, threads, manifest = args
        result = poison(int(port), secret.encode(), page, int(normal), int(bad), int(threads), manifest)
    elif command == "poison-report":
        result = poison_report(args[0], args[1])
    else:
        sys.exit("unknown command %s\n%s" % (command, __doc__))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:] or ["help"])
