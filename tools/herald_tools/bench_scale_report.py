"""scripts/bench-scale's figures, checks and report: one table row per send run and per webhook
run, the plain-language verdicts, the "Scale-out" section of docs/benchmarks.md and the summary.
Pure functions of their inputs: bench_scale runs the measurements."""
from herald_tools import wrk

CONCURRENCY = 4    # send threads per herald work process
LATENCIES = (0, 50)  # fake-graph latencies, ms
CONNECTIONS = 64   # wrk connections in all


def send_figures(latency, workers, count, sent, elapsed, order_violations, per_process, cores, commits_per_s):
    """One send run: `elapsed` is the drain's seconds as Postgres printed them (3 decimals),
    per_process the messages each process counted (herald_messages_sent_total). Returns the
    figures and the failed checks."""
    name = "send-%dms-w%d" % (latency, workers)
    threads = workers * CONCURRENCY
    rate = float(elapsed) and round(sent / float(elapsed))
    failed = []
    if sent != count:
        failed.append("%s: %d of %d messages sent" % (name, sent, count))
    if order_violations:
        failed.append("%s: %d messages sent before an older one of the same customer" % (name, order_violations))
    if not per_process or min(per_process) <= 0:
        failed.append("%s: a process sent nothing (per process: %s)" % (name, " ".join("%.0f" % p for p in per_process)))
    return {"latency": latency, "workers": workers, "threads": threads, "count": count, "sent": sent,
            "elapsed": elapsed, "rate": rate, "per_process": ["%.0f" % p for p in per_process], "cores": cores,
            "commits_per_s": commits_per_s}, failed


def send_row(s):
    k, rate = s["cores"], s["rate"]
    if s["latency"] > 0:
        ideal = round(s["threads"] * 1000 / s["latency"])
        ideal_text, eff = "%d/s" % ideal, "%.0f %%" % (100 * rate / ideal)
    else:
        ideal_text = eff = "—"
    per_msg = "%s + %s ms" % (per_message(k.herald, rate), per_message(k.postgres, rate))
    return "| %d ms | %d | %d | %d | %s s | **%d msg/s** | %s | %s | %s | %.2f | %.2f | %.2f | %s | %d |" % (
        s["latency"], s["workers"], s["threads"], s["count"], s["elapsed"], rate, ideal_text, eff,
        "/".join(s["per_process"]), k.busy, k.herald, k.postgres, per_msg, s["commits_per_s"])


def per_message(cores, rate):
    """ms of CPU per message at `rate` messages/s."""
    return "%.2f" % (cores * 1000 / rate) if rate else "n/a"


def webhook_figures(replicas, fields, wrk_ok, rows_added, commits, rows, cores, commits_per_s):
    """One webhook run: fields, the HERALD_BENCH dicts of its wrk processes (None for one without
    the line); commits and rows, group commits and their rows summed over the replicas' /metrics.
    Returns the figures and the failed checks."""
    name = "webhook-r%d" % replicas
    failed = [] if wrk_ok else ["%s: wrk failed (see the run's %s-wrk*.txt)" % (name, name)]
    found = [f for f in fields if f is not None]
    failed += ["%s: no HERALD_BENCH line from wrk %d" % (name, i + 1) for i, f in enumerate(fields) if f is None]
    ok = sum(f["ok"] for f in found)
    non200 = sum(f["non200"] for f in found)
    errors = sum(wrk.socket_errors(f) for f in found)
    worst = {key: max([f[key] for f in found] or [0]) for key in ("p50_us", "p99_us", "duration_us")}
    if not (ok > 0 and non200 == 0):
        failed.append("%s: %d answers were not 200" % (name, non200))
    if errors:
        failed.append("%s: %d socket errors" % (name, errors))
    if rows_added < ok:
        failed.append("%s: webhook_events grew by %d rows, fewer than the %d answers 200" % (name, rows_added, ok))
    rate = round(ok / (worst["duration_us"] / 1e6)) if worst["duration_us"] else 0
    return {"replicas": replicas, "threads": 2 if replicas == 1 else 1, "per_conn": CONNECTIONS // replicas,
            "ok": ok, "rate": rate, "p50_ms": "%.2f" % (worst["p50_us"] / 1000), "p99_ms": "%.2f" % (worst["p99_us"] / 1000),
            "batch": "%.1f" % (rows / commits) if commits > 0 else "n/a", "cores": cores,
            "commits_per_s": commits_per_s}, failed


def webhook_row(w):
    k = w["cores"]
    load = "`wrk -t%d -c%d`" % (w["threads"], w["per_conn"])
    if w["replicas"] > 1:
        load = "%d × %s at once" % (w["replicas"], load)
    return "| %d | %s | **%d accepted/s** | %s ms | %s ms | %.2f | %.2f | %.2f | %.2f | %d | %s |" % (
        w["replicas"], load, w["rate"], w["p50_ms"], w["p99_ms"], k.busy, k.herald, k.postgres, k.load,
        w["commits_per_s"], w["batch"])


def processes(n):
    return "1 process" if n == 1 else "%d processes" % n


def scaling_text(sends, latency, worker_counts):
    rates = {s["workers"]: s["rate"] for s in sends if s["latency"] == latency}
    base = rates.get(worker_counts[0])
    return ", ".join("%d processes %.2f×" % (w, rates[w] / base) for w in worker_counts[1:]
                     if base and w in rates)


def send_verdict(sends, latency, worker_counts, nproc):
    by = {s["workers"]: s for s in sends if s["latency"] == latency}
    first, last = worker_counts[0], worker_counts[-1]
    if first == last or first not in by or last not in by or not by[first]["rate"]:
        return ""
    a, b = by[first], by[last]
    ratio = round(b["rate"] / a["rate"], 2)
    ideal = round(last / first, 2)
    text = "The machine was %.2f of %d cores busy with %s (herald %.2f, Postgres %.2f) and %.2f with %d (herald %.2f, Postgres %.2f). " % (
        a["cores"].busy, nproc, processes(first), a["cores"].herald, a["cores"].postgres,
        b["cores"].busy, last, b["cores"].herald, b["cores"].postgres)
    if ratio >= 0.8 * ideal:
        return text + "Near-linear: the threads were waiting on Graph, not on the CPU, so more processes added real capacity."
    if a["cores"].busy >= 0.85 * nproc:
        return text + ("Flat from the start: one process already kept the %d cores busy, so more processes only add claim "
                       "contention, context switches and connections. CPU-bound on this box." % nproc)
    if b["cores"].busy >= 0.85 * nproc:
        return text + "It scaled until the %d cores ran out, then flattened: CPU-bound on this box at %s." % (nproc, processes(last))
    return text + "Sub-linear without running out of CPU: the limit is elsewhere (per-key order, claim contention, or Graph latency)."


def webhook_verdict(hooks, replica_counts, nproc):
    by = {w["replicas"]: w for w in hooks}
    first, last = replica_counts[0], replica_counts[-1]
    if first == last or first not in by or last not in by or not by[first]["rate"]:
        return ""
    a, b = by[first], by[last]
    ratio = round(b["rate"] / a["rate"], 2)
    text = "%d replicas accepted %.2f× what %s did (machine %.2f → %.2f cores busy). " % (
        last, ratio, "1 replica" if first == 1 else "%d replicas" % first, a["cores"].busy, b["cores"].busy)
    if ratio >= 1.3:
        return text + "A second replica added throughput: one gateway process was the limit, not the machine."
    if a["cores"].busy >= 0.85 * nproc:
        return text + ("One replica already kept the %d cores busy (herald, Postgres and wrk together), so a second replica "
                       "on the same box cannot add throughput; it halves each replica's batches (more, smaller commits) and "
                       "adds availability, not speed. The gateway scales out only where each replica (and Postgres) gets its own cores."
                       % nproc)
    return text + "The replicas did not add throughput although the CPU was not saturated: the limit is Postgres commits."


def section(m, sends, hooks, failed, not_quiet):
    """The markdown between the bench:scale markers. m: the run's facts and shape (date,
    command_line, rel_out, git_rev, built_from, nproc, cpu_model, mem_gib, pg_version, pg_settings,
    customers, messages, per_thread, duration, worker_counts, replica_counts)."""
    n, ws, rs = m["nproc"], m["worker_counts"], m["replica_counts"]
    w_first, w_last, r_first = ws[0], ws[-1], rs[0]
    webhook = {w["replicas"]: w for w in hooks}
    base = webhook.get(r_first, {"rate": 0, "commits_per_s": 0})
    last0 = next((s for s in sends if s["latency"] == 0 and s["workers"] == w_last), None)
    pg_ms = per_message(last0["cores"].postgres, last0["rate"]) if last0 else "n/a"
    herald_ms = per_message(last0["cores"].herald, last0["rate"]) if last0 else "n/a"

    def per_core(ms_text):
        return "%.0f" % (1000 / float(ms_text)) if ms_text != "n/a" and float(ms_text) > 0 else "n/a"

    L = ["<!-- bench:scale:start -->", "## Scale-out: several workers and gateway replicas on one Postgres", "",
         "- **Run:** %s, `%s`; raw outputs in `%s/` (gitignored)." % (m["date"], m["command_line"], m["rel_out"]),
         "- **Build:** herald %s%s, release; `fake-graph` release; `HERALD_LOG_LEVEL=warning`, other settings default." % (m["git_rev"], m["built_from"]),
         "- **Machine:** **%d vCPU** (%s), %s GiB. Every process (Postgres, every herald, fake-graph, wrk) shares these %d cores on 127.0.0.1." % (n, m["cpu_model"], m["mem_gib"], n),
         "- **Postgres:** %s, one throwaway cluster made by `scripts/db` for the run (%s), destroyed afterwards." % (m["pg_version"], m["pg_settings"]),
         "", "### Sending: 1, 2 and 4 `herald work` processes", "",
         "Each process runs `herald work --concurrency %d` (%d send threads). The backlog: queued supporter" % (CONCURRENCY, CONCURRENCY),
         "messages across %d customers of one connected page, one `send_message` job each with ordering" % m["customers"],
         "key `page|psid` (created by `OutboundStore.create` through `herald-bench seed messages`, as `scripts/bench-send` seeds them):",
         "%d at 0 ms whatever the process count, %d per send thread at 50 ms (about 10 s at the" % (m["messages"], m["per_thread"]),
         "ideal rate). The jobs are made due in one transaction once every process is up and idle; rate =",
         "messages ÷ (last `sent_at` − that commit), so process start-up is not counted (`scripts/bench-send`",
         "counts it). Cores are busy cores out of %d during the drain; write transactions/s are the" % n,
         "transaction ids Postgres assigned per second (read-only transactions take none).", "",
         "| Graph latency | processes | send threads | messages | time | rate | ideal (threads ÷ latency) | of ideal | sent per process | cores busy | herald | Postgres | CPU per message (herald + Postgres) | write txns/s |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    L += [send_row(s) for s in sends]
    L += ["", "### Webhooks: 1 and 2 `herald serve` replicas", "",
          "Signed 2 KB `POST /webhook` (the body of `scripts/bench`, `scripts/bench-webhook.lua`), answered",
          "after the group commit, %d s, %d connections in all: one wrk per replica, the" % (m["duration"], CONNECTIONS),
          "connections split evenly (a round-robin load balancer in effect). No `herald work` runs, so this is",
          "the gateway and its commits alone. p50/p99 are the worse of the replicas' wrk figures.", "",
          "| replicas | load | accepted | p50 | p99 | cores busy | herald | Postgres | wrk | write txns/s | rows per commit |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    L += [webhook_row(w) for w in hooks] + [""]
    if not failed:
        L += ["Checks passed: every message of every send run ended `sent`, per-conversation order held across",
              "processes (for every customer `sent_at` rises with the message id), every process sent its share,",
              "every webhook answer was 200 with no socket errors, and `webhook_events` holds at least every 200."]
    else:
        L += ["**Checks FAILED** — these figures are not valid:", ""] + ["- " + f for f in failed]
    if not_quiet:
        L += ["", "**The machine was not quiet** before some measurements (figures concerned are low):"] + ["- " + x for x in not_quiet]
    L += ["", "### Where it saturates", "",
          "- **Graph at 0 ms** (Herald's and Postgres' own cost per message, nothing to wait for): relative to",
          "  %d process, %s. %s" % (w_first, scaling_text(sends, 0, ws), send_verdict(sends, 0, ws, n)),
          "- **Graph at 50 ms** (threads waiting on Graph, as in production): relative to %d process," % w_first,
          "  %s, against an ideal of %d× (threads ÷ 50 ms). %s" % (scaling_text(sends, 50, ws), w_last, send_verdict(sends, 50, ws, n)),
          "- **Webhooks:** %s" % webhook_verdict(hooks, rs, n), "",
          "**Read this as a %d-vCPU result.** Load generator, Postgres, every herald process and fake-graph share" % n,
          "%d cores, so every curve flattens early: the limit reached is this box's CPU, not Herald's design." % n,
          "On a bigger box, with Postgres on its own machine:", "",
          "- **Postgres becomes the ceiling.** Each send is its share of four write transactions per claimed",
          "  batch (the claim, the batch to `sending`, the accepted ones `sent` with their attempt rows,",
          "  the completion; write transactions/s ÷ rate in the table: about 0.25 at 0 ms, where batches are",
          "  big, 4 at 50 ms, where each thread takes one message at a time). Send workers commit that bookkeeping with",
          "  `synchronous_commit = off`, so a send waits for no WAL flush and workers scale until Postgres CPU",
          "  or WAL volume saturates; webhooks commit durably, one fsync per group-commit batch, so replicas",
          "  scale until the fsync rate of the WAL disk is reached, and the batcher then puts more rows in each",
          "  commit (here %d replica stored %d webhooks/s with about %d write transactions/s, one per batch). At 0 ms" % (r_first, base["rate"], base["commits_per_s"]),
          "  Postgres spent %s ms of CPU per message sent and herald %s ms; as a rough linear estimate," % (pg_ms, herald_ms),
          "  a Postgres with N cores to itself tops out near N × %s messages/s, before lock and WAL contention" % per_core(pg_ms),
          "  bend the line, and each %s messages/s need one more core of `herald work`. Watch `pg_stat_database.xact_commit`, `pg_stat_wal`, `herald_webhook_commit_seconds` and" % per_core(herald_ms),
          "  `herald_jobs_lag_seconds`.",
          "- **Per-key ordering** caps one conversation at one send in flight: a single customer's messages go",
          "  at most 1 ÷ Graph latency per second (20/s at 50 ms) however many workers run. Throughput scales",
          "  with the number of *distinct* busy conversations (%d here), not with threads; a backlog" % m["customers"],
          "  concentrated on a few customers does not speed up with more processes.",
          "- **Connection counts**: each `herald work` holds 4 + concurrency + 1 connections (9 here, so %d" % w_last,
          "  processes hold %d plus the gateway's 10 per replica). Past a few hundred, put PgBouncer" % (w_last * (CONCURRENCY + 5)),
          "  (session pooling, for LISTEN) in front and raise `max_connections`; prefer more threads per process",
          "  (`--concurrency`) over more processes on one machine, and more machines over more processes.", "",
          "Commands: `scripts/bench-scale` (this section), `scripts/soak` (the next one).", "<!-- bench:scale:end -->"]
    return "\n".join(L) + "\n"


def summary(m, sends, hooks, failed):
    L = ["", "== scripts/bench-scale, %s, %d vCPU" % (m["date"], m["nproc"])]
    for s in sends:
        k = s["cores"]
        L.append("  send %d ms, %d process(es) x c%d: %d msg/s (cores %.2f: herald %.2f, Postgres %.2f; %d write txns/s)"
                 % (s["latency"], s["workers"], CONCURRENCY, s["rate"], k.busy, k.herald, k.postgres, s["commits_per_s"]))
    for w in hooks:
        k = w["cores"]
        L.append("  webhooks, %d replica(s): %d accepted/s (cores %.2f: herald %.2f, Postgres %.2f; %d write txns/s)"
                 % (w["replicas"], w["rate"], k.busy, k.herald, k.postgres, w["commits_per_s"]))
    L += ["  check FAILED: " + f for f in failed] if failed else ["  checks passed"]
    L.append("  raw: %s/" % m["rel_out"])
    return "\n".join(L) + "\n"
