"""Fixed-rate load: request i is due at start + i / rate, whoever sends it. Threads share one
schedule, so a slow answer delays only the thread that waits for it, not the rate offered."""
import threading
import time


def due_time(start, index, rate):
    """When request `index` (0-based) is due, for `rate` requests a second from `start`."""
    return start + index / rate


def request_count(rate, duration):
    """Requests a schedule of `rate` per second offers in `duration` seconds."""
    return int(rate * duration)


class Schedule:
    """Hands out request indices to threads in order, until `total` requests or `end` (an epoch
    time, whichever comes first), and sleeps each caller until its request is due."""

    def __init__(self, start, rate, total=None, end=None, stop=None, clock=time.time, sleep=time.sleep):
        self.start, self.rate, self.total, self.end = start, rate, total, end
        self.stop = stop  # a threading.Event that ends the schedule early, or None
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0

    def take(self):
        """The next request's index once it is due, or None when the schedule is over."""
        with self._lock:
            index = self._next
            self._next += 1
        if self.total is not None and index >= self.total:
            return None
        due = due_time(self.start, index, self.rate)
        if (self.end is not None and due >= self.end) or (self.stop is not None and self.stop.is_set()):
            return None
        delay = due - self.clock()
        if delay > 0:
            self.sleep(delay)
        return index


def run_threads(count, target, name="worker", daemon=False, start=True):
    """`count` threads running `target()`; started unless start=False. Returns them."""
    threads = [threading.Thread(target=target, name="%s-%d" % (name, k), daemon=daemon) for k in range(count)]
    if start:
        for thread in threads:
            thread.start()
    return threads
