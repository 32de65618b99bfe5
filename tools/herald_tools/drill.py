"""The bookkeeping of a failure drill: checks, figures and the PASS/FAIL line; stopping a process
politely then firmly; polling with a deadline. Used by herald_tools.chaos_drills."""
import json
import signal
import subprocess
import sys
import time

SCRIPT = "scripts/chaos"


def say(text, stream=None):
    """A progress line on stderr, prefixed like the scripts' herald_say."""
    print("%s: %s" % (SCRIPT, text), file=stream or sys.stderr, flush=True)


class DrillAbort(RuntimeError):
    """A scenario cannot go on (a process that never started, a seed that failed): it is recorded
    as FAIL — aborted, and the next scenario runs."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM: stop everything and exit with `status` (130 or 143). A BaseException so
    that no `except Exception` on the way swallows it."""

    def __init__(self, status):
        super().__init__("interrupted (exit %d)" % status)
        self.status = status


def config_main(argv, usage, body, errors, say):
    """The benchmark launchers' one command, `run --config FILE`: reads the JSON config, arms
    SIGINT/SIGTERM (raise_on_signals) and returns body(config); an interrupt returns 130 or 143,
    one of `errors` is said in one line and returns 1."""
    if len(argv) != 3 or argv[:2] != ["run", "--config"]:
        sys.exit(usage)
    raise_on_signals()
    with open(argv[2]) as f:
        config = json.load(f)
    try:
        return body(config)
    except Interrupted as signal_:
        return signal_.status
    except errors as error:
        say("error: %s" % error)
        return 1


def raise_on_signals():
    """SIGINT and SIGTERM raise Interrupted once; later ones are ignored while we clean up.
    SIGINT is set explicitly: a background job of a non-interactive shell starts with it ignored."""
    def handler(number, _frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(130 if number == signal.SIGINT else 143)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


class Scorecard:
    """One scenario's verdict: failed checks and figure lines, written to results.txt and
    figures.txt (tab-separated, the scenario's name first) and echoed as the run goes."""

    def __init__(self, scenario, results_path, figures_path, out=None, err=None):
        self.scenario, self.results_path, self.figures_path = scenario, results_path, figures_path
        self.out, self.err = out, err
        self.failed = []
        self.reported = False

    def check(self, description, passed):
        if not passed:
            self.failed.append(description)
            say("check failed: " + description, self.err)
        return passed

    def figure(self, text):
        with open(self.figures_path, "a") as f:
            f.write("%s\t  %s\n" % (self.scenario, text))
        say("%s: %s" % (self.scenario, text), self.err)

    def report(self, summary):
        """The PASS/FAIL line (stdout and results.txt); FAIL lists the failed checks."""
        verdict = "FAIL" if self.failed else "PASS"
        line = "%s: %s — %s" % (self.scenario, verdict, summary)
        if self.failed:
            line += " — failed: " + ";".join(self.failed)
        self._record(verdict, line)
        return line

    def abort(self, reason, raw_folder):
        """The line of a scenario that ended before its report."""
        line = "%s: FAIL — aborted (%s); see %s" % (self.scenario, reason, raw_folder)
        self._record("FAIL", line)
        return line

    def _record(self, verdict, line):
        print(line, file=self.out or sys.stdout, flush=True)
        with open(self.results_path, "a") as f:
            f.write("%s\t%s\t%s\n" % (self.scenario, verdict, line))
        self.reported = True


def read_results(path):
    """(scenario, verdict, line) rows of results.txt."""
    with open(path) as f:
        return [tuple(line.rstrip("\n").split("\t", 2)) for line in f if line.strip()]


def stop_process(process, grace=15.0, err=None):
    """Stops a Popen child: SIGTERM, then SIGKILL when it is still there after `grace` seconds
    (as scripts/lib.sh's herald_stop_pid); always reaps it. Its exit status."""
    if process.poll() is not None:
        return process.returncode
    try:
        process.terminate()
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        say("pid %d did not stop within %g s of SIGTERM; killing it" % (process.pid, grace), err)
        process.kill()
        return process.wait()


def wait_until(predicate, seconds, interval=0.5, clock=time.monotonic, sleep=time.sleep):
    """Polls `predicate` until it is true or `seconds` pass; an exception in it counts as false
    (the database may be restarting). True when it became true."""
    deadline = clock() + seconds
    while True:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 - a failed poll is a "not yet"
            pass
        if clock() >= deadline:
            return False
        sleep(interval)
