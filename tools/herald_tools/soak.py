"""scripts/soak's load generator, sampler and report (Python 3 standard library only).

    python3 -m herald_tools.soak CONFIG.json            the traffic, samples and report
    python3 -m herald_tools.soak CONFIG.json --render   rewrite section.md from summary.json

CONFIG.json is written by scripts/soak (ports, pids, rates, secrets); the run's files go to its
"out" folder. Traffic streams are paced on fixed schedules (herald_tools.pacing)."""
import csv
import heapq
import json
import os
import statistics
import sys
import threading
import time

from herald_tools import pacing, percentiles, postgres, soak_report
from herald_tools.processes import CLK_TCK, cpu_ticks, memory_mib
from herald_tools.webhooks import Client, now_ms, page_envelope

TABLES = ["jobs", "webhook_events", "messages", "changes", "message_attempts"]
cfg = {}  # the run's CONFIG.json, loaded by main
run = {"start": 0.0, "end": 0.0}  # epoch times the traffic starts and ends

records = []  # (stream, epoch start, latency ms, status)
records_lock = threading.Lock()
receipts = []  # heap of (due epoch, kind, psid)
receipts_cv = threading.Condition()
stop = threading.Event()


def r1(x):
    return percentiles.round_or_none(x, 1)


def r2(x):
    return percentiles.round_or_none(x, 2)


def psql(sql):
    return postgres.query(cfg["url"], sql, cfg["psql"])


def paced(stream, rate, threads, action):
    """Requests due at run["start"] + i / rate until run["end"], shared by `threads` threads."""
    schedule = pacing.Schedule(run["start"], rate, end=run["end"], stop=stop)

    def worker():
        client = Client(cfg["serve_port"], timeout=30)
        while (i := schedule.take()) is not None:
            action(client, i)

    return pacing.run_threads(threads, worker, stream, daemon=True, start=False)


def customer(i):
    # A fixed pseudo-random spread over the customers (Knuth's multiplicative hash).
    return str(cfg["customer_base"] + (i * 2654435761) % cfg["customers"])




def record(stream, started, latency, status):
    with records_lock:
        records.append((stream, started, latency, status))


def customer_message(client, i):
    ts = now_ms()
    body = page_envelope(cfg["page"], customer(i), ts, {"message": {"mid": "m_soak_%s_%d" % (cfg["run"], i),
                                                  "text": "Soak customer message %d: where is my parcel?" % i}})
    status, latency, _ = client.webhook(cfg["app_secret"], body)
    record("webhook", ts / 1000, latency, status)


def supporter_send(client, i):
    psid = customer(i * 7 + 3)
    ts = time.time()
    body = json.dumps({"text": "Soak reply %d: it ships today." % i}).encode()
    status, latency, _ = client.request("POST", "/v1/pages/%s/customers/%s/messages" % (cfg["page"], psid), body,
                                        {"Content-Type": "application/json", "Authorization": "Bearer " + cfg["api_token"]})
    record("send", ts, latency, status)
    if status == "201":
        with receipts_cv:
            heapq.heappush(receipts, (ts + 2.0, "delivery", psid))
            heapq.heappush(receipts, (ts + 5.0, "read", psid))
            receipts_cv.notify()


def receipt_worker():
    client = Client(cfg["serve_port"], timeout=30)
    while True:
        with receipts_cv:
            while not receipts or receipts[0][0] > time.time():
                if stop.is_set() and not receipts:
                    return
                timeout = 0.5 if not receipts else max(0.0, min(0.5, receipts[0][0] - time.time()))
                receipts_cv.wait(timeout)
            due, kind, psid = heapq.heappop(receipts)
        ts = now_ms()
        status, latency, _ = client.webhook(cfg["app_secret"], page_envelope(cfg["page"], psid, ts, {kind: {"watermark": ts}}))
        record("webhook", ts / 1000, latency, status)


def db_sample(prev_epoch):
    tables = ",".join("'%s'" % t for t in TABLES)
    sql = """
SELECT json_build_object(
  'now', extract(epoch FROM now()),
  'e2s', (SELECT json_build_object('n', count(*),
                 'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY d), 'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY d), 'max', max(d))
          FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS d FROM messages
                WHERE direction = 'outbound' AND author = 'supporter' AND sent_at > to_timestamp(%f) AND sent_at <= now()) x),
  'queued', (SELECT count(*) FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending', 'resend')),
  'failed', (SELECT count(*) FROM messages WHERE status = 'failed'),
  'pending_events', (SELECT count(*) FROM webhook_events WHERE state = 'pending'),
  'parked_events', (SELECT count(*) FROM webhook_events WHERE state = 'parked'),
  'jobs', (SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) n FROM jobs GROUP BY state) s),
  'job_kinds', (SELECT coalesce(json_object_agg(kind, n), '{}') FROM (SELECT kind, count(*) n FROM jobs GROUP BY kind) s),
  'tables', (SELECT json_agg(json_build_object('table', relname, 'total', pg_total_relation_size(relid),
                   'heap', pg_relation_size(relid), 'indexes', pg_indexes_size(relid), 'live', n_live_tup, 'dead', n_dead_tup,
                   'last_autovacuum', to_char(last_autovacuum AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'autovacuum_count', autovacuum_count, 'autoanalyze_count', autoanalyze_count) ORDER BY relname)
             FROM pg_stat_user_tables WHERE relname IN (%s)),
  'indexes', (SELECT json_agg(json_build_object('table', relname, 'index', indexrelname, 'bytes', pg_relation_size(indexrelid))
                             ORDER BY relname, indexrelname)
              FROM pg_stat_user_indexes WHERE relname IN (%s)))
""" % (prev_epoch, tables, tables)
    return json.loads(psql(sql))


SAMPLE_FIELDS = ["t_s", "utc", "serve_rss_mib", "work_rss_mib", "serve_cpu_cores", "work_cpu_cores",
                 "webhooks", "webhook_p50_ms", "webhook_p99_ms", "webhook_max_ms", "webhook_not_200",
                 "sends", "send_p50_ms", "send_p99_ms", "send_not_201",
                 "sent", "enqueue_to_sent_p50_ms", "enqueue_to_sent_p99_ms", "enqueue_to_sent_max_ms",
                 "outbound_backlog", "failed", "pending_events", "parked_events",
                 "jobs_available", "jobs_running", "jobs_retryable", "jobs_completed", "jobs_discarded", "inactivity_jobs"]
samples, table_rows, index_rows = [], [], []


def take_sample(t_label, prev, window_records, cpu_prev):
    t_now = time.time()
    serve_rss, _ = memory_mib(cfg["serve_pid"])
    work_rss, _ = memory_mib(cfg["work_pid"])
    ticks = (cpu_ticks(cfg["serve_pid"]), cpu_ticks(cfg["work_pid"]), t_now)
    elapsed = max(ticks[2] - cpu_prev[2], 1e-6)
    db = db_sample(prev)
    hooks = [r for r in window_records if r[0] == "webhook"]
    sends = [r for r in window_records if r[0] == "send"]
    hook_lat = [r[2] for r in hooks]
    send_lat = [r[2] for r in sends]
    e2s = db["e2s"] or {}
    jobs = db["jobs"] or {}
    row = {
        "t_s": round(t_label, 1), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_now)),
        "serve_rss_mib": r1(serve_rss), "work_rss_mib": r1(work_rss),
        "serve_cpu_cores": r2((ticks[0] - cpu_prev[0]) / CLK_TCK / elapsed),
        "work_cpu_cores": r2((ticks[1] - cpu_prev[1]) / CLK_TCK / elapsed),
        "webhooks": len(hooks), "webhook_p50_ms": r2(percentiles.interpolated(hook_lat, 0.5)), "webhook_p99_ms": r2(percentiles.interpolated(hook_lat, 0.99)),
        "webhook_max_ms": r2(max(hook_lat) if hook_lat else None),
        "webhook_not_200": sum(1 for r in hooks if r[3] != "200"),
        "sends": len(sends), "send_p50_ms": r2(percentiles.interpolated(send_lat, 0.5)), "send_p99_ms": r2(percentiles.interpolated(send_lat, 0.99)),
        "send_not_201": sum(1 for r in sends if r[3] != "201"),
        "sent": e2s.get("n", 0), "enqueue_to_sent_p50_ms": r1(e2s.get("p50")), "enqueue_to_sent_p99_ms": r1(e2s.get("p99")),
        "enqueue_to_sent_max_ms": r1(e2s.get("max")),
        "outbound_backlog": db["queued"], "failed": db["failed"], "pending_events": db["pending_events"],
        "parked_events": db["parked_events"],
        "jobs_available": jobs.get("available", 0), "jobs_running": jobs.get("running", 0),
        "jobs_retryable": jobs.get("retryable", 0), "jobs_completed": jobs.get("completed", 0),
        "jobs_discarded": jobs.get("discarded", 0), "inactivity_jobs": (db["job_kinds"] or {}).get("inactivity_check", 0),
    }
    samples.append(row)
    for t in db["tables"] or []:
        table_rows.append({"t_s": row["t_s"], "table": t["table"], "total_bytes": t["total"], "heap_bytes": t["heap"],
                           "index_bytes": t["indexes"], "live_tuples": t["live"], "dead_tuples": t["dead"],
                           "last_autovacuum": t["last_autovacuum"] or "", "autovacuum_count": t["autovacuum_count"],
                           "autoanalyze_count": t["autoanalyze_count"]})
    for i in db["indexes"] or []:
        index_rows.append({"t_s": row["t_s"], "table": i["table"], "index": i["index"], "bytes": i["bytes"]})
    write_csvs()
    print("soak: t=%5.0fs serve %s MiB work %s MiB | webhooks %d p50 %s p99 %s ms | sends %d p99 %s ms | "
          "enqueue->sent p50 %s p99 %s ms | backlog %s | jobs %s | dead jobs %s" % (
              row["t_s"], row["serve_rss_mib"], row["work_rss_mib"], row["webhooks"], row["webhook_p50_ms"],
              row["webhook_p99_ms"], row["sends"], row["send_p99_ms"], row["enqueue_to_sent_p50_ms"],
              row["enqueue_to_sent_p99_ms"], row["outbound_backlog"], sum(jobs.values()),
              next((t["dead"] for t in db["tables"] or [] if t["table"] == "jobs"), "?")), file=sys.stderr, flush=True)
    return db["now"], ticks


def write_csvs():
    for name, fields, rows in (("samples.csv", SAMPLE_FIELDS, samples),
                               ("tables.csv", ["t_s", "table", "total_bytes", "heap_bytes", "index_bytes", "live_tuples",
                                               "dead_tuples", "last_autovacuum", "autovacuum_count", "autoanalyze_count"], table_rows),
                               ("indexes.csv", ["t_s", "table", "index", "bytes"], index_rows)):
        with open(os.path.join(cfg["out"], name), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, per hour."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < 3:
        return None
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return None if den == 0 else sum((x - mx) * (y - my) for x, y in points) / den * 3600


def traffic():
    threads = paced("webhook", cfg["webhook_rate"], 6, customer_message)
    threads += paced("send", cfg["send_rate"], 4, supporter_send)
    receipt_threads = [threading.Thread(target=receipt_worker, daemon=True) for _ in range(3)]
    cpu_prev = (cpu_ticks(cfg["serve_pid"]), cpu_ticks(cfg["work_pid"]), time.time())
    prev_db, _ = take_sample(0, 0, [], cpu_prev)  # idle, before the traffic
    cpu_prev = (cpu_ticks(cfg["serve_pid"]), cpu_ticks(cfg["work_pid"]), time.time())
    db_start = prev_db
    for t in threads + receipt_threads:
        t.start()
    seen = 0
    k = 1
    while True:
        target = run["start"] + k * cfg["interval"]
        last = target >= run["end"]
        target = min(target, run["end"])
        while time.time() < target:
            time.sleep(min(1.0, target - time.time()))
        with records_lock:
            window = records[seen:]
            seen = len(records)
        prev_db, cpu_prev = take_sample(time.time() - run["start"], prev_db, window, cpu_prev)
        k += 1
        if last:
            break
    stop.set()
    for t in threads:
        t.join(timeout=60)
    with receipts_cv:
        receipts_cv.notify_all()
    for t in receipt_threads:
        t.join(timeout=30)
    load_end = time.time()
    db_end = float(psql("SELECT extract(epoch FROM now())"))
    # Let the backlog drain (at most 60 s), then one last sample.
    drained_after = None
    t0 = time.time()
    while time.time() - t0 < 60:
        left = psql("SELECT (SELECT count(*) FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending', 'resend'))"
                    " + (SELECT count(*) FROM webhook_events WHERE state = 'pending')")
        if int(left) == 0:
            drained_after = round(time.time() - t0, 1)
            break
        time.sleep(1)
    with records_lock:
        window = records[seen:]
        seen = len(records)
    take_sample(time.time() - run["start"], prev_db, window, cpu_prev)
    with open(os.path.join(cfg["out"], "requests.tsv"), "w") as f:
        f.write("stream\tstart_epoch\tlatency_ms\tstatus\n")
        for r in records:
            f.write("%s\t%.3f\t%.2f\t%s\n" % (r[0], r[1], r[2], r[3]))
    report(db_start, db_end, load_end, drained_after)


def report(db_start, db_end, load_end, drained_after):
    minutes = cfg["minutes"]
    window = min(300.0, minutes * 60 / 3)
    load = [s for s in samples[1:-1]] or samples[1:]
    first_w = lambda r: run["start"] <= r[1] < run["start"] + window  # noqa: E731
    last_w = lambda r: run["end"] - window <= r[1] < run["end"]  # noqa: E731

    def lat(stream, keep):
        v = [r[2] for r in records if r[0] == stream and keep(r)]
        return {"n": len(v), "p50": r2(percentiles.interpolated(v, 0.5)), "p99": r2(percentiles.interpolated(v, 0.99)), "max": r2(max(v) if v else None)}

    e2s_sql = """SELECT json_build_object('n', count(*), 'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY d),
                 'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY d), 'max', max(d))
                 FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS d FROM messages
                       WHERE direction = 'outbound' AND author = 'supporter' AND sent_at IS NOT NULL
                         AND created_at >= to_timestamp(%f) AND created_at < to_timestamp(%f)) x"""
    e2s_first = json.loads(psql(e2s_sql % (db_start, db_start + window)))
    e2s_last = json.loads(psql(e2s_sql % (db_end - window, db_end)))
    e2s_all = json.loads(psql(e2s_sql % (db_start, db_end)))
    statuses = json.loads(psql("SELECT coalesce(json_object_agg(status, n), '{}') FROM (SELECT status, count(*) n FROM messages"
                               " WHERE direction = 'outbound' GROUP BY status) s"))
    inbound = int(psql("SELECT count(*) FROM messages WHERE direction = 'inbound'"))
    streams = {}
    for stream, ok in (("webhook", "200"), ("send", "201")):
        rs = [r for r in records if r[0] == stream]
        bad = {}
        for r in rs:
            if r[3] != ok:
                bad[r[3]] = bad.get(r[3], 0) + 1
        streams[stream] = {"requests": len(rs), "per_second": round(len(rs) / (minutes * 60), 1), "not_ok": bad}

    def rss(key):
        values = [(s["t_s"], s[key]) for s in samples if s[key] is not None]
        steady = [(t, v) for t, v in values[1:] if t >= window]
        return {"idle": values[0][1] if values else None, "first_load": values[1][1] if len(values) > 1 else None,
                "end": load[-1][key] if load else None, "max": max(v for _, v in values) if values else None,
                "slope_mib_per_hour_after_warmup": r1(slope_per_hour(steady))}

    tables = {}
    for name in TABLES:
        rows = [t for t in table_rows if t["table"] == name]
        if not rows:
            continue
        first, last = rows[0], rows[-1]
        loaded = [t for t in rows if 0 < t["t_s"]]
        tables[name] = {
            "total_start": first["total_bytes"], "total_end": last["total_bytes"],
            "heap_start": first["heap_bytes"], "heap_end": last["heap_bytes"],
            "index_start": first["index_bytes"], "index_end": last["index_bytes"],
            "live_end": last["live_tuples"], "dead_end": last["dead_tuples"],
            "dead_max": max(t["dead_tuples"] for t in rows),
            "dead_ratio_max": round(max((t["dead_tuples"] / max(t["live_tuples"] + t["dead_tuples"], 1)) for t in loaded), 3) if loaded else None,
            "autovacuums": last["autovacuum_count"] - first["autovacuum_count"], "last_autovacuum": last["last_autovacuum"],
            "growth_mib_per_hour": r1(slope_per_hour([(t["t_s"], t["total_bytes"] / 1048576) for t in rows if t["t_s"] >= window])),
        }
    idx = {}
    for r in index_rows:
        key = r["table"] + "." + r["index"]
        idx.setdefault(key, []).append(r["bytes"])
    indexes = {k: {"start": v[0], "end": v[-1], "max": max(v)} for k, v in idx.items()}
    jobs_completed_rate = None
    if len(load) >= 2:
        dt = load[-1]["t_s"] - load[0]["t_s"]
        if dt > 0:
            jobs_completed_rate = round((load[-1]["jobs_completed"] - load[0]["jobs_completed"]) / dt, 1)
    checks = []
    if streams["webhook"]["not_ok"]:
        checks.append("webhook answers not 200: %s" % streams["webhook"]["not_ok"])
    if streams["send"]["not_ok"]:
        checks.append("send answers not 201: %s" % streams["send"]["not_ok"])
    if statuses.get("failed"):
        checks.append("%d outbound messages failed" % statuses["failed"])
    if drained_after is None:
        checks.append("backlog not drained within 60 s of the end of the traffic")
    for pid, name in ((cfg["serve_pid"], "herald serve"), (cfg["work_pid"], "herald work")):
        if memory_mib(pid)[0] is None:
            checks.append("%s is no longer running" % name)
    summary = {
        "minutes": minutes, "window_s": window, "interval_s": cfg["interval"], "samples": len(samples),
        "offered": {"webhook_customer_per_s": cfg["webhook_rate"], "send_per_s": cfg["send_rate"],
                    "receipts_per_s": 2 * cfg["send_rate"]},
        "streams": streams, "drained_after_s": drained_after,
        "rss": {"serve": rss("serve_rss_mib"), "work": rss("work_rss_mib")},
        "cpu": {"serve": r2(statistics.fmean(s["serve_cpu_cores"] for s in load)) if load else None,
                "work": r2(statistics.fmean(s["work_cpu_cores"] for s in load)) if load else None},
        "webhook_latency": {"first": lat("webhook", first_w), "last": lat("webhook", last_w),
                            "all": lat("webhook", lambda r: True)},
        "send_latency": {"first": lat("send", first_w), "last": lat("send", last_w), "all": lat("send", lambda r: True)},
        "enqueue_to_sent": {"first": e2s_first, "last": e2s_last, "all": e2s_all},
        "outbound_statuses": statuses, "inbound_messages": inbound,
        "jobs": {"end": load[-1] if load else None, "completed_per_s": jobs_completed_rate},
        "tables": tables, "indexes": indexes, "checks_failed": checks,
    }
    with open(os.path.join(cfg["out"], "summary.json"), "w") as out:
        json.dump(summary, out, indent=2)
    with open(os.path.join(cfg["out"], "section.md"), "w") as out:
        out.write(soak_report.section(summary, cfg))
    print(json.dumps({"checks_failed": checks}))


def main(argv):
    with open(argv[0]) as config:
        cfg.update(json.load(config))
    if argv[1:] == ["--render"]:
        with open(os.path.join(cfg["out"], "summary.json")) as summary:
            section = soak_report.section(json.load(summary), cfg)
        with open(os.path.join(cfg["out"], "section.md"), "w") as out:
            out.write(section)
        return
    run["start"] = time.time() + 1.0
    run["end"] = run["start"] + cfg["minutes"] * 60
    traffic()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
