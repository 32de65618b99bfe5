"""The /proc CPU accounting of scripts/bench and scripts/bench-scale, on fake /proc folders."""
import os
import shutil
import tempfile
import unittest

from herald_tools import cpu


def stat_line(pid, name, ppid, utime, stime, cutime=0, cstime=0):
    """A /proc/PID/stat line: fields 1-17 as the kernel writes them, then the rest."""
    return ("%d (%s) S %d 1 1 0 -1 4194560 100 0 0 0 %d %d %d %d 20 0 1 0 100 1000 10"
            % (pid, name, ppid, utime, stime, cutime, cstime)) + " 0" * 30 + "\n"


class FakeProc:
    def __init__(self, test):
        self.root = tempfile.mkdtemp()
        test.addCleanup(shutil.rmtree, self.root)

    def machine(self, user, nice, system, idle, iowait, irq, softirq, steal=0):
        with open(os.path.join(self.root, "stat"), "w") as f:
            f.write("cpu  %d %d %d %d %d %d %d %d 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n"
                    % (user, nice, system, idle, iowait, irq, softirq, steal))

    def process(self, pid, name, ppid, utime, stime, cutime=0, cstime=0):
        os.makedirs(os.path.join(self.root, str(pid)), exist_ok=True)
        with open(os.path.join(self.root, str(pid), "stat"), "w") as f:
            f.write(stat_line(pid, name, ppid, utime, stime, cutime, cstime))


class CpuTests(unittest.TestCase):
    def setUp(self):
        self.proc = FakeProc(self)
        self.proc.machine(1000, 10, 300, 99999, 500, 7, 3, steal=44)
        self.proc.process(100, "postgres", 1, 50, 20, cutime=300, cstime=100)
        self.proc.process(101, "postgres: walwriter ", 100, 5, 5)
        self.proc.process(102, "postgres: bench (x) idle", 100, 400, 100)
        self.proc.process(200, "herald", 1, 70, 30)
        self.proc.process(300, "python3", 1, 1, 1, cutime=80, cstime=20)
        os.makedirs(os.path.join(self.proc.root, "self"))  # not a pid: skipped

    def run_main(self, *argv):
        printed = []
        status = cpu.main(list(argv), proc=self.proc.root, out=printed.append)
        return status, printed

    def test_command_line_ticks_and_postgres_ticks(self):
        self.assertEqual(self.run_main("ticks", "200", "999"), (0, [100]))  # a gone pid counts 0
        data = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, data)
        with open(os.path.join(data, "postmaster.pid"), "w") as f:
            f.write("100\n/var/lib/postgresql\n")
        # postmaster 70 + live children 10 + 500 + reaped 400
        self.assertEqual(self.run_main("postgres-ticks", data), (0, [980]))

    def test_command_line_per_event_and_usage(self):
        self.assertEqual(self.run_main("per-event", "100", "300", "1000")[1],
                         ["%.1f" % (200 * 1e6 / cpu.CLK_TCK / 1000)])
        self.assertEqual(self.run_main("per-event", "0", "100", "0")[1], ["%.1f" % (100 * 1e6 / cpu.CLK_TCK)])
        self.assertEqual(self.run_main("per-event", "0", "3", "7", "0")[1], ["%.0f" % (3 * 1e6 / cpu.CLK_TCK / 7)])
        status, printed = self.run_main("nonsense")
        self.assertEqual(status, 2)
        self.assertTrue(printed[0].startswith("usage:"))

    def test_machine_ticks_count_user_nice_system_irq_softirq_only(self):
        self.assertEqual(cpu.machine_ticks(self.proc.root), 1000 + 10 + 300 + 7 + 3)

    def test_a_name_with_spaces_and_parentheses_is_skipped_over(self):
        self.assertEqual(cpu.process_ticks([102], self.proc.root), 500)
        self.assertEqual(cpu.stat_words(102, self.proc.root)[1], "100")

    def test_process_and_reaped_ticks(self):
        self.assertEqual(cpu.process_ticks([200, 101], self.proc.root), 110)
        self.assertEqual(cpu.reaped_ticks(300, self.proc.root), 100)
        self.assertEqual(cpu.process_ticks([999], self.proc.root), 0)
        self.assertEqual(cpu.reaped_ticks(999, self.proc.root), 0)

    def test_postgres_is_the_postmaster_its_children_and_what_it_reaped(self):
        self.assertEqual(cpu.children(100, self.proc.root), [101, 102])
        self.assertEqual(cpu.postgres_ticks(100, self.proc.root), 70 + 10 + 500 + 400)
        self.assertEqual(cpu.postgres_ticks(None, self.proc.root), 0)

    def test_cores_between_two_snapshots(self):
        times = iter([10.0, 12.0])
        sampler = cpu.Sampler(100, proc=self.proc.root, self_pid=300, clock=lambda: next(times), clk_tck=100)
        before = sampler.snapshot([200])
        self.assertEqual(before, cpu.Snapshot(1320, 100, 980, 100, 10.0))
        self.proc.machine(1300, 10, 360, 99999, 500, 7, 3)   # +360 ticks
        self.proc.process(200, "herald", 1, 130, 50)          # +80
        self.proc.process(100, "postgres", 1, 50, 20, cutime=400, cstime=100)  # +100 reaped
        self.proc.process(102, "postgres: bench (x) idle", 100, 440, 100)      # +40
        self.proc.process(300, "python3", 1, 1, 1, cutime=130, cstime=30)      # +60 reaped
        cores = sampler.cores(before, sampler.snapshot([200]))
        self.assertEqual(cores, cpu.Cores(busy=1.8, herald=0.4, postgres=0.7, load=0.3, other=0.4))

    def test_else_is_never_negative(self):
        before = cpu.Snapshot(0, 0, 0, 0, 0.0)
        after = cpu.Snapshot(100, 60, 30, 20, 1.0)
        self.assertEqual(cpu.cores(before, after, 100).other, 0.0)
        self.assertEqual(cpu.cores(before, before, 100), cpu.Cores(0.0, 0.0, 0.0, 0.0, 0.0))

    def test_postmaster_pid_file(self):
        with open(os.path.join(self.proc.root, "postmaster.pid"), "w") as f:
            f.write("4242\n/data\n1764144000\n")
        self.assertEqual(cpu.postmaster_pid(self.proc.root), 4242)
        self.assertIsNone(cpu.postmaster_pid(os.path.join(self.proc.root, "none")))


class QuietTests(unittest.TestCase):
    def setUp(self):
        self.proc = FakeProc(self)
        self.ticks = 0
        self.proc.machine(0, 0, 0, 0, 0, 0, 0)
        self.said, self.now = [], 0.0

    def sleeper(self, busy_ticks):
        def sleep(seconds):
            self.now += seconds
            self.ticks += busy_ticks.pop(0) if busy_ticks else 0
            self.proc.machine(self.ticks, 0, 0, 0, 0, 0, 0)
        return sleep

    def wait(self, busy_ticks, seconds):
        return cpu.wait_for_quiet("(c)", 0.25, seconds, self.said.append, proc=self.proc.root, clk_tck=100,
                                  sleep=self.sleeper(busy_ticks), clock=lambda: self.now)

    def test_quiet_at_once(self):
        self.assertIsNone(self.wait([10], 60))
        self.assertEqual(self.said, [])

    def test_waits_until_quiet_and_says_so_once(self):
        self.assertIsNone(self.wait([150, 120, 20], 60))
        self.assertEqual(len(self.said), 1)
        self.assertIn("1.50 cores busy", self.said[0])

    def test_gives_up_with_a_note(self):
        note = self.wait([90] * 10, 3)
        self.assertEqual(note, "before (c): 0.90 cores busy after waiting 3 s")
        self.assertIn("warning: the machine is still busy (0.90 cores) after 3 s; measuring (c) anyway", self.said[-1])


if __name__ == "__main__":
    unittest.main()
