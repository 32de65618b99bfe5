"""The steps of scripts/bench-scale (run by bench_scale): a send measurement (a held backlog
released in one transaction and timed until drained, by N `herald work` processes) and a webhook
measurement (N `herald serve` replicas, one wrk each), each after waiting for a quiet machine,
with the CPU accounted from /proc and the figures and checks of bench_scale_report."""
import os
import subprocess
import sys
import time

from herald_tools import bench_scale_report as report, cpu, postgres, processes, prometheus, wrk
from herald_tools.drill import DrillAbort, stop_process
from herald_tools.drill_stack import Stack, http

SCRIPT = "scripts/bench-scale"
QUIET_CORES = 0.30
DRAIN_SECONDS = 300


def say(text):
    print("%s: %s" % (SCRIPT, text), file=sys.stderr, flush=True)


class ScaleStack(Stack):
    """drill_stack's processes with bench-scale's settings: herald's defaults but for the log
    level, no HERALD_PORT for `herald work` (its metrics port is its own)."""

    def herald_env(self, db_url, port=None, extra=None):
        c = self.config
        env = dict(os.environ, HERALD_DATABASE_URL=db_url, HERALD_MIGRATIONS_DIR=c.migrations_dir,
                   HERALD_LOG_LEVEL="warning", HERALD_APP_SECRET=c.app_secret, HERALD_VERIFY_TOKEN=c.verify_token,
                   HERALD_API_TOKEN=c.api_token, HERALD_ADMIN_TOKEN=c.admin_token, HERALD_HOST="127.0.0.1",
                   HERALD_GRAPH_URL=self.graph_url)
        if port is not None:
            env["HERALD_PORT"] = str(port)
        env.update({k: str(v) for k, v in (extra or {}).items()})
        return env

    def stop(self, process):
        stop_process(process)
        if process in self.started:
            self.started.remove(process)


class Run:
    def __init__(self, c, stack):
        self.c, self.stack, self.out, self.url = c, stack, c["out_dir"], c["url"]
        self.rel_out = os.path.relpath(self.out, c["root"])
        self.sends, self.hooks, self.failed, self.not_quiet = [], [], [], []
        self.sampler = cpu.Sampler(cpu.postmaster_pid(self.sql("show data_directory")))

    def path(self, name):
        return os.path.join(self.out, name)

    def sql(self, text):
        return postgres.query(self.url, text, psql=self.c["psql"])

    def check(self, failures):
        for failure in failures:
            say("check failed: " + failure)
        self.failed += failures

    def commits(self):
        """Transaction ids assigned so far (the next xid, read without taking one): unlike
        pg_stat_database.xact_commit, which backends flush at most once a second, exact at once."""
        return int(self.sql("select pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))

    def quiet(self, name):
        note = cpu.wait_for_quiet(name, QUIET_CORES, self.c["quiet_wait"], say)
        if note:
            self.not_quiet.append(note)

    def begin(self, pids):
        return self.sampler.snapshot(pids), self.commits()

    def end(self, started, pids):
        (before, commits0), after = started, self.sampler.snapshot(pids)
        commits = self.commits() - commits0
        elapsed = after.t - before.t
        return self.sampler.cores(before, after), round(commits / elapsed) if elapsed > 0 else 0

    # Sending ----------------------------------------------------------------------------------

    def seed_backlog(self, count):
        """A backlog created by OutboundStore.create (herald-bench seed messages), then held until
        tomorrow so the workers start idle."""
        self.sql("SET client_min_messages = warning; TRUNCATE messages, jobs, changes CASCADE")
        c = self.c
        self.stack._run([c["binaries"]["herald_bench"], "seed", "messages", "--page", c["page_id"], "--customer-base",
                         c["customer_base"], "--customers", str(c["customers"]), "--count", str(count), "--first-index", "1",
                         "--text", "Thanks for waiting, here is the answer to question {n}."],
                        {"HERALD_DATABASE_URL": self.url}, 600, "seed.log", "herald-bench seed messages failed")
        self.sql("UPDATE jobs SET run_at = now() + interval '1 day' WHERE kind = 'send_message' AND state = 'available'")
        self.sql("VACUUM ANALYZE messages")
        self.sql("VACUUM ANALYZE jobs")

    def start_workers(self, count, name):
        workers = []
        for i in range(1, count + 1):
            port = processes.free_port(avoid={54329})
            process = self.stack.start_herald("%s-w%d" % (name, i), self.url, ["work", "--concurrency", str(report.CONCURRENCY)],
                                              {"HERALD_METRICS_PORT": port}, port=None)
            workers.append((process, "http://127.0.0.1:%d" % port))
        for i, (process, base) in enumerate(workers):
            deadline = time.monotonic() + 30
            while http("GET", base + "/healthz", 2)[0][:1] != "2":
                if process.poll() is not None:
                    raise DrillAbort("herald work %d exited at start (see %s/)" % (i + 1, self.rel_out))
                if time.monotonic() > deadline:
                    raise DrillAbort("herald work %d did not answer %s/healthz within 30 s" % (i + 1, base))
                time.sleep(0.1)
        return workers

    def send(self, latency, workers, count):
        name = "send-%dms-w%d" % (latency, workers)
        say("sending: %d messages, fake-graph %d ms, %d x herald work --concurrency %d" % (count, latency, workers, report.CONCURRENCY))
        self.seed_backlog(count)
        started = self.start_workers(workers, name)
        pids = [p.pid for p, _ in started]
        time.sleep(1)
        self.quiet(name)
        sample = self.begin(pids)
        released = self.sql("BEGIN; UPDATE jobs SET run_at = now() WHERE kind = 'send_message' AND state = 'available'; "
                            "NOTIFY herald_jobs, ''; SELECT extract(epoch FROM now()); COMMIT").split()[-1]
        deadline = time.monotonic() + DRAIN_SECONDS
        while True:
            left = int(self.sql("SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')"))
            if left == 0:
                break
            if time.monotonic() >= deadline:
                self.check(["%s: not drained within %d s (%d left)" % (name, DRAIN_SECONDS, left)])
                break
            time.sleep(0.2)
        cores, commits_per_s = self.end(sample, pids)
        per = []
        for i, (process, base) in enumerate(started):
            text = prometheus.scrape(base + "/metrics")
            with open(self.path("%s-w%d.metrics" % (name, i + 1)), "w") as f:
                f.write(text)
            per.append(prometheus.value(text, "herald_messages_sent_total"))
        for process, _ in started:
            self.stack.stop(process)
        row = self.sql("SELECT count(*) FILTER (WHERE status = 'sent'), round(extract(epoch FROM max(sent_at)) - %s, 3), "
                       "(SELECT count(*) FROM (SELECT sent_at < lag(sent_at) OVER (PARTITION BY psid ORDER BY id) AS back "
                       "FROM messages) s WHERE back), (SELECT count(*) FROM message_attempts) FROM messages" % released)
        with open(self.path(name + ".result"), "w") as f:
            f.write(row.replace("|", " ") + "\n")
        sent, elapsed, violations, _ = row.split("|")
        figures, failed = report.send_figures(latency, workers, count, int(sent), elapsed or "0", int(violations), per, cores, commits_per_s)
        self.check(failed)
        self.sends.append(figures)
        say("%s: %d messages/s (%s/%d sent in %s s; per process %s; cores %.2f: herald %.2f, Postgres %.2f; %d write txns/s)"
            % (name, figures["rate"], sent, count, elapsed, " ".join(figures["per_process"]), cores.busy, cores.herald,
               cores.postgres, commits_per_s))

    # Webhooks ---------------------------------------------------------------------------------

    def webhooks(self, replicas):
        name, c = "webhook-r%d" % replicas, self.c
        threads, per_conn = (2 if replicas == 1 else 1), report.CONNECTIONS // replicas
        say("webhooks: %d herald serve replica(s), %d connections for %d s" % (replicas, report.CONNECTIONS, c["duration"]))
        self.sql("SET client_min_messages = warning; TRUNCATE webhook_events")
        serves = [self.stack.start_serve("%s-r%d" % (name, i + 1), self.url) for i in range(replicas)]
        pids = [process.pid for process, _, _ in serves]
        time.sleep(1)
        self.quiet(name)
        before = [prometheus.scrape(api + "/metrics") for _, _, api in serves]
        rows0 = int(self.sql("SELECT count(*) FROM webhook_events"))
        sample = self.begin(pids)
        wrk_ok = self.run_wrk(name, [api for _, _, api in serves], threads, per_conn)
        cores, commits_per_s = self.end(sample, pids)
        time.sleep(1)  # requests in flight when wrk stopped
        rows = int(self.sql("SELECT count(*) FROM webhook_events")) - rows0
        fields, commits, batched = [], 0.0, 0.0
        for i, (_, _, api) in enumerate(serves):
            with open(self.path("%s-wrk%d.txt" % (name, i + 1))) as f:
                fields.append(wrk.herald_bench(f.read()))
            after = prometheus.scrape(api + "/metrics")
            for when, text in (("before", before[i]), ("after", after)):
                with open(self.path("%s-r%d-%s.metrics" % (name, i + 1, when)), "w") as f:
                    f.write(text)
            commits += prometheus.value(after, "herald_webhook_batch_size_count") - prometheus.value(before[i], "herald_webhook_batch_size_count")
            batched += prometheus.value(after, "herald_webhook_batch_size_sum") - prometheus.value(before[i], "herald_webhook_batch_size_sum")
        for process, _, _ in serves:
            self.stack.stop(process)
        figures, failed = report.webhook_figures(replicas, fields, wrk_ok, rows, round(commits), round(batched), cores, commits_per_s)
        self.check(failed)
        self.hooks.append(figures)
        say("%s: %d accepted/s, p50 %s ms, p99 %s ms (worst replica); cores %.2f: herald %.2f, Postgres %.2f, wrk %.2f; %d write txns/s, %s rows per batch"
            % (name, figures["rate"], figures["p50_ms"], figures["p99_ms"], cores.busy, cores.herald, cores.postgres,
               cores.load, commits_per_s, figures["batch"]))

    def run_wrk(self, name, apis, threads, per_conn):
        """One wrk per replica at once; True when every one exited 0 within duration + 60 s."""
        env = dict(os.environ, HERALD_BENCH_BODY_FILE=self.body_file, HERALD_BENCH_SIGNATURE=self.signature)
        args = ["-t%d" % threads, "-c%d" % per_conn, "-d%ds" % self.c["duration"], "--latency"]
        running = []
        try:
            for i, api in enumerate(apis):
                with open(self.path("%s-wrk%d.txt" % (name, i + 1)), "w") as out:
                    out.write("$ wrk %s -s scripts/bench-webhook.lua %s/webhook\n" % (" ".join(args), api))
                    out.flush()
                    running.append(subprocess.Popen(["wrk"] + args + ["-s", self.c["lua_script"], api + "/webhook"],
                                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env))
            deadline = time.monotonic() + self.c["duration"] + 60
            ok = True
            for process in running:
                try:
                    ok = process.wait(timeout=max(0.1, deadline - time.monotonic())) == 0 and ok
                except subprocess.TimeoutExpired:
                    ok = False
            return ok
        finally:
            for process in running:
                stop_process(process, grace=5)
