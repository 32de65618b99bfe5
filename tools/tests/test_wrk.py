"""wrk's --latency report and scripts/bench-webhook.lua's HERALD_BENCH line, on outputs captured
from a real run (fixtures/bench-20261206T085922Z)."""
import unittest

from herald_tools import wrk
from tests.test_bench_gateway import fixture

SOCKET_ERRORS = """Running 5s test @ http://127.0.0.1:18090/healthz
  2 threads and 64 connections
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.50s
     99%    1.50m
  1000 requests in 5.00s, 1.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 7
Requests/sec:    200.00
"""


class WrkTests(unittest.TestCase):
    def test_the_latency_report_of_a_real_run(self):
        report = wrk.latency_report(fixture("b-healthz.txt"))
        self.assertEqual(report["requests_per_s"], 46362.78)
        self.assertEqual(report["percentiles"], {"50%": 1.27, "75%": 1.63, "90%": 2.07, "99%": 4.44})
        self.assertEqual((report["non_2xx"], report["socket_errors"]), (0, ""))

    def test_units_errors_and_non_2xx(self):
        report = wrk.latency_report(SOCKET_ERRORS)
        self.assertEqual(report["percentiles"], {"50%": 0.85, "75%": 1.1, "90%": 1500.0, "99%": 90000.0})
        self.assertEqual(report["socket_errors"], "connect 0, read 3, write 0, timeout 12")
        self.assertEqual(report["non_2xx"], 7)

    def test_no_report(self):
        self.assertIsNone(wrk.latency_report("unable to connect to 127.0.0.1:1 Connection refused\n"))
        with self.assertRaises(ValueError):
            wrk.to_ms("fast")

    def test_the_herald_bench_line_of_a_real_run(self):
        fields = wrk.herald_bench(fixture("c-webhook.txt"))
        self.assertEqual(fields, {"requests": 389680, "duration_us": 15013450, "ok": 389680, "non200": 0,
                                  "errors_connect": 0, "errors_read": 0, "errors_write": 0, "errors_timeout": 0,
                                  "p50_us": 2296, "p90_us": 3403, "p99_us": 6188, "max_us": 119073})
        self.assertEqual(wrk.socket_errors(fields), 0)

    def test_the_last_herald_bench_line_counts_and_a_missing_one_is_none(self):
        text = ("HERALD_BENCH requests=1 duration_us=1 ok=1 non200=0 errors_connect=0 errors_read=0 errors_write=0 "
                "errors_timeout=0 p50_us=1 p90_us=1 p99_us=1 max_us=1\n"
                "HERALD_BENCH requests=9 duration_us=2 ok=7 non200=2 errors_connect=1 errors_read=2 errors_write=3 "
                "errors_timeout=4 p50_us=5 p90_us=6 p99_us=7 max_us=8\n")
        fields = wrk.herald_bench(text)
        self.assertEqual((fields["requests"], fields["non200"], wrk.socket_errors(fields)), (9, 2, 10))
        self.assertIsNone(wrk.herald_bench(fixture("b-healthz.txt")))
        with self.assertRaises(ValueError):
            wrk.herald_bench("HERALD_BENCH requests=1 ok=1\n")


if __name__ == "__main__":
    unittest.main()
