import os
import socket
import subprocess
import sys
import unittest

from herald_tools import processes


class PortTests(unittest.TestCase):
    def test_free_port_is_bindable_and_not_avoided(self):
        port = processes.free_port()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # raises if someone held it
        self.assertNotEqual(processes.free_port(avoid={port}), port)

    def test_wait_for_port_sees_a_listener_and_times_out_without_one(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            port = listener.getsockname()[1]
            self.assertTrue(processes.wait_for_port(port, 2))
        self.assertFalse(processes.wait_for_port(port, 0.2))

    def test_wait_for_port_gives_up_when_the_process_is_gone(self):
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        port = processes.free_port()
        self.assertFalse(processes.wait_for_port(port, 30, pid=child.pid))

    def test_command_line_prints_a_port(self):
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(processes.__file__)))
        out = subprocess.run([sys.executable, "-m", "herald_tools.processes", "free-port", "--not", "54329"],
                             capture_output=True, text=True, env=env, check=True).stdout
        self.assertTrue(1 <= int(out) <= 65535)
        self.assertNotEqual(int(out), 54329)


class ProcTests(unittest.TestCase):
    def test_own_process_has_cpu_ticks(self):
        sum(range(2000000))
        self.assertGreater(processes.cpu_ticks(os.getpid()), 0)

    def test_own_process_has_memory_and_is_alive(self):
        rss, hwm = processes.memory_mib(os.getpid())
        self.assertGreater(rss, 0)
        self.assertGreaterEqual(hwm, rss)
        self.assertTrue(processes.alive(os.getpid()))

    def test_gone_process_reads_as_nothing(self):
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        self.assertEqual(processes.memory_mib(child.pid), (None, None))
        self.assertEqual(processes.cpu_ticks(child.pid), 0)
        self.assertFalse(processes.alive(child.pid))


if __name__ == "__main__":
    unittest.main()
