"""The sending drills of scripts/chaos: worker-crash (workers SIGKILLed mid-send) and graph-outage
(Graph answers `temporary` for a minute), plus the arithmetic and the backoff analysis they use.
Each scenario is `function(stack, card, p)`: a drill_stack.Stack, a drill.Scorecard and the
config's parameters."""
import json
import time

from herald_tools import chaos
from herald_tools.drill import say, wait_until
from herald_tools.drill_stack import http_ok
from herald_tools.webhooks import now_ms

CRASH_BASE = 7000000000000000    # worker-crash customers' psids start here
OUTAGE_BASE = 7100000000000000   # graph-outage's main run
CAP_BASE = 7200000000000000      # graph-outage's retry-cap side run
UNSENT = "SELECT NOT EXISTS (SELECT 1 FROM messages WHERE status IN ('queued', 'sending', 'resend'))"
STATUSES = ("SELECT coalesce(string_agg(status || coalesce(':' || failure_reason, '') || '=' || n, ' '), '') FROM "
            "(SELECT status, failure_reason, count(*) n FROM messages WHERE direction = 'outbound' "
            "GROUP BY 1, 2 ORDER BY 1, 2) s")


def compact(value):
    """JSON as `jq -c` prints it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def save_json(stack, name, *values):
    with open(stack.path(name), "w") as f:
        for value in values:
            f.write(json.dumps(value) + "\n")


# worker-crash ------------------------------------------------------------------------------------

def worker_crash(stack, card, p):
    total, customers, concurrency = p["crash_messages"], p["crash_customers"], p["crash_concurrency"]
    url = stack.new_database("chaos_worker_crash")
    _, graph_url = stack.start_graph("worker-crash-fake-graph", "--latency-ms", str(p["crash_latency_ms"]),
                                     "--max-recorded", str(total * 4))
    stack.seed_customers(url, CRASH_BASE, customers)
    stack.seed_messages(url, CRASH_BASE, customers, total, 8)
    say("worker-crash: %d messages, 2 x herald work --concurrency %d, fake-graph %d ms, SIGKILL every %d s"
        % (total, concurrency, p["crash_latency_ms"], p["crash_kill_every"]))

    workers = [None, None]

    def start_worker(slot):
        workers[slot] = stack.start_herald("worker-crash-work-%d" % slot, url, ["work", "--concurrency", str(concurrency)],
                                           {"HERALD_JOB_LEASE_SECONDS": p["crash_lease"]})

    start_worker(0)
    start_worker(1)
    started = last_kill = time.monotonic()
    kills, kill_phase_end, deadline = 0, None, started + 240
    with open(stack.path("worker-crash-kills.txt"), "w") as kill_log:
        while True:
            queued, sent = (int(n) for n in stack.sql(url, (
                "SELECT count(*) FILTER (WHERE status = 'queued') || ' ' || count(*) FILTER (WHERE status = 'sent') "
                "FROM messages WHERE direction = 'outbound'")).split())
            now = time.monotonic()
            if sent >= total:
                break
            if now >= deadline:
                say("worker-crash: not all sent within 240 s")
                break
            if queued == 0 and kill_phase_end is None:
                kill_phase_end = int(now - started)  # every message was attempted at least once: no more kills
            if kill_phase_end is None and now - last_kill >= p["crash_kill_every"]:
                slot = kills % 2
                victim = workers[slot]
                victim.kill()
                victim.wait()
                kills += 1
                last_kill = now
                kill_log.write("%s kill %d: worker slot %d pid %d (sent so far %d)\n"
                               % (time.strftime("%H:%M:%S", time.gmtime()), kills, slot, victim.pid, sent))
                kill_log.flush()
                start_worker(slot)
            time.sleep(0.5)
    elapsed = int(time.monotonic() - started)
    if kill_phase_end is None:
        kill_phase_end = elapsed

    statuses = stack.sql(url, "SELECT coalesce(string_agg(status || '=' || n, ' ' ORDER BY status), '') FROM "
                              "(SELECT status, count(*) n FROM messages WHERE direction = 'outbound' GROUP BY status) s")
    leftover = stack.sql_int(url, "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status <> 'sent'")
    jobs_left = stack.sql_int(url, "SELECT count(*) FROM jobs WHERE kind = 'send_message' AND state <> 'completed'")
    extra_attempts = stack.sql(url, "SELECT sum(attempts) - count(*) FROM messages WHERE direction = 'outbound'")
    rescued = stack.sql(url, "SELECT count(*) FROM jobs WHERE kind = 'send_message' AND attempts > 1")
    requests_path, messages_path = stack.path("worker-crash-requests.json"), stack.path("worker-crash-messages.tsv")
    with open(requests_path, "wb") as f:
        f.write(http_ok("GET", graph_url + "/_fake/requests", 30))
    with open(messages_path, "w") as f:
        f.write(stack.sql(url, "SELECT id || E'\\t' || coalesce(psid, '') || E'\\t' || coalesce(mid, '') "
                               "FROM messages WHERE direction = 'outbound' ORDER BY id") + "\n")
    stats = json.loads(http_ok("GET", graph_url + "/_fake/stats", 10))
    graph = chaos.graph_sends(requests_path, messages_path, CRASH_BASE, total)
    save_json(stack, "worker-crash-graph.json", graph)
    dups, bound = graph["duplicates"], kills * concurrency

    card.check("every message sent (%d/%d; statuses: %s)" % (sent, total, statuses), leftover == 0 and sent == total)
    card.check("no send job left unfinished (%d)" % jobs_left, jobs_left == 0)
    card.check("fake-graph kept every request (recorded %s of %s)" % (stats["recorded"], stats["total"]),
               stats["recorded"] == stats["total"])
    card.check("every message reached Graph (%d missing)" % graph["missing_at_graph"], graph["missing_at_graph"] == 0)
    card.check("each message's mid is one Graph answered for it (%d mismatches)" % graph["mid_mismatch"],
               graph["mid_mismatch"] == 0)
    card.check("per-conversation order kept (%d violations)" % graph["order_violations"], graph["order_violations"] == 0)
    card.check("at least one kill happened (%d)" % kills, kills > 0)
    card.check("duplicates at Graph (%d) <= kills x concurrency (%d x %d = %d)" % (dups, kills, concurrency, bound),
               dups <= bound)
    for worker in workers:
        card.check("both workers alive at the end", worker.poll() is None)

    card.figure("messages: %d to %d customers; all sent after %d s (kills during the first %d s, until none was queued)"
                % (total, customers, elapsed, kill_phase_end))
    card.figure("SIGKILLs: %d (one every %d s, alternating workers, each restarted at once); lease %d s"
                % (kills, p["crash_kill_every"], p["crash_lease"]))
    card.figure("Graph: %d successful sends for %d messages; duplicates %d (%d messages sent twice or more, at most %d "
                "times); bound %d" % (graph["graph_ok_sends"], graph["distinct_messages_at_graph"], dups,
                                      graph["messages_sent_twice_or_more"], graph["most_sends_of_one"], bound))
    card.figure("attempts started beyond one per message: %s; jobs that needed more than one claim: %s"
                % (extra_attempts, rescued))
    card.figure("per-conversation order violations: %d; mids matching Graph's answer: %d/%d"
                % (graph["order_violations"], total - graph["mid_mismatch"], total))
    card.report("%d/%d sent in %d s, %d kills, %d duplicate sends at Graph (bound %d), %d left unsent"
                % (sent, total, elapsed, kills, dups, bound, leftover))


# graph-outage --------------------------------------------------------------------------------------

def outage_retry_base(outage_seconds):
    """The retry base (whole seconds) that makes the 4 attempts of a code-2 error (1 + 3 retries)
    span the outage even with the shortest jitter: 0.8 x base x (1 + 4 + 16) > outage + 5 s."""
    return (outage_seconds + 5) * 10 // 168 + 1


def attempts_within(outage_seconds, base_seconds, retries):
    """Attempts that can start inside the outage: attempt 1 at t >= 0, attempt n+1 at least
    0.8 x base x (4^0 + ... + 4^(n-1)) later; the cap stops at 1 + retries."""
    within = cumulative = 0
    for k in range(retries + 1):
        if cumulative * 8 // 10 < outage_seconds:
            within += 1
        cumulative += base_seconds * 4 ** k
    return within


def outage_wait_limit(outage_seconds, base_seconds):
    """How long to wait for every message to end: the outage, the longest backoff (+20 %), 40 s."""
    return outage_seconds + base_seconds * 21 * 12 // 10 + 40


def backoff_bands(attempts, base_seconds):
    """The gap before retry n against base x 4^(n-1) -20 %/+20 % (+3 s for the 1 s poll and the
    queue). `attempts`: (message_id, attempted_at in seconds) in attempt order per message. One row
    per retry n: (n, count, min, avg, max, expected, outside the band)."""
    gaps, last = {}, {}
    for message, at in attempts:
        if message in last:
            n = last[message][1] + 1
            gaps.setdefault(n, []).append(at - last[message][0])
            last[message] = (at, n)
        else:
            last[message] = (at, 0)
    rows = []
    for n in sorted(gaps):
        expected = base_seconds * 4 ** (n - 1)
        values = gaps[n]
        outside = sum(1 for g in values if g < 0.8 * expected or g > 1.2 * expected + 3)
        rows.append((n, len(values), min(values), sum(values) / len(values), max(values), expected, outside))
    return rows


def band_line(row):
    """A row of graph-outage-backoff.txt: n count min avg max expected outside."""
    n, count, low, mean, high, expected, outside = row
    return "%d %d %.2f %.2f %.2f %g %d" % (n, count, low, mean, high, expected, outside)


def graph_outage(stack, card, p):
    outage, messages, cap_messages = p["outage_seconds"], p["outage_messages"], p["outage_cap_messages"]
    max_attempts, retries = p["outage_max_attempts"], p["temporary_retries"]
    base_s = outage_retry_base(outage)
    within = attempts_within(outage, base_s, retries)
    _, graph_url = stack.start_graph("graph-outage-fake-graph", "--latency-ms", "0", "--max-recorded", "20000")
    cap_url = stack.new_database("chaos_graph_outage_cap")
    stack.seed_customers(cap_url, CAP_BASE, cap_messages)
    stack.seed_messages(cap_url, CAP_BASE, cap_messages, cap_messages, max_attempts)
    url = stack.new_database("chaos_graph_outage")
    stack.seed_customers(url, OUTAGE_BASE, messages)
    stack.seed_messages(url, OUTAGE_BASE, messages, messages, max_attempts)

    say("graph-outage: %d s of HTTP 500 'temporary'; %d messages with retry base %d s, %d with base 1 s"
        % (outage, messages, base_s, cap_messages))
    http_ok("DELETE", graph_url + "/_fake/requests")
    outage_end = now_ms() + outage * 1000
    http_ok("POST", graph_url + "/_fake/outage?seconds=%d" % outage)
    work = stack.start_herald("graph-outage-work", url, ["work", "--concurrency", "4"],
                              {"HERALD_RETRY_BASE_SECONDS": base_s, "HERALD_MAX_ATTEMPTS": max_attempts})
    cap_work = stack.start_herald("graph-outage-cap-work", cap_url, ["work", "--concurrency", "2"],
                                  {"HERALD_RETRY_BASE_SECONDS": 1, "HERALD_MAX_ATTEMPTS": max_attempts})
    started = time.monotonic()
    wait_until(lambda: stack.sql(cap_url, UNSENT) == "t", 60)
    cap_done = int(time.monotonic() - started)
    wait_until(lambda: stack.sql(url, UNSENT) == "t", outage_wait_limit(outage, base_s))
    elapsed = int(time.monotonic() - started)

    requests_path = stack.path("graph-outage-requests.json")
    with open(requests_path, "wb") as f:
        f.write(http_ok("GET", graph_url + "/_fake/requests", 30))
    stats = json.loads(http_ok("GET", graph_url + "/_fake/stats", 10))
    main = chaos.outage_requests(requests_path, OUTAGE_BASE, OUTAGE_BASE + messages, outage_end)
    cap = chaos.outage_requests(requests_path, CAP_BASE, CAP_BASE + cap_messages, outage_end)
    save_json(stack, "graph-outage-graph.json", stats, main, cap)
    sent = stack.sql_int(url, "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'sent'")
    statuses = stack.sql(url, STATUSES)
    # Backoff, from message_attempts: one row per attempt, in order per message.
    attempts = [line.split(" ") for line in stack.sql(url, (
        "SELECT message_id || ' ' || extract(epoch FROM attempted_at) FROM message_attempts "
        "ORDER BY message_id, attempted_at, id")).splitlines() if line]
    bands = backoff_bands(((m, float(t)) for m, t in attempts), base_s)
    with open(stack.path("graph-outage-backoff.txt"), "w") as f:
        f.write("".join(band_line(row) + "\n" for row in bands) or "\n")
    outcomes = stack.sql(url, "SELECT string_agg(outcome || '=' || n, ' ' ORDER BY outcome) FROM "
                              "(SELECT outcome, count(*) n FROM message_attempts GROUP BY outcome) s")
    out_of_band = sum(row[6] for row in bands)
    cap_statuses = stack.sql(cap_url, STATUSES)
    cap_attempts = stack.sql(cap_url, "SELECT coalesce(string_agg(a || ' attempts x' || n, ', '), '') FROM "
                                      "(SELECT attempts a, count(*) n FROM messages WHERE direction = 'outbound' "
                                      "GROUP BY 1 ORDER BY 1) s")
    bound, during = messages * within, main["during_outage"]

    card.check("every message sent (%d/%d; %s)" % (sent, messages, statuses), sent == messages)
    card.check("fake-graph kept every request", stats["recorded"] == stats["total"])
    card.check("Graph requests during the outage (%d) <= messages x attempts that fit in %d s (%d x %d = %d)"
               % (during, outage, messages, within, bound), during <= bound)
    card.check("one successful send per message (%d)" % main["ok_sends"], main["ok_sends"] == messages)
    card.check("every retry waited base x 4^(n-1) -20 %%/+20 %% +3 s (%d outside)" % out_of_band, out_of_band == 0)
    card.check("retry cap (base 1 s): every message failed graph_unavailable after 4 attempts (%s; %s)"
               % (cap_statuses, cap_attempts),
               cap_statuses == "failed:graph_unavailable=%d" % cap_messages
               and cap_attempts == "%d attempts x%d" % (retries + 1, cap_messages))
    card.check("cap side run: Graph requests = messages x 4 (%d)" % cap["requests"],
               cap["requests"] == cap_messages * (retries + 1))
    card.check("workers alive", work.poll() is None)
    card.check("workers alive", cap_work.poll() is None)

    card.figure("outage %d s (fake-graph POST /_fake/outage: HTTP 500, code 2 'temporary', is_transient); %d messages "
                "to %d customers, HERALD_RETRY_BASE_SECONDS=%d, HERALD_MAX_ATTEMPTS=%d, concurrency 4"
                % (outage, messages, messages, base_s, max_attempts))
    card.figure("all sent after %d s; statuses: %s; attempts: %s" % (elapsed, statuses, outcomes))
    card.figure("Graph requests: %d in all, %d during the outage (bound %d = %d x %d attempts that can start within "
                "%d s), at most %d failed tries per message, busiest second %d requests"
                % (main["requests"], during, bound, messages, within, outage, main["max_temporary_per_message"],
                   main["busiest_second"]))
    for row in bands:
        n, count, low, mean, high, expected, outside = band_line(row).split(" ")
        card.figure("retry %s: %s messages waited min %s s / avg %s s / max %s s (expected %s s -20 %%/+20 %%; "
                    "outside the band: %s)" % (n, count, low, mean, high, expected, outside))
    card.figure("retry cap side run, base 1 s: %s after %d s; %s; %d Graph requests (%s)"
                % (cap_statuses, cap_done, cap_attempts, cap["requests"], compact(cap["by_outcome"])))
    card.report("%d/%d sent after a %d s outage, %d Graph requests during it (bound %d), retries within their backoff "
                "band; base-1 s side run failed all %d after 4 attempts as designed"
                % (sent, messages, outage, during, bound, cap_messages))
