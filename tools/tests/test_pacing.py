import threading
import unittest

from herald_tools import pacing


class FakeClock:
    """A clock that only moves when the schedule sleeps, so pacing is checked without waiting."""

    def __init__(self, now):
        self.now = now
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class ScheduleMathTests(unittest.TestCase):
    def test_request_i_is_due_i_over_rate_after_the_start(self):
        self.assertEqual(pacing.due_time(100.0, 0, 50), 100.0)
        self.assertEqual(pacing.due_time(100.0, 50, 50), 101.0)
        self.assertAlmostEqual(pacing.due_time(100.0, 1, 500), 100.002)

    def test_request_count_is_rate_times_duration_rounded_down(self):
        self.assertEqual(pacing.request_count(500, 30), 15000)
        self.assertEqual(pacing.request_count(2.5, 3), 7)


class ScheduleTests(unittest.TestCase):
    def test_hands_out_indices_in_order_each_at_its_due_time(self):
        clock = FakeClock(10.0)
        schedule = pacing.Schedule(10.0, 4, total=5, clock=clock.time, sleep=clock.sleep)
        taken = []
        while (i := schedule.take()) is not None:
            taken.append((i, clock.now))
        self.assertEqual([i for i, _ in taken], [0, 1, 2, 3, 4])
        for i, at in taken:
            self.assertAlmostEqual(at, 10.0 + i / 4)

    def test_does_not_sleep_when_behind(self):
        clock = FakeClock(20.0)  # ten seconds late
        schedule = pacing.Schedule(10.0, 1, total=3, clock=clock.time, sleep=clock.sleep)
        self.assertEqual([schedule.take() for _ in range(4)], [0, 1, 2, None])
        self.assertEqual(clock.sleeps, [])

    def test_ends_at_the_end_time(self):
        clock = FakeClock(0.0)
        schedule = pacing.Schedule(0.0, 10, end=1.0, clock=clock.time, sleep=clock.sleep)
        indices = []
        while (i := schedule.take()) is not None:
            indices.append(i)
        self.assertEqual(indices, list(range(10)))  # request 10 is due at 1.0: not before the end

    def test_ends_when_stopped(self):
        clock = FakeClock(0.0)
        stop = threading.Event()
        schedule = pacing.Schedule(0.0, 10, stop=stop, clock=clock.time, sleep=clock.sleep)
        self.assertEqual(schedule.take(), 0)
        stop.set()
        self.assertIsNone(schedule.take())

    def test_threads_share_one_schedule_without_duplicates(self):
        schedule = pacing.Schedule(0.0, 1e9, total=2000)  # all due at once: no real sleeping
        taken, lock = [], threading.Lock()

        def worker():
            while (i := schedule.take()) is not None:
                with lock:
                    taken.append(i)

        for thread in pacing.run_threads(8, worker):
            thread.join()
        self.assertEqual(sorted(taken), list(range(2000)))


if __name__ == "__main__":
    unittest.main()
