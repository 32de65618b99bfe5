"""scripts/soak's report: the "Soak" section of docs/benchmarks.md from a run's summary and
its tables.csv, with the tuning advice those figures call for."""
import csv
import os


def mib(b):
    return "%.1f MiB" % (b / 1048576)


def ms(x):
    return "—" if x is None else "%.1f ms" % x


def section(s, cfg):
    m = cfg["meta"]
    w_min = round(s["window_s"] / 60, 2)
    wl, sl, el = s["webhook_latency"], s["send_latency"], s["enqueue_to_sent"]
    rs, rw = s["rss"]["serve"], s["rss"]["work"]
    L = []
    a = L.append
    a("<!-- bench:soak:start -->")
    a("## Soak: steady mixed traffic")
    a("")
    a("- **Run:** %s, `%s`; samples in `%s/` (`samples.csv`, `tables.csv`, `indexes.csv`, `requests.tsv`, `summary.json`; gitignored)."
      % (m["date"], m["command"], m["rel_out"]))
    a("- **Build:** herald %s, release; `herald serve` and `herald work --concurrency %d` (defaults, `HERALD_LOG_LEVEL=warning`); `fake-graph --latency-ms %d`."
      % (m["build"], cfg["concurrency"], cfg["graph_latency_ms"]))
    a("- **Machine:** %s; load generator, Postgres, herald and fake-graph share it." % m["machine"])
    a("- **Postgres:** %s, a throwaway cluster made by `scripts/db` for the run (%s), with the per-table settings of `sql/0004_hot_table_tuning.sql`." % (m["pg_version"], m["pg_settings"]))
    a("- **Traffic, %g minute%s:** %d signed customer-message webhooks/s (unique mids, %d customers of one page), "
      "%d supporter sends/s through `POST /v1/pages/{page}/customers/{psid}/messages`, and for every send a signed "
      "`delivery` webhook 2 s later and a `read` webhook 5 s later (~%d webhooks/s in all). Achieved: %s webhooks/s, %s sends/s."
      % (s["minutes"], "" if s["minutes"] == 1 else "s", cfg["webhook_rate"], cfg["customers"], cfg["send_rate"], cfg["webhook_rate"] + 2 * cfg["send_rate"],
         s["streams"]["webhook"]["per_second"], s["streams"]["send"]["per_second"]))
    a("")
    a("| | start | end | drift |")
    a("| --- | --- | --- | --- |")
    a("| `herald serve` VmRSS | %.1f MiB idle, %.1f MiB after %ds | %.1f MiB (max %.1f) | %s MiB/h after the first %g min |"
      % (rs["idle"], rs["first_load"], cfg["interval"], rs["end"], rs["max"], fmt_slope(rs["slope_mib_per_hour_after_warmup"]), w_min))
    a("| `herald work` VmRSS | %.1f MiB idle, %.1f MiB after %ds | %.1f MiB (max %.1f) | %s MiB/h after the first %g min |"
      % (rw["idle"], rw["first_load"], cfg["interval"], rw["end"], rw["max"], fmt_slope(rw["slope_mib_per_hour_after_warmup"]), w_min))
    a("| webhook `POST` latency p50 / p99 (first vs last %g min) | %s / %s | %s / %s | p99 %s |"
      % (w_min, ms(wl["first"]["p50"]), ms(wl["first"]["p99"]), ms(wl["last"]["p50"]), ms(wl["last"]["p99"]), drift(wl["first"]["p99"], wl["last"]["p99"])))
    a("| API send `POST` latency p50 / p99 | %s / %s | %s / %s | p99 %s |"
      % (ms(sl["first"]["p50"]), ms(sl["first"]["p99"]), ms(sl["last"]["p50"]), ms(sl["last"]["p99"]), drift(sl["first"]["p99"], sl["last"]["p99"])))
    a("| enqueue → sent (`sent_at − created_at`) p50 / p99 | %s / %s | %s / %s | p99 %s |"
      % (ms(el["first"]["p50"]), ms(el["first"]["p99"]), ms(el["last"]["p50"]), ms(el["last"]["p99"]), drift(el["first"]["p99"], el["last"]["p99"])))
    a("")
    a("Whole run: webhook p50 %s, p99 %s, max %s over %d requests; enqueue → sent p50 %s, p99 %s, max %s over %d messages "
      "(Graph itself takes %d ms). CPU, mean under load: `herald serve` %s cores, `herald work` %s cores."
      % (ms(wl["all"]["p50"]), ms(wl["all"]["p99"]), ms(wl["all"]["max"]), wl["all"]["n"], ms(el["all"]["p50"]), ms(el["all"]["p99"]),
         ms(el["all"]["max"]), el["all"]["n"] or 0, cfg["graph_latency_ms"], s["cpu"]["serve"], s["cpu"]["work"]))
    a("")
    a("Tables, from the idle sample before the traffic to the sample after it (sizes: `pg_total_relation_size`, heap "
      "`pg_relation_size`, `pg_indexes_size`; tuples and autovacuum: `pg_stat_user_tables`):")
    a("")
    a("| table | total | heap | indexes | growth (steady) | live rows at end | dead rows at end (share) | most dead rows after the first %g min | autovacuums | last autovacuum |" % w_min)
    a("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    dead = dead_peaks(cfg["out"], s["window_s"])
    for name, t in s["tables"].items():
        a("| `%s` | %s → %s | %s → %s | %s → %s | %s MiB/h | %d | %d (%.0f %%) | %s | %d | %s |" % (
            name, mib(t["total_start"]), mib(t["total_end"]), mib(t["heap_start"]), mib(t["heap_end"]),
            mib(t["index_start"]), mib(t["index_end"]), fmt_slope(t["growth_mib_per_hour"]), t["live_end"], t["dead_end"],
            100 * t["dead_end"] / max(t["live_end"] + t["dead_end"], 1),
            dead.get(name, {}).get("max", "—"), t["autovacuums"], t["last_autovacuum"] or "never"))
    a("")
    jobidx = ", ".join("`%s` %s → %s" % (k.split(".", 1)[1], mib(v["start"]), mib(v["end"]))
                       for k, v in s["indexes"].items() if k.startswith("jobs."))
    a("Indexes of `jobs`: %s." % jobidx)
    a("")
    end = s["jobs"]["end"] or {}
    st = s["outbound_statuses"]
    a("At the end: outbound messages by status: %s; %d inbound messages. Jobs: %d completed (kept 7 days), %d available, "
      "%d running; %d of them are `inactivity_check` jobs (one per customer, due 24 h after their last activity). "
      "Jobs completed at %s/s. The backlog drained %s after the traffic stopped."
      % (", ".join("%s %d" % kv for kv in sorted(st.items())), s["inbound_messages"], end.get("jobs_completed", 0),
         end.get("jobs_available", 0), end.get("jobs_running", 0), end.get("inactivity_jobs", 0),
         s["jobs"]["completed_per_s"], "in %s s" % s["drained_after_s"] if s["drained_after_s"] is not None else "**not within 60 s**"))
    a("")
    if s["checks_failed"]:
        a("**Checks FAILED:** " + "; ".join(s["checks_failed"]) + ".")
    else:
        a("Checks passed: every webhook answered 200, every send 201, no outbound message failed, the backlog "
          "drained, and both herald processes ran the whole time.")
    a("")
    a("### What to tune")
    a("")
    for line in tuning(s, cfg):
        a(line)
    a("")
    a("Commands: `scripts/soak` (default 30 minutes; `--minutes N`), `scripts/bench-scale` (the section above).")
    a("<!-- bench:soak:end -->")
    return "\n".join(L) + "\n"


def dead_peaks(out_dir, window):
    """Most dead rows per table after the warm-up, overall and in each half of the rest (tables.csv)."""
    rows = []
    try:
        with open(os.path.join(out_dir, "tables.csv")) as f:
            rows = [r for r in csv.DictReader(f) if float(r["t_s"]) >= window]
    except OSError:
        return {}
    out = {}
    if not rows:
        return out
    end = max(float(r["t_s"]) for r in rows)
    mid = window + (end - window) / 2
    for r in rows:
        d = out.setdefault(r["table"], {"max": 0, "early": 0, "late": 0, "late_live": 0})
        dead, live = int(r["dead_tuples"]), int(r["live_tuples"])
        d["max"] = max(d["max"], dead)
        if float(r["t_s"]) < mid:
            d["early"] = max(d["early"], dead)
        elif dead >= d["late"]:
            d["late"], d["late_live"] = dead, live
    return out


def fmt_slope(x):
    return "—" if x is None else "%+.1f" % x


def drift(a, b):
    if a is None or b is None or a == 0:
        return "—"
    return "%+.0f %%" % (100 * (b - a) / a)


def tuning(s, cfg):
    # The retention and pruning figures below restate ScheduledJobWorker, WebhookRetention and
    # sql/0004_hot_table_tuning.sql; change them here when those change.
    t = s["tables"]
    out = []
    prune_per_s = 100000 / 60  # rows a minute each `herald work` may prune, per table
    wh = t.get("webhook_events")
    hooks_per_s = s["streams"]["webhook"]["per_second"]
    if wh:
        per_row = (wh["total_end"] - wh["total_start"]) / max(wh["live_end"], 1)
        steady = per_row * hooks_per_s * 30 * 86400
        out.append("- **`webhook_events`** grew %s in %g min, about %.0f bytes per stored body with its indexes. "
                   "`herald work` prunes processed bodies after `HERALD_WEBHOOK_RETENTION_DAYS` (30), up to 100,000 a minute "
                   "per process (%.0f/s, %s the %.0f webhooks/s here), so at this rate it levels off near %.1f GiB (%.0f million bodies); "
                   "a shorter retention shrinks that in proportion (it is also the replay window, operations.md §4). "
                   "Autovacuum (0004: insert scale factor 0.05) ran %d times; %d dead rows at the end (%.0f %%)."
                   % (mib(wh["total_end"] - wh["total_start"]), s["minutes"], per_row, prune_per_s,
                      "well above" if prune_per_s > 2 * hooks_per_s else ("above" if prune_per_s > hooks_per_s else "**below**"),
                      hooks_per_s, steady / 1073741824, hooks_per_s * 30 * 86400 / 1e6, wh["autovacuums"], wh["dead_end"],
                      100 * wh["dead_end"] / max(wh["live_end"] + wh["dead_end"], 1)))
    jb = t.get("jobs")
    rate = s["jobs"]["completed_per_s"]
    if jb:
        dj = dead_peaks(cfg["out"], s["window_s"]).get("jobs", {})
        week_rows = (rate or 0) * 7 * 86400
        out.append("- **`jobs`.** Every job is inserted, claimed and completed, and those updates touch indexed columns, "
                   "so few are HOT. With 0004's settings (vacuum after 1 %% of the rows + 1,000, fillfactor 70) the dead rows "
                   "peaked at %d in the first half of the run after the warm-up and %d in the second (with %d live rows), "
                   "%d autovacuums in all, heap %s → %s. With the 7-day history at this rate (about %.1f million rows) a "
                   "vacuum starts after about %.0f thousand dead rows; if `n_dead_tup` on `jobs` climbs well past that, "
                   "autovacuum is not keeping up (raise `autovacuum_vacuum_cost_limit`, operations.md §3)."
                   % (dj.get("early", 0), dj.get("late", 0), dj.get("late_live", 0), jb["autovacuums"],
                      mib(jb["heap_start"]), mib(jb["heap_end"]), week_rows / 1e6, (0.01 * week_rows + 1000) / 1e3))
    if rate is not None:
        verdict = "well above" if prune_per_s > 2 * rate else ("above" if prune_per_s > rate else "**below**")
        out.append("- **Job pruning.** Jobs completed at %.1f/s here; each `herald work` prunes up to 100,000 finished jobs a "
                   "minute (%.0f/s), %s that rate, so the 7-day history (about %.1f million rows at this rate) stays bounded%s."
                   % (rate, prune_per_s, verdict, rate * 7 * 86400 / 1e6,
                      "" if prune_per_s > rate else
                      " only with more worker processes or the manual batched DELETE of operations.md §4"))
    ch = t.get("changes")
    if ch:
        out.append("- **`changes`** (the live-stream log) is cut to its newest 100,000 rows every minute: it ended at %d live "
                   "rows, %s, with %d dead rows at the end and %d autovacuums; bounded once it reaches 100,000 rows, "
                   "nothing to tune beyond the default autovacuum." % (ch["live_end"], mib(ch["total_end"]), ch["dead_end"], ch["autovacuums"]))
    ms_ = t.get("messages")
    if ms_:
        out.append("- **`messages`** is updated at every status change (queued → sending → sent → delivered → seen: four "
                   "updates per outbound message); with 0004's fillfactor 90 and 5 %% vacuum threshold it ended with %d dead "
                   "rows (%.0f %% of the table) after %d autovacuums. It is product data and is never pruned: it grew %s in "
                   "%g min (%s MiB/h)."
                   % (ms_["dead_end"], 100 * ms_["dead_end"] / max(ms_["live_end"] + ms_["dead_end"], 1), ms_["autovacuums"],
                      mib(ms_["total_end"] - ms_["total_start"]), s["minutes"], fmt_slope(ms_["growth_mib_per_hour"])))
    ma = t.get("message_attempts")
    if ma:
        out.append("- **`message_attempts`** is append-only (one row per Graph call, %s in this run) and never pruned; "
                   "delete old rows in batches if the audit trail is not needed (operations.md §4)."
                   % mib(ma["total_end"] - ma["total_start"]))
    return out
