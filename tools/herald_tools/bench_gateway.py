"""scripts/bench's measurements: (a) pgbench, (b) wrk on /healthz, (c) wrk on signed webhooks as
fast as they are acknowledged, (d) the same paced, each after waiting for a quiet machine and with
the CPU accounted from /proc; then the figures, checks and section (bench_gateway_report), the
section written into docs/benchmarks.md (unless the config's doc is empty) and the summary printed.
The launcher (scripts/bench) builds or finds herald, starts the cluster, recreates the database,
starts `herald serve` and writes the run's config.json (jq); this reads it:

    python3 -m herald_tools.bench_gateway run --config OUT/config.json

Exit status: 0 when the checks passed (targets met or not), 1 when a check failed (the figures
are still written) or the run could not go on, 130/143 on SIGINT/SIGTERM (wrk or pgbench is
stopped first)."""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from herald_tools import bench_body, bench_gateway_report as report, cpu, doc_sections, machine, postgres, prometheus, processes, signing, wrk
from herald_tools.drill import config_main

SCRIPT = "scripts/bench"
PAGE, PSID = "104567890123456", "6789012345678901"
QUIET_CORES = 0.25        # the machine is quiet below this many cores busy over one second
QUIET_WAIT = 60           # seconds to wait for it before each measurement
OTHER_DB_TXN_LIMIT = 100  # transactions in the cluster's other databases during one measurement


class BenchError(RuntimeError):
    pass


def say(text):
    print("%s: %s" % (SCRIPT, text), file=sys.stderr, flush=True)


def post(url, body, signature):
    """The status of one webhook POST ("000" without an HTTP answer)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", signing.HEADER: signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except (OSError, ValueError):
        return "000"


class Run:
    def __init__(self, c):
        self.c, self.out = c, c["out_dir"]
        self.rel_out = os.path.relpath(self.out, c["root"])
        self.herald_pid = int(c["herald_pid"])
        self.cpu, self.not_quiet = {}, []
        self.step_timeout = int(c["duration"]) + 60

    def path(self, name):
        return os.path.join(self.out, name)

    def sql(self, text):
        return postgres.query(self.c["bench_url"], text, psql=self.c["psql"])

    def other_db_transactions(self):
        return int(self.sql("select coalesce(sum(xact_commit + xact_rollback), 0) from pg_stat_database "
                            "where datname is not null and datname <> '%s'" % self.c["bench_db"]))

    def quiet(self, name):
        note = cpu.wait_for_quiet(name, QUIET_CORES, QUIET_WAIT, say)
        if note:
            self.not_quiet.append(note)

    def measure(self, name, work):
        """Runs work() between two CPU snapshots; records cores busy and a busy machine or cluster."""
        txns0 = self.other_db_transactions()
        before = self.sampler.snapshot([self.herald_pid])
        work()
        cores = self.sampler.cores(before, self.sampler.snapshot([self.herald_pid]))
        self.cpu[name] = cores
        if cores.other > QUIET_CORES:
            say("warning: other processes used %.2f cores during (%s)" % (cores.other, name))
            self.not_quiet.append("during (%s): other processes used %.2f cores" % (name, cores.other))
        txns = self.other_db_transactions() - txns0
        if txns > OTHER_DB_TXN_LIMIT:
            say("warning: other databases of the cluster ran %d transactions during (%s)" % (txns, name))
            self.not_quiet.append("during (%s): other databases of the same cluster ran %d transactions" % (name, txns))

    def load(self, file, argv, shown, env=None):
        """A load generator under a time bound, its output in FILE after a `$ command` line."""
        path = self.path(file)
        with open(path, "w") as f:
            f.write("$ %s\n" % " ".join(shown))
        with open(path, "a") as f:
            try:
                result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                        env=dict(os.environ, **(env or {})), timeout=self.step_timeout)
                status = result.returncode
            except subprocess.TimeoutExpired:
                status = "timeout"
        if status != 0:
            with open(path) as f:
                sys.stderr.write(f.read())
            raise BenchError("%s failed; output in %s/%s" % (argv[0].rsplit("/", 1)[-1], self.rel_out, file))
        with open(path) as f:
            return f.read()

    def wrk(self, file, connections, url, delay_ms=None):
        args = ["-t%d" % report.WRK_THREADS, "-c%d" % connections, "-d%ss" % self.c["duration"], "--latency"]
        env = None
        if delay_ms is not None:
            args += ["-s", self.c["lua_script"]]
            env = {"HERALD_BENCH_BODY_FILE": self.body_file, "HERALD_BENCH_SIGNATURE": self.signature,
                   "HERALD_BENCH_DELAY_MS": str(delay_ms)}
        return self.load(file, ["wrk"] + args + [url], ["wrk"] + args + [url], env)

    def memory(self):
        rss, hwm = processes.memory_mib(self.herald_pid)
        if rss is None:
            raise BenchError("herald serve (pid %d) is gone" % self.herald_pid)
        return rss, hwm

    def prepare(self):
        body = bench_body.webhook_body(PAGE, PSID, report.BODY_BYTES)
        self.body_file = self.path("webhook-body.json")
        with open(self.body_file, "wb") as f:
            f.write(body)
        self.signature = signing.signature(self.c["app_secret"], body)
        self.pgbench_sql = self.path("pgbench-insert.sql")
        with open(self.pgbench_sql, "w") as f:
            f.write(bench_body.pgbench_insert(body))
        # One signed and one badly signed delivery before measuring: the set-up must be right.
        webhook = self.c["base_url"] + "/webhook"
        status = post(webhook, body, self.signature)
        if status != "200":
            raise BenchError("a signed webhook was answered %s, not 200; see %s/herald.log" % (status, self.rel_out))
        status = post(webhook, body, "sha256=" + "0" * 64)
        if status != "401":
            raise BenchError("a badly signed webhook was answered %s, not 401" % status)
        self.sampler = cpu.Sampler(cpu.postmaster_pid(self.sql("show data_directory")))
        self.rss_idle = self.memory()[0]

    def webhook_run(self, name, file, connections, delay_ms):
        rows0 = int(self.sql("select count(*) from webhook_events"))
        before = prometheus.scrape(self.c["base_url"] + "/metrics")
        outputs = {}
        self.measure(name, lambda: outputs.update(text=self.wrk(file, connections, self.c["base_url"] + "/webhook", delay_ms)))
        after = prometheus.scrape(self.c["base_url"] + "/metrics")
        for when, text in (("before", before), ("after", after)):
            with open(self.path("%s-metrics-%s.txt" % (name, when)), "w") as f:
                f.write(text)
        rss = self.memory()
        rows = int(self.sql("select count(*) from webhook_events")) - rows0
        fields = wrk.herald_bench(outputs["text"])
        if fields is None:
            raise BenchError("no HERALD_BENCH line in %s/%s" % (self.rel_out, file))
        return report.webhook_figures(fields, rows, before, after), rss

    def measurements(self):
        d = self.c["duration"]
        say("(a) pgbench: single-row 2 KB INSERTs, %d clients, %s s" % (report.CONNECTIONS, d))
        self.quiet("(a)")
        self.sql("CHECKPOINT")
        args = ["-n", "-f", self.pgbench_sql, "-c", str(report.CONNECTIONS), "-j", str(report.WRK_THREADS), "-T", str(d),
                "-M", "prepared", "-h", "127.0.0.1", "-p", str(self.c["pg_port"]), "-U", "postgres", self.c["bench_db"]]
        shown = ["pgbench"] + [a[len(self.out) + 1:] if a.startswith(self.out + "/") else a for a in args]
        texts = {}

        def pgbench():
            texts["a"] = self.load("a-pgbench.txt", [self.c["pgbench"]] + args, shown)
            time.sleep(0.3)  # lets the postmaster reap pgbench's backends, so their CPU time is counted
        self.measure("a", pgbench)
        self.pgb = report.pgbench_result(texts["a"])
        if self.pgb is None:
            raise BenchError("could not read pgbench's result from %s/a-pgbench.txt" % self.rel_out)
        self.pgb_rows = int(self.sql("select count(*) from bench_inserts"))

        say("(b) wrk: GET /healthz, %d connections, %s s" % (report.CONNECTIONS, d))
        self.quiet("(b)")
        self.measure("b", lambda: texts.update(b=self.wrk("b-healthz.txt", report.CONNECTIONS, self.c["base_url"] + "/healthz")))
        self.healthz = wrk.latency_report(texts["b"])
        if self.healthz is None or not {"50%", "99%"} <= set(self.healthz["percentiles"]):
            raise BenchError("could not read wrk's result from %s/b-healthz.txt" % self.rel_out)

        say("(c) wrk: signed 2 KB POST /webhook, %d connections, %s s" % (report.CONNECTIONS, d))
        self.sql("CHECKPOINT")
        self.quiet("(c)")
        self.c_run, (self.rss_c, _) = self.webhook_run("c", "c-webhook.txt", report.CONNECTIONS, 0)

        say("(d) wrk: the same POST paced, %d connections x %d ms delay, %s s"
            % (report.PACED_CONNECTIONS, report.PACED_DELAY_MS, d))
        self.quiet("(d)")
        self.d_run, (self.rss_end, self.hwm_end) = self.webhook_run("d", "d-paced.txt", report.PACED_CONNECTIONS,
                                                                     report.PACED_DELAY_MS)

    def facts(self):
        c = self.c
        return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command_line": c["command_line"],
                "duration": int(c["duration"]), "rel_out": self.rel_out,
                "git_rev": machine.git_revision(c["checkout"], ["Sources", "Package.swift"],
                                                " with uncommitted changes to Sources/Package.swift"),
                "inherited_settings": c["inherited_settings"], "nproc": machine.nproc(), "cpu_model": machine.cpu_model(),
                "mem_gib": machine.memory_gib(), "os_name": machine.os_name(), "swift_version": machine.swift_version(),
                "wrk_version": machine.wrk_version(), "pg_version": self.sql("show server_version"),
                "pg_settings": self.sql("select string_agg(name || '=' || current_setting(name), ', ' order by name) "
                                        "from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', "
                                        "'wal_sync_method', 'shared_buffers', 'commit_delay')"),
                "bench_db": c["bench_db"]}

    def report(self):
        m = self.facts()
        args = (self.pgb, self.pgb_rows, self.healthz, self.c_run, self.d_run)
        f = report.figures(*args)
        failed = report.failed_checks(*args)
        memory = {"rss_idle": self.rss_idle, "rss_c": self.rss_c, "rss_end": self.rss_end, "hwm_end": self.hwm_end}
        text = report.section(m, self.pgb, self.healthz, self.c_run, self.d_run, f, failed, memory, self.cpu, self.not_quiet)
        with open(self.path("webhook-ingest.md"), "w") as out:
            out.write(text)
        if self.c["doc"]:
            doc_sections.write(self.c["doc"], text)
            where = "written to " + os.path.relpath(self.c["doc"], self.c["root"])
        else:
            where = "--no-doc: the section is in %s/webhook-ingest.md" % self.rel_out
        print(report.summary(m, self.pgb, self.healthz, self.c_run, self.d_run, f, memory, self.cpu, where), flush=True)
        for failure in failed:
            say("check failed: " + failure)
        return 1 if failed else 0


def measure_and_report(config):
    run = Run(config)
    run.prepare()
    run.measurements()
    return run.report()


def main(argv):
    return config_main(argv, __doc__, measure_and_report, (BenchError, postgres.PsqlError, OSError), say)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
