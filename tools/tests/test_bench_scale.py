"""scripts/bench-scale's figures, checks, verdicts and section from fixed inputs: the figures of
the run in docs/benchmarks.md (2026-11-26, 2 vCPU) give back that section's rows and sentences."""
import unittest

from herald_tools import bench_scale_report as report
from herald_tools.cpu import Cores

HB = {"requests": 0, "duration_us": 15000000, "ok": 0, "non200": 0, "errors_connect": 0, "errors_read": 0,
      "errors_write": 0, "errors_timeout": 0, "p50_us": 0, "p90_us": 0, "p99_us": 0, "max_us": 0}


def sends():
    """(latency, workers, count, elapsed, per process, cores, write txns/s) of that run."""
    runs = [(0, 1, 6000, "2.155", [6000], Cores(1.69, 0.53, 0.71, 0.3, 0.1), 662),
            (0, 2, 6000, "2.142", [2944, 3056], Cores(1.82, 0.59, 0.77, 0.3, 0.1), 727),
            (0, 4, 6000, "2.769", [1712, 1262, 1399, 1627], Cores(1.83, 0.59, 0.83, 0.3, 0.1), 799),
            (50, 1, 800, "11.166", [800], Cores(0.38, 0.06, 0.21, 0.05, 0.05), 279),
            (50, 2, 1600, "11.111", [801, 799], Cores(0.54, 0.11, 0.29, 0.1, 0.04), 569),
            (50, 4, 3200, "11.684", [799, 800, 800, 801], Cores(1.02, 0.24, 0.60, 0.1, 0.08), 1048)]
    out = []
    for latency, workers, count, elapsed, per, cores, commits in runs:
        figures, failed = report.send_figures(latency, workers, count, count, elapsed, 0, per, cores, commits)
        assert failed == [], failed
        out.append(figures)
    return out


def hooks():
    one = dict(HB, ok=241710, p50_us=3630, p99_us=23610, duration_us=15000000)
    halves = [dict(HB, ok=91455, p50_us=4760, p99_us=25740, duration_us=15000000),
              dict(HB, ok=91455, p50_us=4100, p99_us=20000, duration_us=14990000)]
    a, _ = report.webhook_figures(1, [one], True, 241800, 19190, 241710, Cores(1.82, 0.95, 0.63, 0.22, 0.02), 1265)
    b, _ = report.webhook_figures(2, halves, True, 182910, 25060, 182910, Cores(1.93, 0.98, 0.74, 0.17, 0.04), 1666)
    return [a, b]


META = {"date": "2026-11-26 16:26 UTC", "command_line": "scripts/bench-scale --skip-build",
        "rel_out": "bench-results/scale-20261126T162516Z", "git_rev": "52cf1a3", "built_from": "", "nproc": 2,
        "cpu_model": "Intel(R) Xeon(R) Processor", "mem_gib": "23.5", "pg_version": "15.18 (Debian 15.18-0+deb12u1)",
        "pg_settings": "commit_delay=0, fsync=on, max_connections=500, shared_buffers=256MB, synchronous_commit=on",
        "customers": 500, "messages": 6000, "per_thread": 200, "duration": 15, "worker_counts": [1, 2, 4],
        "replica_counts": [1, 2]}


class ScaleReportTests(unittest.TestCase):
    def test_send_rows(self):
        rows = [report.send_row(s) for s in sends()]
        self.assertEqual(rows[1], "| 0 ms | 2 | 8 | 6000 | 2.142 s | **2801 msg/s** | — | — | 2944/3056 | 1.82 | 0.59 | 0.77 | 0.21 + 0.27 ms | 727 |")
        self.assertEqual(rows[5], "| 50 ms | 4 | 16 | 3200 | 11.684 s | **274 msg/s** | 320/s | 86 % | 799/800/800/801 | 1.02 | 0.24 | 0.60 | 0.88 + 2.19 ms | 1048 |")

    def test_webhook_rows_take_the_worst_replica(self):
        rows = [report.webhook_row(w) for w in hooks()]
        self.assertEqual(rows[0], "| 1 | `wrk -t2 -c64` | **16114 accepted/s** | 3.63 ms | 23.61 ms | 1.82 | 0.95 | 0.63 | 0.22 | 1265 | 12.6 |")
        self.assertEqual(rows[1], "| 2 | 2 × `wrk -t1 -c32` at once | **12194 accepted/s** | 4.76 ms | 25.74 ms | 1.93 | 0.98 | 0.74 | 0.17 | 1666 | 7.3 |")

    def test_scaling_and_verdicts(self):
        s = sends()
        self.assertEqual(report.scaling_text(s, 0, [1, 2, 4]), "2 processes 1.01×, 4 processes 0.78×")
        self.assertEqual(report.scaling_text(s, 50, [1, 2, 4]), "2 processes 2.00×, 4 processes 3.81×")
        self.assertTrue(report.send_verdict(s, 0, [1, 2, 4], 2).endswith(
            "It scaled until the 2 cores ran out, then flattened: CPU-bound on this box at 4 processes."))
        self.assertEqual(report.send_verdict(s, 50, [1, 2, 4], 2),
                         "The machine was 0.38 of 2 cores busy with 1 process (herald 0.06, Postgres 0.21) and 1.02 with 4 "
                         "(herald 0.24, Postgres 0.60). Near-linear: the threads were waiting on Graph, not on the CPU, so "
                         "more processes added real capacity.")
        self.assertTrue(report.webhook_verdict(hooks(), [1, 2], 2).startswith(
            "2 replicas accepted 0.76× what 1 replica did (machine 1.82 → 1.93 cores busy). One replica already kept the 2 cores busy"))
        self.assertEqual(report.send_verdict(s, 0, [1], 2), "")

    def test_the_section_reads_as_the_one_in_the_docs(self):
        text = report.section(META, sends(), hooks(), [], [])
        for line in ("<!-- bench:scale:start -->", "### Sending: 1, 2 and 4 `herald work` processes",
                     "| 0 ms | 1 | 4 | 6000 | 2.155 s | **2784 msg/s** | — | — | 6000 | 1.69 | 0.53 | 0.71 | 0.19 + 0.26 ms | 662 |",
                     "  1 process, 2 processes 1.01×, 4 processes 0.78×. The machine was 1.69 of 2 cores busy with 1 process (herald 0.53, Postgres 0.71) and 1.83 with 4 (herald 0.59, Postgres 0.83). It scaled until the 2 cores ran out, then flattened: CPU-bound on this box at 4 processes.",
                     "  commit (here 1 replica stored 16114 webhooks/s with about 1265 write transactions/s, one per batch). At 0 ms",
                     "  Postgres spent 0.38 ms of CPU per message sent and herald 0.27 ms; as a rough linear estimate,",
                     "  a Postgres with N cores to itself tops out near N × 2632 messages/s, before lock and WAL contention",
                     "  bend the line, and each 3704 messages/s need one more core of `herald work`. Watch `pg_stat_database.xact_commit`, `pg_stat_wal`, `herald_webhook_commit_seconds` and",
                     "- **Connection counts**: each `herald work` holds 4 + concurrency + 1 connections (9 here, so 4",
                     "  processes hold 36 plus the gateway's 10 per replica). Past a few hundred, put PgBouncer",
                     "Checks passed: every message of every send run ended `sent`, per-conversation order held across",
                     "<!-- bench:scale:end -->"):
            self.assertIn(line + "\n", text)
        self.assertNotIn("not quiet", text)
        self.assertNotIn("FAILED", text)

    def test_failed_checks_and_a_busy_machine_are_reported(self):
        _, failed = report.send_figures(50, 2, 1600, 1590, "11.000", 3, [1590, 0], Cores(1, 1, 1, 1, 1), 10)
        self.assertEqual(failed, ["send-50ms-w2: 1590 of 1600 messages sent",
                                  "send-50ms-w2: 3 messages sent before an older one of the same customer",
                                  "send-50ms-w2: a process sent nothing (per process: 1590 0)"])
        _, hook_failed = report.webhook_figures(2, [dict(HB, ok=10, non200=2, errors_read=1), None], False, 5, 0, 0,
                                                Cores(1, 1, 1, 1, 1), 10)
        self.assertEqual(hook_failed, ["webhook-r2: wrk failed (see the run's webhook-r2-wrk*.txt)",
                                       "webhook-r2: no HERALD_BENCH line from wrk 2",
                                       "webhook-r2: 2 answers were not 200", "webhook-r2: 1 socket errors",
                                       "webhook-r2: webhook_events grew by 5 rows, fewer than the 10 answers 200"])
        text = report.section(META, sends(), hooks(), failed, ["before send-0ms-w1: 1.20 cores busy after waiting 60 s"])
        self.assertIn("**Checks FAILED** — these figures are not valid:\n\n- send-50ms-w2: 1590 of 1600 messages sent\n", text)
        self.assertIn("\n**The machine was not quiet** before some measurements (figures concerned are low):\n"
                      "- before send-0ms-w1: 1.20 cores busy after waiting 60 s\n\n### Where it saturates", text)

    def test_summary(self):
        text = report.summary(META, sends()[:1], hooks()[:1], [])
        self.assertEqual(text, "\n== scripts/bench-scale, 2026-11-26 16:26 UTC, 2 vCPU\n"
                               "  send 0 ms, 1 process(es) x c4: 2784 msg/s (cores 1.69: herald 0.53, Postgres 0.71; 662 write txns/s)\n"
                               "  webhooks, 1 replica(s): 16114 accepted/s (cores 1.82: herald 0.95, Postgres 0.63; 1265 write txns/s)\n"
                               "  checks passed\n  raw: bench-results/scale-20261126T162516Z/\n")


if __name__ == "__main__":
    unittest.main()
