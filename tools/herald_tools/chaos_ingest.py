"""The ingest drills of scripts/chaos: db-restart (Postgres stopped under webhook load) and poison
(hostile bodies among normal traffic). Each scenario is `function(stack, card, p)`: a
drill_stack.Stack, a drill.Scorecard and the config's parameters."""
import random
import threading
import time
import traceback

from herald_tools import chaos
from herald_tools.chaos_sends import compact, save_json
from herald_tools.drill import DrillAbort, say, wait_until
from herald_tools.drill_stack import http
from herald_tools.webhooks import Client, message_body, now_ms

NOTHING_PENDING = "SELECT NOT EXISTS (SELECT 1 FROM webhook_events WHERE state = 'pending')"
# The schema's tables, and apart from them the partitions of webhook_events, which the maintenance
# service creates ahead and drops by design (WebhookPartitions: the empty legacy partition goes).
TABLES = ("SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_class c "
          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
          "AND NOT c.relispartition")
PARTITIONS = ("SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_inherits i "
              "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'webhook_events'::regclass")


def changes(before, after):
    """What a comma-separated list lost and gained: "-a +b", or "none"."""
    old, new = set(filter(None, before.split(","))), set(filter(None, after.split(",")))
    return " ".join(["-" + name for name in sorted(old - new)] + ["+" + name for name in sorted(new - old)]) or "none"


def jr(value):
    """A value as `jq -r` prints it (null for None)."""
    return "null" if value is None else str(value)


# db-restart ------------------------------------------------------------------------------------------

def db_restart(stack, card, p):
    config = stack.config
    secret = config.app_secret.encode()
    url = stack.new_database("chaos_db_restart")
    serve, port, api = stack.start_serve("db-restart-serve", url)
    work = stack.start_herald("db-restart-work", url, ["work", "--concurrency", "2"])
    time.sleep(1)
    if work.poll() is not None:
        raise DrillAbort("herald work exited at start; see " + stack.rel(stack.path("db-restart-work.log")))
    stop_at, down_for = p["db_stop_at"], p["db_down_for"]
    say("db-restart: ~%d/s signed webhooks for %d s; Postgres stopped from %d s to %d s"
        % (p["db_rate"], p["db_duration"], stop_at, stop_at + down_for))

    requests_path = stack.path("db-restart-requests.tsv")
    load_result = {}

    def load():
        try:
            load_result["figures"] = chaos.load(port, secret, config.page_id, p["db_rate"], p["db_duration"], 8,
                                                "dbr", requests_path)
        except Exception:  # noqa: BLE001 - reported below, with its traceback in the load's log
            with open(stack.path("db-restart-load.log"), "a") as log:
                log.write(traceback.format_exc())

    loader = threading.Thread(target=load, name="db-restart-load", daemon=True)
    loader.start()
    time.sleep(stop_at)
    stop_begin = now_ms()
    stack.cluster("stop", "db-restart-db.log")
    stop_end = now_ms()
    time.sleep(2)
    readyz_down = http("GET", api + "/readyz", 5)[0]
    time.sleep(max(down_for - 2, 0))
    start_begin = now_ms()
    stack.cluster("start", "db-restart-db.log")
    start_end = now_ms()
    loader.join()
    if "figures" not in load_result:
        raise DrillAbort("the load generator failed; see " + stack.rel(stack.path("db-restart-load.log")))
    save_json(stack, "db-restart-load.json", load_result["figures"])
    readyz_up = http("GET", api + "/readyz", 5)[0]

    # A probe after the load: stored and processed by the same processes.
    probe_mid = "m_dbr_probe_%d" % random.randrange(10 ** 9)
    probe_body = message_body(config.page_id, "8199999999999999", probe_mid, "after the restart", now_ms())
    probe_status = Client(port, timeout=10).webhook(secret, probe_body)[0]

    ok_path = stack.path("db-restart-ok-mids.txt")
    report = chaos.load_report(requests_path, stop_begin, stop_end, start_begin, start_end, ok_path)
    save_json(stack, "db-restart-report.json", report)
    oks = report["by_status"].get("200", 0)
    with open(ok_path) as f:
        ok_mids = {line.strip() for line in f if line.strip()}

    def stored_mids():
        return set(stack.sql(url, "SELECT mid FROM messages WHERE mid LIKE 'm_dbr_%' AND mid NOT LIKE 'm_dbr_probe%'")
                   .split())

    wait_until(lambda: stack.sql(url, NOTHING_PENDING) == "t" and ok_mids <= stored_mids(), 90)
    stored = stored_mids()
    processed_ok = len(ok_mids & stored)
    missing = oks - processed_ok
    rows = stack.sql(url, "SELECT count(*) FROM webhook_events")
    pending = stack.sql(url, "SELECT count(*) FILTER (WHERE state = 'pending') || ' pending, ' || "
                             "count(*) FILTER (WHERE state = 'parked') || ' parked' FROM webhook_events")
    stored_503 = len(stored - ok_mids)
    probe_processed = wait_until(
        lambda: stack.sql(url, "SELECT EXISTS (SELECT 1 FROM messages WHERE mid = '%s')" % probe_mid) == "t", 15)
    totals = stack.sql(url, "SELECT (SELECT coalesce(sum(total_messages), 0) FROM customers) = "
                            "(SELECT count(*) FROM messages WHERE direction = 'inbound')")
    by_status, n503 = report["by_status"], report["by_status"].get("503", 0)

    card.check("every answer is 200 or 503 (%d others: %s)" % (report["other"], compact(by_status)), report["other"] == 0)
    card.check("the outage was seen: some 503s (%d)" % n503, n503 > 0)
    card.check("every 200 processed (%d of %d; %d missing)" % (processed_ok, oks, missing), missing == 0)
    card.check("webhooks acknowledged again after the restart (%d 200s)" % report["oks_after_restart"],
               report["oks_after_restart"] > 0)
    card.check("a probe after the restart answered 200 (%s) and was processed (%s)"
               % (probe_status, "t" if probe_processed else "f"), probe_status == "200" and probe_processed)
    card.check("customers' totals match the stored messages", totals == "t")
    card.check("herald serve is the same live process", serve.poll() is None)
    card.check("herald work is the same live process", work.poll() is None)

    card.figure("offered: %d signed webhooks in %d s (~%s/s), 8 keep-alive connections; answers: %s"
                % (report["requests"], p["db_duration"], report["offered_rate"], compact(by_status)))
    card.figure("by phase (request sent before the stop / while down or restarting / after the restart): "
                + compact(report["by_phase"]))
    card.figure("Postgres stop took %d ms, down %d s, start took %d ms; /readyz while down: %s, after: %s"
                % (stop_end - stop_begin, (start_begin - stop_end) // 1000, start_end - start_begin, readyz_down,
                   readyz_up))
    card.figure("first 503 %s ms after the stop began; first 200 %s ms after the restart finished; last 503 %s ms "
                "after it" % (jr(report["first_503_after_stop_ms"]), jr(report["first_200_after_start_ms"]),
                              jr(report["last_503_after_start_ms"])))
    card.figure("200s processed: %d/%d (missing %d); webhook_events rows: %s (%s); answered 503 but stored anyway "
                "(commit outcome unknown to the gateway, deduplicated by mid): %d"
                % (processed_ok, oks, missing, rows, pending, stored_503))
    card.report("%d answered 200 and all %d processed, %d answered 503, %d other answers; recovered in %s ms without "
                "restarting herald" % (oks, processed_ok, n503, report["other"], jr(report["first_200_after_start_ms"])))


# poison ----------------------------------------------------------------------------------------------

def poison(stack, card, p):
    config = stack.config
    normal, bad, max_attempts = p["poison_normal"], p["poison_bad"], p["poison_max_attempts"]
    url = stack.new_database("chaos_poison")
    tables_before, partitions_before = stack.sql(url, TABLES), stack.sql(url, PARTITIONS)
    serve, port, api = stack.start_serve("poison-serve", url, {"HERALD_MAX_ATTEMPTS": max_attempts})
    work = stack.start_herald("poison-work", url, ["work", "--concurrency", "2"], {"HERALD_MAX_ATTEMPTS": max_attempts})
    say("poison: %d hostile bodies shuffled into %d normal messages" % (bad, normal))
    manifest = stack.path("poison-manifest.json")
    sent = chaos.poison(port, config.app_secret.encode(), config.page_id, normal, bad, 8, manifest)
    save_json(stack, "poison-sent.json", sent)
    started = time.monotonic()
    # Bodies that fail to apply are retried 5 s and 20 s (+-20 %) later, then parked.
    wait_until(lambda: stack.sql(url, NOTHING_PENDING) == "t", 90)
    settle = int(time.monotonic() - started)
    card.figure("every body stored and none pending %d s after the last answer" % settle)
    rows_path = stack.path("poison-rows.json")
    with open(rows_path, "w") as f:
        f.write(stack.sql(url, "SELECT coalesce(json_agg(json_build_object('sha256', encode(sha256(body), 'hex'), "
                               "'state', state, 'attempts', attempts, 'last_error', last_error)), '[]') "
                               "FROM webhook_events") + "\n")
    rep = chaos.poison_report(manifest, rows_path)
    save_json(stack, "poison-report.json", rep)

    not200 = sum(n for statuses in sent["by_category_status"].values() for s, n in statuses.items() if s != "200")
    rows = stack.sql_int(url, "SELECT count(*) FROM webhook_events")
    states = stack.sql(url, "SELECT string_agg(state || '=' || n, ' ' ORDER BY state) FROM "
                            "(SELECT state, count(*) n FROM webhook_events GROUP BY state) s")
    attempts_hist = stack.sql(url, "SELECT string_agg(state || ' after ' || attempts || ' attempt(s)=' || n, ', ' "
                                   "ORDER BY state, attempts) FROM (SELECT state, attempts, count(*) n "
                                   "FROM webhook_events GROUP BY 1, 2) s")
    per_customer = normal // 100
    normal_ok = stack.sql(url, "SELECT count(*) FILTER (WHERE total_messages = %d) || '/' || count(*) FROM customers "
                               "WHERE page_id = '%s' AND psid LIKE 'normal-%%'" % (per_customer, config.page_id))
    normal_msgs = stack.sql_int(url, "SELECT count(*) FROM messages WHERE mid LIKE 'm_normal_%'")
    batch_msgs = stack.sql_int(url, "SELECT count(*) FROM messages WHERE mid LIKE 'm_batch_%'")
    mixed_msgs = stack.sql_int(url, "SELECT count(*) FROM messages WHERE mid LIKE 'm_mixed_%'")
    tables_after, partitions_after = stack.sql(url, TABLES), stack.sql(url, PARTITIONS)
    injected = stack.sql(url, "SELECT count(*) FROM customers WHERE psid LIKE '%DROP TABLE%'")
    hostile_effects = stack.sql(url, (
        "SELECT (SELECT count(*) FROM customers WHERE psid NOT LIKE 'normal-%' AND psid NOT LIKE 'batch-%') || "
        "' customers, ' || (SELECT count(*) FROM messages WHERE mid IS NULL OR "
        "(mid NOT LIKE 'm_normal_%' AND mid NOT LIKE 'm_batch_%')) || ' messages'"))
    healthz = http("GET", api + "/healthz", 5)[0]
    pending = stack.sql_int(url, "SELECT count(*) FROM webhook_events WHERE state = 'pending'")

    card.check("every body answered 200 (%d did not)" % not200, not200 == 0)
    card.check("every body stored: %d rows for %d bodies, %d missing" % (rows, sent["bodies"], rep["missing"]),
               rows == sent["bodies"] and rep["missing"] == 0)
    card.check("none left pending after %d s (%s)" % (settle, states), pending == 0)
    card.check("every parked row has a reason (%d without)" % rep["parked_without_reason"],
               rep["parked_without_reason"] == 0)
    card.check("normal customers' totals exact (%s customers with %d messages)" % (normal_ok, per_customer),
               normal_ok == "100/100")
    card.check("every normal message stored (%d/%d)" % (normal_msgs, normal), normal_msgs == normal)
    card.check("the 10,000-event batch stored (%d/10000)" % batch_msgs, batch_msgs == 10000)
    card.check("valid events sharing a body with a poisonous one stored (%d/20)" % mixed_msgs, mixed_msgs == 20)
    card.check("no table dropped or added (%s)" % changes(tables_before, tables_after), tables_before == tables_after)
    card.check("herald serve is the same live process (healthz %s)" % healthz, serve.poll() is None)
    card.check("herald work is the same live process", work.poll() is None)

    card.figure("sent: %d signed bodies in %s s over 8 connections (largest %d bytes); answers by category: %s"
                % (sent["bodies"], sent["seconds"], sent["largest_bytes"], compact(sent["by_category_status"])))
    card.figure("webhook_events: %d rows: %s; %s (HERALD_MAX_ATTEMPTS=%d)" % (rows, states, attempts_hist, max_attempts))
    for category in sorted(rep["table"]):
        card.figure("  %s: %s" % (category, compact(rep["table"][category])))
    card.figure("park reasons: " + compact(rep["park_reasons"]))
    card.figure("normal traffic: %s customers with exact totals, %d/%d messages; batch: %d/10000; valid messages beside "
                "a poisonous event in the same body: %d/20; hostile bodies created %s; customers whose psid holds "
                "'DROP TABLE' (stored as plain text): %s"
                % (normal_ok, normal_msgs, normal, batch_msgs, mixed_msgs, hostile_effects, injected))
    card.figure("tables: %d before, %d after (%s); webhook_events partitions, which maintenance creates and drops: %s"
                % (len(tables_before.split(",")), len(tables_after.split(",")), changes(tables_before, tables_after),
                   changes(partitions_before, partitions_after)))
    card.report("%d/%d bodies stored (%s), %d not answered 200, normal totals %s exact, batch %d/10000, valid events "
                "beside poisonous ones %d/20, processes alive" % (rows, sent["bodies"], states, not200, normal_ok,
                                                                   batch_msgs, mixed_msgs))
