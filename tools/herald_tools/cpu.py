"""Where the CPU time goes during a measurement, from /proc (ticks of CLK_TCK), as scripts/bench
and scripts/bench-scale report it in cores busy:

    machine          user + nice + system + irq + softirq of all cores (steal and idle excluded)
    herald           the measured herald processes
    Postgres         the postmaster, its live children, and the children it reaped meanwhile
                     (pgbench's backends end with the run, so they are counted there)
    load generator   children the measuring process reaped meanwhile (wrk, pgbench, psql)
    else             what is left: anything else running on the machine (a build, other tests)

Every reader takes the /proc root, so the tests run on fake /proc text.

A command line for the bash launchers that sample CPU between two points themselves
(bench-ingest, bench-pipeline):
    python3 -m herald_tools.cpu ticks PID...             utime + stime of the processes
    python3 -m herald_tools.cpu postgres-ticks DATA_DIR  the cluster of DATA_DIR (see above)
    python3 -m herald_tools.cpu per-event BEFORE AFTER N [DIGITS]
                                                     (AFTER - BEFORE) ticks as µs per event
                                                     (DIGITS decimals, default 1)"""
import collections
import os
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROC = "/proc"

Snapshot = collections.namedtuple("Snapshot", "machine herald postgres load t")
Cores = collections.namedtuple("Cores", "busy herald postgres load other")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def machine_ticks(proc=PROC):
    """user + nice + system + irq + softirq of the `cpu ` line of /proc/stat."""
    for line in (_read(os.path.join(proc, "stat")) or "").splitlines():
        if line.startswith("cpu "):
            f = [int(v) for v in line.split()[1:]]
            return f[0] + f[1] + f[2] + f[5] + f[6]
    raise RuntimeError("no cpu line in %s/stat" % proc)


def stat_words(pid, proc=PROC):
    """The fields of /proc/PID/stat after the command name (which may hold spaces and
    parentheses): word 0 is field 3 (state), so utime, stime, cutime, cstime are words 11-14.
    None when the process is gone."""
    text = _read(os.path.join(proc, str(pid), "stat"))
    if not text or ")" not in text:
        return None
    return text.rsplit(")", 1)[1].split()


def process_ticks(pids, proc=PROC):
    """utime + stime of the processes (0 for one that is gone)."""
    total = 0
    for pid in pids:
        words = stat_words(pid, proc)
        if words:
            total += int(words[11]) + int(words[12])
    return total


def reaped_ticks(pid, proc=PROC):
    """cutime + cstime: the CPU time of the children `pid` waited for."""
    words = stat_words(pid, proc)
    return int(words[13]) + int(words[14]) if words else 0


def children(pid, proc=PROC):
    """The live children of `pid` (as pgrep -P)."""
    found = []
    for name in os.listdir(proc):
        if name.isdigit():
            words = stat_words(name, proc)
            if words and words[1] == str(pid):
                found.append(int(name))
    return sorted(found)


def postgres_ticks(postmaster, proc=PROC):
    """The postmaster, its live children, and what it reaped; 0 without a postmaster."""
    if not postmaster:
        return 0
    return process_ticks([postmaster] + children(postmaster, proc), proc) + reaped_ticks(postmaster, proc)


def postmaster_pid(data_directory):
    """The first line of DATA/postmaster.pid, or None."""
    text = _read(os.path.join(data_directory, "postmaster.pid"))
    first = (text or "").split("\n", 1)[0].strip()
    return int(first) if first.isdigit() else None


class Sampler:
    """Snapshots of the machine, the herald processes, Postgres and this process' reaped
    children; `cores` turns two of them into cores busy."""

    def __init__(self, postmaster, proc=PROC, self_pid=None, clock=time.time, clk_tck=CLK_TCK):
        self.postmaster, self.proc, self.clock, self.clk_tck = postmaster, proc, clock, clk_tck
        self.self_pid = self_pid or os.getpid()

    def snapshot(self, herald_pids=()):
        return Snapshot(machine_ticks(self.proc), process_ticks(herald_pids, self.proc),
                        postgres_ticks(self.postmaster, self.proc), reaped_ticks(self.self_pid, self.proc),
                        self.clock())

    def cores(self, before, after):
        return cores(before, after, self.clk_tck)


def cores(before, after, clk_tck=CLK_TCK):
    """Cores busy between two snapshots, each rounded to 2 decimals. "else" is never below 0
    (the parts are sampled a few ms apart)."""
    elapsed = after.t - before.t

    def c(ticks):
        return round(ticks / clk_tck / elapsed, 2) if elapsed > 0 else 0.0

    busy, herald = after.machine - before.machine, after.herald - before.herald
    pg, load = after.postgres - before.postgres, after.load - before.load
    other = c(busy - herald - pg - load)
    return Cores(c(busy), c(herald), c(pg), c(load), other if other > 0 else 0.0)


def wait_for_quiet(name, quiet_cores, wait_seconds, say, proc=PROC, clk_tck=CLK_TCK,
                   sleep=time.sleep, clock=time.monotonic):
    """Waits (at most `wait_seconds`) until fewer than `quiet_cores` cores are busy over one
    second. None when the machine got quiet, else the note for the report."""
    deadline = clock() + wait_seconds
    said = False
    while True:
        b0 = machine_ticks(proc)
        sleep(1)
        busy = round((machine_ticks(proc) - b0) / clk_tck, 2)
        if busy < quiet_cores:
            return None
        if clock() >= deadline:
            say("warning: the machine is still busy (%.2f cores) after %d s; measuring %s anyway"
                % (busy, wait_seconds, name))
            return "before %s: %.2f cores busy after waiting %d s" % (name, busy, wait_seconds)
        if not said:
            say("something else keeps %.2f cores busy; waiting up to %d s for a quiet machine before %s"
                % (busy, wait_seconds, name))
        said = True


def per_event_us(before, after, events, clk_tck=CLK_TCK):
    """Ticks spent between two readings, in microseconds per event (events below 1 count as 1)."""
    return (int(after) - int(before)) * 1e6 / clk_tck / max(int(events), 1)


def main(argv, proc=PROC, out=print):
    """The command line above; returns the exit status."""
    if len(argv) >= 2 and argv[0] == "ticks":
        out(process_ticks([int(pid) for pid in argv[1:]], proc))
    elif len(argv) == 2 and argv[0] == "postgres-ticks":
        out(postgres_ticks(postmaster_pid(argv[1]), proc))
    elif len(argv) in (4, 5) and argv[0] == "per-event":
        digits = int(argv[4]) if len(argv) == 5 else 1
        out("%.*f" % (digits, per_event_us(argv[1], argv[2], argv[3])))
    else:
        out("usage: python3 -m herald_tools.cpu ticks PID... | postgres-ticks DATA_DIR | per-event BEFORE AFTER N [DIGITS]")
        return 2
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
