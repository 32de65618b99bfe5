"""scripts/chaos's drill flow without a database: the bookkeeping, the graph-outage arithmetic and
backoff bands, the config, the process stopper (on real short-lived children) and the run loop."""
import contextlib
import copy
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from herald_tools import chaos_drills, chaos_ingest, chaos_sends, drill
from herald_tools.drill import DrillAbort, Scorecard


def temp_folder(test):
    folder = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, folder)
    return folder


def read(path):
    with open(path) as f:
        return f.read()


class ScorecardTests(unittest.TestCase):
    def setUp(self):
        folder = temp_folder(self)
        self.results, self.figures = os.path.join(folder, "results.txt"), os.path.join(folder, "figures.txt")
        self.out, self.err = io.StringIO(), io.StringIO()

    def card(self, name="poison"):
        return Scorecard(name, self.results, self.figures, self.out, self.err)

    def test_pass_line_and_results_row(self):
        card = self.card()
        self.assertTrue(card.check("every body stored", True))
        card.figure("sent: 3 bodies")
        line = card.report("3/3 bodies stored")
        self.assertEqual(line, "poison: PASS — 3/3 bodies stored")
        self.assertEqual(self.out.getvalue(), line + "\n")
        self.assertEqual(read(self.results), "poison\tPASS\tpoison: PASS — 3/3 bodies stored\n")
        self.assertEqual(read(self.figures), "poison\t  sent: 3 bodies\n")
        self.assertIn("scripts/chaos: poison: sent: 3 bodies", self.err.getvalue())
        self.assertEqual(drill.read_results(self.results), [("poison", "PASS", line)])

    def test_fail_line_lists_every_failed_check(self):
        card = self.card("db-restart")
        self.assertFalse(card.check("every 200 processed (1 missing)", False))
        card.check("a probe answered", True)
        card.check("workers alive", False)
        line = card.report("9 answered 200")
        self.assertEqual(line, "db-restart: FAIL — 9 answered 200 — failed: every 200 processed (1 missing);workers alive")
        self.assertEqual(drill.read_results(self.results), [("db-restart", "FAIL", line)])
        self.assertIn("check failed: workers alive", self.err.getvalue())

    def test_abort_is_a_fail_row(self):
        card = self.card("graph-outage")
        card.abort("fake-graph exited at start", "bench-results/chaos-x/")
        self.assertTrue(card.reported)
        self.assertEqual(read(self.results), "graph-outage\tFAIL\tgraph-outage: FAIL — aborted (fake-graph exited at "
                                             "start); see bench-results/chaos-x/\n")


class OutageArithmeticTests(unittest.TestCase):
    def test_the_base_makes_four_attempts_span_the_outage(self):
        self.assertEqual(chaos_sends.outage_retry_base(60), 4)  # 0.8 x 21 x 4 = 67.2 > 65
        for outage in (10, 60, 100, 300):
            base = chaos_sends.outage_retry_base(outage)
            self.assertGreater(0.8 * 21 * base, outage + 5)

    def test_attempts_that_fit_in_the_outage(self):
        # Earliest starts with base 4: 0, 3.2, 16, 67.2 s: three inside 60 s.
        self.assertEqual(chaos_sends.attempts_within(60, 4, 3), 3)
        # Base 1: 0, 0.8, 4, 16.8 s: all four, the cap.
        self.assertEqual(chaos_sends.attempts_within(60, 1, 3), 4)
        # A short outage: only the first attempt (the second is 0.8 x 10 = 8 s in).
        self.assertEqual(chaos_sends.attempts_within(5, 10, 3), 1)
        # Whole-second arithmetic as before: 0.8 x 5 = 4 is not < 4.
        self.assertEqual(chaos_sends.attempts_within(4, 5, 3), 1)

    def test_wait_limit(self):
        self.assertEqual(chaos_sends.outage_wait_limit(60, 4), 200)  # 60 + 4 x 21 x 1.2 (100) + 40


class BackoffBandTests(unittest.TestCase):
    def test_gaps_per_retry_and_the_band(self):
        attempts = [("1", 0.0), ("1", 4.0), ("1", 20.0), ("2", 100.0), ("2", 103.0), ("3", 7.0)]
        rows = chaos_sends.backoff_bands(attempts, 4)
        self.assertEqual(len(rows), 2)
        n, count, low, mean, high, expected, outside = rows[0]
        self.assertEqual((n, count, low, mean, high, expected, outside), (1, 2, 3.0, 3.5, 4.0, 4, 1))  # 3.0 < 3.2
        self.assertEqual(rows[1], (2, 1, 16.0, 16.0, 16.0, 16, 0))
        self.assertEqual(chaos_sends.band_line(rows[0]), "1 2 3.00 3.50 4.00 4 1")

    def test_upper_edge_allows_three_seconds_more(self):
        self.assertEqual(chaos_sends.backoff_bands([("a", 0.0), ("a", 7.7)], 4)[0][6], 0)  # within 4.8 + 3 = 7.8
        self.assertEqual(chaos_sends.backoff_bands([("a", 0.0), ("a", 7.9)], 4)[0][6], 1)

    def test_no_retries_no_rows(self):
        self.assertEqual(chaos_sends.backoff_bands([("a", 1.0), ("b", 2.0)], 4), [])


class TableChangeTests(unittest.TestCase):
    def test_lost_and_gained_names(self):
        self.assertEqual(chaos_ingest.changes("jobs,messages,pages", "jobs,pages,x"), "-messages +x")
        self.assertEqual(chaos_ingest.changes("a,b", "b,a"), "none")
        self.assertEqual(chaos_ingest.changes("", "a"), "+a")

    def test_jq_like_values(self):
        self.assertEqual(chaos_ingest.jr(None), "null")
        self.assertEqual(chaos_ingest.jr(669), "669")
        self.assertEqual(chaos_sends.compact({"200": 3, "é": [1]}), '{"200":3,"é":[1]}')


def valid_config(folder):
    exe = sys.executable
    return {
        "root": folder, "out_dir": os.path.join(folder, "out"), "bin_dir": folder,
        "binaries": {"herald": exe, "fake_graph": exe, "herald_bench": exe},
        "migrations_dir": folder, "cluster_url": "postgresql://postgres@127.0.0.1:5/herald",
        "admin_url": "postgresql://postgres@127.0.0.1:5/postgres",
        "cluster_command": {"argv": ["/bin/true"], "env": {"HERALD_DB_PORT": "5"}},
        "secrets": {"app_secret": "a", "verify_token": "v", "api_token": "t", "admin_token": "d"},
        "page_id": "104500000000777", "scenarios": ["worker-crash", "poison"],
        "parameters": {name: 1 for name in chaos_drills.PARAMETERS},
        "summary": {"command_line": "scripts/chaos", "bin_dir_env": "", "cluster_port": "5", "cluster_dir": folder,
                    "started_at": int(time.time())},
    }


class ConfigTests(unittest.TestCase):
    def setUp(self):
        self.folder = temp_folder(self)

    def load(self, data):
        path = os.path.join(self.folder, "config.json")
        with open(path, "w") as f:
            json.dump(data, f)
        return chaos_drills.load_config(path)

    def test_a_valid_config_loads(self):
        config = self.load(valid_config(self.folder))
        self.assertEqual(config.scenarios, ["worker-crash", "poison"])
        self.assertEqual(config.p["crash_messages"], 1)
        self.assertEqual(config.cluster_command["argv"], ["/bin/true"])
        self.assertEqual(config.app_secret, "a")

    def broken(self, change):
        data = valid_config(self.folder)
        change(data)
        with self.assertRaises(chaos_drills.ConfigError) as caught:
            self.load(data)
        return str(caught.exception)

    def test_each_problem_is_named(self):
        self.assertIn("parameters.crash_lease", self.broken(lambda d: d["parameters"].pop("crash_lease")))
        self.assertIn("parameters.db_rate must be int", self.broken(lambda d: d["parameters"].update(db_rate="500")))
        self.assertIn("must be int", self.broken(lambda d: d["parameters"].update(db_rate=True)))
        self.assertIn("scenarios", self.broken(lambda d: d.update(scenarios=["meteor"])))
        self.assertIn("scenarios", self.broken(lambda d: d.update(scenarios=[])))
        self.assertIn("not an executable", self.broken(lambda d: d["binaries"].update(herald="/nonexistent/herald")))
        self.assertIn("page_id", self.broken(lambda d: d.update(page_id="12a")))
        self.assertIn("cluster_url", self.broken(lambda d: d.update(cluster_url="mysql://x")))
        self.assertIn("secrets.api_token", self.broken(lambda d: d["secrets"].pop("api_token")))
        self.assertIn("positive", self.broken(lambda d: d["parameters"].update(outage_seconds=0)))

    def test_unreadable_file(self):
        with self.assertRaisesRegex(chaos_drills.ConfigError, "cannot read"):
            chaos_drills.load_config(os.path.join(self.folder, "missing.json"))


class StopProcessTests(unittest.TestCase):
    def test_sigterm_stops_a_sleep(self):
        child = subprocess.Popen(["sleep", "30"])
        started = time.monotonic()
        self.assertEqual(drill.stop_process(child, grace=5), -signal.SIGTERM)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIsNotNone(child.returncode)  # reaped

    def test_sigkill_when_sigterm_is_ignored(self):
        # The ignored SIGTERM is inherited through exec: sleep itself ignores it.
        child = subprocess.Popen(["sh", "-c", "trap '' TERM; exec sleep 30"])
        time.sleep(0.2)  # let sh set the trap before we signal
        err = io.StringIO()
        self.assertEqual(drill.stop_process(child, grace=0.3, err=err), -signal.SIGKILL)
        self.assertIn("did not stop within 0.3 s", err.getvalue())

    def test_a_finished_child_is_left_alone(self):
        child = subprocess.Popen(["true"])
        child.wait()
        self.assertEqual(drill.stop_process(child), 0)


class WaitUntilTests(unittest.TestCase):
    def test_true_once_the_predicate_holds_and_errors_count_as_not_yet(self):
        calls = []

        def predicate():
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("database restarting")
            return len(calls) >= 3

        self.assertTrue(drill.wait_until(predicate, 10, sleep=lambda _: None))
        self.assertEqual(len(calls), 3)

    def test_false_at_the_deadline(self):
        now = [0.0]
        result = drill.wait_until(lambda: False, 2, interval=0.5, clock=lambda: now[0],
                                  sleep=lambda s: now.__setitem__(0, now[0] + s))
        self.assertFalse(result)
        self.assertEqual(now[0], 2.0)


class RunTests(unittest.TestCase):
    """chaos_drills.run with stand-in scenarios: no process, no database."""

    def setUp(self):
        self.folder = temp_folder(self)
        os.makedirs(os.path.join(self.folder, "out"))
        saved = copy.copy(chaos_drills.SCENARIOS)
        self.addCleanup(lambda: (chaos_drills.SCENARIOS.clear(), chaos_drills.SCENARIOS.update(saved)))
        for number in (signal.SIGINT, signal.SIGTERM):
            self.addCleanup(signal.signal, number, signal.getsignal(number))

    def run_drills(self, scenarios):
        chaos_drills.SCENARIOS.update(scenarios)
        data = valid_config(self.folder)
        data["scenarios"] = list(scenarios)
        path = os.path.join(self.folder, "config.json")
        with open(path, "w") as f:
            json.dump(data, f)
        out = io.StringIO()
        with contextlib.redirect_stderr(io.StringIO()):
            status = chaos_drills.run(chaos_drills.load_config(path), out)
        return status, out.getvalue()

    def test_an_aborted_scenario_fails_and_the_next_one_runs(self):
        def aborts(stack, card, p):
            card.figure("before the abort")
            raise DrillAbort("fake-graph exited at start")

        def passes(stack, card, p):
            card.check("fine", True)
            card.figure("one figure")
            card.report("all good")

        status, out = self.run_drills({"worker-crash": aborts, "poison": passes})
        self.assertEqual(status, 1)
        self.assertIn("worker-crash: FAIL — aborted (fake-graph exited at start); see out/", out)
        self.assertIn("poison: PASS — all good", out)
        summary = read(os.path.join(self.folder, "out", "summary.txt"))
        self.assertIn("== scripts/chaos summary", summary)
        self.assertIn("poison: PASS — all good\n  one figure\n", summary)
        self.assertIn("\n  before the abort", summary)

    def test_all_passed_is_zero(self):
        def passes(stack, card, p):
            card.report("ok")

        self.assertEqual(self.run_drills({"poison": passes})[0], 0)

    def test_an_interrupt_ends_the_run_with_its_status(self):
        ran = []

        def interrupted(stack, card, p):
            raise drill.Interrupted(143)

        def never(stack, card, p):
            ran.append(1)

        status, out = self.run_drills({"worker-crash": interrupted, "poison": never})
        self.assertEqual(status, 143)
        self.assertIn("worker-crash: FAIL — aborted (interrupted)", out)
        self.assertEqual(ran, [])

    def test_duration_reads_like_the_scripts(self):
        self.assertEqual(chaos_drills.duration(42), "42s")
        self.assertEqual(chaos_drills.duration(187), "3m07s")


if __name__ == "__main__":
    unittest.main()


class ConfigMainTests(unittest.TestCase):
    """drill.config_main, the `run --config FILE` of the benchmark launchers."""

    def setUp(self):
        for number in (signal.SIGINT, signal.SIGTERM):
            self.addCleanup(signal.signal, number, signal.getsignal(number))
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        self.config = os.path.join(folder, "config.json")
        with open(self.config, "w") as f:
            json.dump({"rate": 7}, f)
        self.said = []

    def main(self, body, argv=None):
        return drill.config_main(argv or ["run", "--config", self.config], "usage", body, (ValueError,),
                                 self.said.append)

    def test_body_gets_the_config_and_its_status_is_returned(self):
        self.assertEqual(self.main(lambda config: config["rate"] - 7), 0)

    def test_a_listed_error_is_said_and_returns_1(self):
        def body(_config):
            raise ValueError("no wrk")
        self.assertEqual(self.main(body), 1)
        self.assertEqual(self.said, ["error: no wrk"])

    def test_an_interrupt_returns_its_status(self):
        def body(_config):
            raise drill.Interrupted(143)
        self.assertEqual(self.main(body), 143)

    def test_other_arguments_exit_with_the_usage(self):
        with self.assertRaises(SystemExit) as raised:
            self.main(lambda config: 0, argv=["measure"])
        self.assertEqual(raised.exception.code, "usage")
