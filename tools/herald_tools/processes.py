"""Process control and /proc readings: free ports, waiting for a server, memory and CPU.

Also a command line for the bash launchers:
    python3 -m herald_tools.processes free-port [--not PORT ...]
    python3 -m herald_tools.processes wait-port PORT [SECONDS]"""
import os
import socket
import sys
import time

from herald_tools import cpu

CLK_TCK = cpu.CLK_TCK


def free_port(avoid=()):
    """A TCP port on 127.0.0.1 nobody listens on right now (the kernel's pick), not in `avoid`."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def port_open(port, host="127.0.0.1", timeout=0.5):
    """True when something accepts connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port, seconds, host="127.0.0.1", pid=None, clock=time.monotonic):
    """Polls until host:port accepts, or `seconds` pass, or process `pid` exits. True when open."""
    deadline = clock() + seconds
    while clock() < deadline:
        if port_open(port, host):
            return True
        if pid is not None and not alive(pid):
            return False
        time.sleep(0.05)
    return port_open(port, host)


def alive(pid):
    """True while process `pid` exists (and is not a zombie we could see)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def memory_mib(pid):
    """(VmRSS, VmHWM) of `pid` in MiB from /proc; (None, None) when it is gone."""
    rss = hwm = None
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, hwm


def cpu_ticks(pid):
    """CPU time `pid` used so far, in clock ticks (CLK_TCK a second); 0 when it is gone. The
    /proc accounting itself is herald_tools.cpu's."""
    return cpu.process_ticks([pid])


def main(argv):
    if argv[:1] == ["free-port"]:
        avoid = {int(p) for flag, p in zip(argv[1::2], argv[2::2]) if flag == "--not"}
        print(free_port(avoid))
    elif argv[:1] == ["wait-port"] and len(argv) in (2, 3):
        return 0 if wait_for_port(int(argv[1]), float(argv[2]) if len(argv) == 3 else 30) else 1
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
