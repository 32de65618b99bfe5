"""scripts/chaos's flow: runs the named failure drills one after the other, each on what a Stack
starts (stopped when it ends or aborts), records PASS/FAIL lines and figures in the run's folder
and prints the summary block. The launcher (scripts/chaos) builds or finds the binaries, creates
the throwaway cluster and writes the run's config.json (jq); this reads it:

    python3 -m herald_tools.chaos_drills run --config OUT/config.json

Exit status: 0 when every scenario passed, 1 otherwise (or on a bad config), 130/143 on
SIGINT/SIGTERM (everything started is stopped first). The scenarios: chaos_sends (worker-crash,
graph-outage) and chaos_ingest (db-restart, poison)."""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback

from herald_tools import chaos_ingest, chaos_sends
from herald_tools.drill import DrillAbort, Interrupted, Scorecard, raise_on_signals, read_results, say
from herald_tools.drill_stack import Stack

SCENARIOS = {
    "worker-crash": chaos_sends.worker_crash,
    "db-restart": chaos_ingest.db_restart,
    "graph-outage": chaos_sends.graph_outage,
    "poison": chaos_ingest.poison,
}

# The fixed shape of the drills, set in scripts/chaos (all integers).
PARAMETERS = (
    "crash_messages", "crash_customers", "crash_concurrency", "crash_latency_ms", "crash_kill_every", "crash_lease",
    "db_rate", "db_duration", "db_stop_at", "db_down_for",
    "outage_seconds", "outage_messages", "outage_max_attempts", "outage_cap_messages", "temporary_retries",
    "poison_normal", "poison_bad", "poison_max_attempts",
)


class ConfigError(ValueError):
    pass


class Config:
    """config.json, checked: every field present and of its type, binaries executable."""

    def __init__(self, data):
        def need(container, key, kind, where=""):
            if not isinstance(container, dict) or key not in container:
                raise ConfigError("config: missing %s%s" % (where, key))
            value = container[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError("config: %s%s must be %s" % (where, key, getattr(kind, "__name__", kind)))
            return value

        self.root = need(data, "root", str)
        self.out_dir = need(data, "out_dir", str)
        binaries = need(data, "binaries", dict)
        self.herald = need(binaries, "herald", str, "binaries.")
        self.fake_graph = need(binaries, "fake_graph", str, "binaries.")
        self.herald_bench = need(binaries, "herald_bench", str, "binaries.")
        for binary in (self.herald, self.fake_graph, self.herald_bench):
            if not os.access(binary, os.X_OK):
                raise ConfigError("config: %s is not an executable" % binary)
        self.bin_dir = need(data, "bin_dir", str)
        self.migrations_dir = need(data, "migrations_dir", str)
        if not os.path.isdir(self.migrations_dir):
            raise ConfigError("config: migrations_dir %s is not a folder" % self.migrations_dir)
        self.cluster_url = need(data, "cluster_url", str)
        self.admin_url = need(data, "admin_url", str)
        for key in ("cluster_url", "admin_url"):
            if not getattr(self, key).startswith("postgresql://"):
                raise ConfigError("config: %s must be a postgresql:// URL" % key)
        command = need(data, "cluster_command", dict)
        argv, env = need(command, "argv", list, "cluster_command."), need(command, "env", dict, "cluster_command.")
        if not argv or not all(isinstance(a, str) for a in argv) or not all(isinstance(v, str) for v in env.values()):
            raise ConfigError("config: cluster_command needs a non-empty argv and env of strings")
        self.cluster_command = {"argv": argv, "env": env}
        secrets = need(data, "secrets", dict)
        self.app_secret, self.verify_token, self.api_token, self.admin_token = (
            need(secrets, key, str, "secrets.") for key in ("app_secret", "verify_token", "api_token", "admin_token"))
        self.page_id = need(data, "page_id", str)
        if not self.page_id.isdigit():
            raise ConfigError("config: page_id must be digits")
        self.scenarios = need(data, "scenarios", list)
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if not self.scenarios or unknown:
            raise ConfigError("config: scenarios must name some of %s (unknown: %s)" % (", ".join(SCENARIOS), unknown))
        parameters = need(data, "parameters", dict)
        self.p = {key: need(parameters, key, int, "parameters.") for key in PARAMETERS}
        if any(value <= 0 for key, value in self.p.items() if key != "crash_latency_ms"):
            raise ConfigError("config: parameters must be positive")
        summary = need(data, "summary", dict)
        self.summary = {key: need(summary, key, str, "summary.")
                        for key in ("command_line", "bin_dir_env", "cluster_port", "cluster_dir")}
        self.started_at = need(summary, "started_at", int, "summary.")


def load_config(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        raise ConfigError("config: cannot read %s: %s" % (path, error))
    return Config(data)


def duration(seconds):
    """As scripts/lib.sh's herald_duration: 3m07s, 42s."""
    seconds = int(seconds)
    return "%dm%02ds" % divmod(seconds, 60) if seconds >= 60 else "%ds" % seconds


def run(config, out=None):
    """Runs the scenarios; the exit status."""
    raise_on_signals()
    results, figures = os.path.join(config.out_dir, "results.txt"), os.path.join(config.out_dir, "figures.txt")
    open(results, "w").close()
    open(figures, "w").close()
    raw = os.path.relpath(config.out_dir, config.root) + "/"
    for name in config.scenarios:
        say("=== " + name)
        started = time.monotonic()
        card = Scorecard(name, results, figures, out)
        interrupted = None
        try:
            with Stack(config) as stack:
                SCENARIOS[name](stack, card, config.p)
        except Interrupted as signal:
            interrupted = signal
        except Exception as error:  # noqa: BLE001 - an aborted scenario is a FAIL, the next one runs
            if not isinstance(error, DrillAbort):
                traceback.print_exc(file=sys.stderr)
            reason = str(error) or type(error).__name__
            say("%s aborted: %s" % (name, reason))
            if not card.reported:
                card.abort(reason, raw)
        if interrupted is not None:
            if not card.reported:
                card.abort("interrupted", raw)
            return interrupted.status
        if not card.reported:
            card.abort("no report", raw)
        say("%s took %s" % (name, duration(time.monotonic() - started)))
    summary = summary_text(config, read_results(results), figures)
    print(summary, end="", file=out or sys.stdout, flush=True)
    with open(os.path.join(config.out_dir, "summary.txt"), "w") as f:
        f.write(summary)
    return 1 if any(verdict == "FAIL" for _, verdict, _ in read_results(results)) else 0


def git(folder, *args):
    result = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def machine():
    with open("/proc/meminfo") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal"))
    return "%d cores, %.0f GiB, %s %s" % (os.cpu_count(), kib / 1048576, platform.system(), platform.release())


def summary_text(config, results, figures_path):
    """The block that ends the run: date, command, commits, machine, then each line with its figures."""
    s = config.summary
    commit = git(config.root, "rev-parse", "--short", "HEAD") or "unknown"
    dirty = " + uncommitted changes" if git(config.root, "status", "--porcelain", "--untracked-files=no") else ""
    bin_commit = git(config.bin_dir, "rev-parse", "--short", "HEAD")
    lines = ["", "== scripts/chaos summary",
             "date:     " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "command:  " + s["command_line"] + (" (HERALD_BIN_DIR=%s)" % s["bin_dir_env"] if s["bin_dir_env"] else ""),
             "checkout: " + commit + dirty,
             "binaries: %s%s (migrations: %s)" % ("built from %s, " % bin_commit if bin_commit else "", config.bin_dir,
                                                  config.migrations_dir),
             "machine:  " + machine(),
             "cluster:  throwaway PostgreSQL on 127.0.0.1:%s in %s (destroyed at exit)" % (s["cluster_port"], s["cluster_dir"]),
             "duration: " + duration(time.time() - config.started_at),
             "raw:      " + os.path.relpath(config.out_dir, config.root) + "/"]
    with open(figures_path) as f:
        figure_rows = [line.rstrip("\n").split("\t", 1) for line in f if "\t" in line]
    for name, _, line in results:
        lines += ["", line]
        lines += [text for scenario, text in figure_rows if scenario == name]
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(prog="herald_tools.chaos_drills", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        say("error: %s" % error)
        return 1
    try:
        return run(config)
    except Interrupted as signal:  # between scenarios or in the summary
        return signal.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
