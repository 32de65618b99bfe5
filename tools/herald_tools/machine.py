"""What the benchmark sections say about the machine and the build measured."""
import os
import re
import subprocess


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _output(argv):
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout + result.stderr


def cpu_model(cpuinfo=None):
    found = re.search(r"^model name\s*:\s*(.*)$", _read("/proc/cpuinfo") if cpuinfo is None else cpuinfo, re.M)
    return found.group(1).strip() if found else ""


def memory_gib(meminfo=None):
    """MemTotal with one decimal, as text."""
    found = re.search(r"^MemTotal:\s*([0-9]+)", _read("/proc/meminfo") if meminfo is None else meminfo, re.M)
    return "%.1f" % (int(found.group(1)) / 1048576) if found else "?"


def os_name(os_release=None):
    found = re.search(r'^PRETTY_NAME="?([^"\n]*)"?$', _read("/etc/os-release") if os_release is None else os_release, re.M)
    return found.group(1) if found else "Linux"


def nproc():
    return len(os.sched_getaffinity(0))


def swift_version():
    found = re.search(r"Swift version (\S+)", _output(["swift", "--version"]))
    return found.group(1) if found else ""


def wrk_version():
    """wrk -v prints its banner ("wrk debian/4.1.0-4 [epoll] ...") and exits 1."""
    found = re.match(r"wrk (?:debian/)?(\S+)", _output(["wrk", "-v"]))
    return found.group(1) if found else ""


def git_revision(checkout, paths, dirty_text):
    """The short HEAD of `checkout`, followed by `dirty_text` when `paths` have uncommitted changes."""
    head = subprocess.run(["git", "-C", checkout, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown"
    status = subprocess.run(["git", "-C", checkout, "status", "--porcelain", "--", *paths], capture_output=True, text=True)
    return head.stdout.strip() + (dirty_text if status.stdout.strip() else "")
