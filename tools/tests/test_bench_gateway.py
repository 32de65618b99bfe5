"""scripts/bench's figures, checks, targets and section, from the raw outputs of a real run
(fixtures/bench-20261206T085922Z, with the section that run wrote)."""
import os
import unittest
import unittest.mock

from herald_tools import bench_body, bench_gateway_report as report, cpu, wrk

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "bench-20261206T085922Z")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


META = {"date": "2026-12-06 09:00 UTC", "command_line": "scripts/bench --skip-build", "duration": 15,
        "rel_out": "bench-results/20261206T085922Z", "git_rev": "000443e", "inherited_settings": "", "nproc": 2,
        "cpu_model": "AMD EPYC", "mem_gib": "23.5", "os_name": "Debian GNU/Linux 12 (bookworm)",
        "swift_version": "6.3.1", "wrk_version": "4.1.0-3+b2",
        "pg_version": "15.18 (Debian 15.18-0+deb12u1)",
        "pg_settings": "commit_delay=0, fsync=on, full_page_writes=on, shared_buffers=256MB, synchronous_commit=on, wal_sync_method=fdatasync",
        "bench_db": "herald_bench"}
MEMORY = {"rss_idle": 42.7, "rss_c": 47.2, "rss_end": 47.2, "hwm_end": 47.2}
CPU = {"a": cpu.Cores(1.89, 0.00, 1.55, 0.24, 0.09), "b": cpu.Cores(1.98, 1.49, 0.01, 0.46, 0.03),
       "c": cpu.Cores(1.85, 0.87, 0.60, 0.31, 0.07), "d": cpu.Cores(0.27, 0.10, 0.11, 0.04, 0.02)}
NOT_QUIET = ["during (%s): other databases of the same cluster ran %d transactions" % x
             for x in (("a", 164), ("b", 172), ("c", 174), ("d", 166))]


def inputs(c_rows=389719, d_rows=14155, pgb_rows=266384):
    pgb = report.pgbench_result(fixture("a-pgbench.txt"))
    healthz = wrk.latency_report(fixture("b-healthz.txt"))
    c = report.webhook_figures(wrk.herald_bench(fixture("c-webhook.txt")), c_rows,
                               fixture("c-metrics-before.txt"), fixture("c-metrics-after.txt"))
    d = report.webhook_figures(wrk.herald_bench(fixture("d-paced.txt")), d_rows,
                               fixture("d-metrics-before.txt"), fixture("d-metrics-after.txt"))
    return pgb, pgb_rows, healthz, c, d


class GatewayReportTests(unittest.TestCase):
    def test_the_section_of_a_real_run_is_rendered_as_that_run_wrote_it(self):
        pgb, pgb_rows, healthz, c, d = inputs()
        f = report.figures(pgb, pgb_rows, healthz, c, d)
        failed = report.failed_checks(pgb, pgb_rows, healthz, c, d)
        self.assertEqual(failed, [])
        text = report.section(META, pgb, healthz, c, d, f, failed, MEMORY, CPU, NOT_QUIET)
        # The run's section, but for how the body is signed (openssl then, signing.py now).
        written = fixture("webhook-ingest.md").replace("`openssl dgst -sha256 -hmac`", "HMAC-SHA256 (`tools/herald_tools/signing.py`)")
        self.assertEqual(text, written)

    def test_figures_and_targets(self):
        pgb, pgb_rows, healthz, c, d = inputs()
        f = report.figures(pgb, pgb_rows, healthz, c, d)
        self.assertEqual((pgb["tps"], pgb["latency_ms"], pgb["txns"], pgb["failed"]), (17789.394707, "3.598", 266384, 0))
        self.assertEqual(c["accepted_rps"], 25956.2)
        self.assertEqual((f["ratio_pgbench"], f["ratio_healthz"], f["d_p99_ms"]), ("1.46", "0.56", "3.63"))
        self.assertEqual((f["met_pgbench"], f["met_healthz"], f["met_p99"]), ("met", "met", "met"))
        self.assertEqual(c["batch"], {"commits": "29397", "batch_mean": "13.3", "commit_ms": "0.88", "per_s": "1958"})

    def test_a_missed_target_is_marked(self):
        pgb, pgb_rows, healthz, c, d = inputs()
        pgb["tps"] = 30000.0
        d["p99_us"] = 50000
        f = report.figures(pgb, pgb_rows, healthz, c, d)
        self.assertEqual((f["ratio_pgbench"], f["met_pgbench"], f["met_p99"]), ("0.87", "**missed**", "**missed**"))

    def test_failed_checks_are_listed_and_replace_the_passed_sentence(self):
        pgb, pgb_rows, healthz, c, d = inputs(c_rows=100, pgb_rows=5)
        d["non200"], d["errors_read"] = 3, 2
        healthz["socket_errors"] = "connect 0, read 4, write 0, timeout 0"
        failed = report.failed_checks(pgb, pgb_rows, healthz, c, d)
        self.assertEqual(failed, [
            "(c): webhook_events grew by 100 rows, fewer than the 389680 answers 200",
            "(d): 3 answers were not 200",
            "(d): socket errors connect=0 read=2 write=0 timeout=0",
            "(b): socket errors connect 0, read 4, write 0, timeout 0",
            "(a): bench_inserts holds 5 rows, fewer than the 266384 transactions"])
        f = report.figures(pgb, pgb_rows, healthz, c, d)
        text = report.section(META, pgb, healthz, c, d, f, failed, MEMORY, CPU, [])
        self.assertIn("**Checks FAILED** — these figures are not valid:\n\n- (c): webhook_events grew by 100", text)
        self.assertNotIn("Checks passed", text)
        self.assertNotIn("was not quiet", text)

    def test_no_commit_between_the_scrapes(self):
        self.assertEqual(report.group_commit("", "", 1.0)["commits"], "n/a")

    def test_summary_names_every_measurement(self):
        pgb, pgb_rows, healthz, c, d = inputs()
        f = report.figures(pgb, pgb_rows, healthz, c, d)
        text = report.summary(META, pgb, healthz, c, d, f, MEMORY, CPU, "written to docs/benchmarks.md")
        self.assertIn("  (c) signed 2 KB POST /webhook, 64 conn.      25,956 accepted/s   p50 2.30 ms  p99 6.19 ms   non-200: 0\n", text)
        self.assertIn("  group commit in (c): 29397 commits, mean 13.3 rows, 0.88 ms each\n", text)


class BodyTests(unittest.TestCase):
    def test_the_body_is_exactly_2_kb_and_the_same_every_run(self):
        body = bench_body.webhook_body("104567890123456", "6789012345678901")
        self.assertEqual(len(body), 2048)
        self.assertTrue(body.startswith(b'{"object":"page","entry":[{"id":"104567890123456"'))
        self.assertTrue(body.endswith(b'."}}]}]}'))
        self.assertEqual(body, bench_body.webhook_body("104567890123456", "6789012345678901"))
        self.assertIn(b'"text":"Hello, ', body)

    def test_pgbench_inserts_the_same_bytes(self):
        self.assertEqual(bench_body.pgbench_insert(b"{}"), "INSERT INTO bench_inserts (body) VALUES ('\\x7b7d'::bytea);\n")


if __name__ == "__main__":
    unittest.main()


class LoadGeneratorTests(unittest.TestCase):
    """bench_gateway's runner of wrk and pgbench, on short real children."""

    def run_in(self, folder):
        from herald_tools import bench_gateway
        return bench_gateway.Run({"out_dir": folder, "root": os.path.dirname(folder), "herald_pid": "1", "duration": 1})

    def folder(self):
        import shutil
        import tempfile
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        return folder

    def test_the_output_follows_the_command_line(self):
        run = self.run_in(self.folder())
        text = run.load("x.txt", ["sh", "-c", "echo Requests/sec: 12.5"], ["wrk", "-c1"])
        self.assertEqual(text, "$ wrk -c1\nRequests/sec: 12.5\n")

    def test_a_failing_load_generator_stops_the_run(self):
        from herald_tools import bench_gateway
        folder = self.folder()
        run = self.run_in(folder)
        with self.assertRaises(bench_gateway.BenchError) as raised, \
                unittest.mock.patch("sys.stderr"):
            run.load("y.txt", ["sh", "-c", "echo broken; exit 3"], ["pgbench"])
        self.assertEqual(str(raised.exception), "sh failed; output in %s/y.txt" % os.path.basename(folder))


class ScaleStackTests(unittest.TestCase):
    def test_herald_work_gets_no_http_port_and_serve_gets_its_own(self):
        import types
        from herald_tools.bench_scale_steps import ScaleStack
        config = types.SimpleNamespace(out_dir="/tmp", root="/", migrations_dir="/sql", app_secret="a", verify_token="v",
                                       api_token="t", admin_token="d")
        stack = ScaleStack(config)
        with unittest.mock.patch.dict(os.environ, {}, clear=True):  # scripts/bench-scale unsets inherited HERALD_*
            work = stack.herald_env("postgresql://x/db", None, {"HERALD_METRICS_PORT": 9100})
        self.assertNotIn("HERALD_PORT", work)
        self.assertEqual((work["HERALD_METRICS_PORT"], work["HERALD_GRAPH_URL"], work["HERALD_LOG_LEVEL"]),
                         ("9100", "http://127.0.0.1:9", "warning"))
        self.assertEqual(stack.herald_env("postgresql://x/db", 18100)["HERALD_PORT"], "18100")
