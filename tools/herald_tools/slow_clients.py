"""scripts/bench-slow-clients's clients and probes (Python 3 standard library only).

    python3 -m herald_tools.slow_clients clients PORT COUNT TOKEN HOLD_SECONDS OUT
        Slow clients: connect, send a request's head and 1 byte of its 100 KB body, then wait for
        the server to close. Writes OUT (one line per client: seconds from its connect to the
        close, or -1) and OUT.connected (how many connected).
    python3 -m herald_tools.slow_clients probe PORT SECONDS INTERVAL OUT
        GET /healthz on a new connection every INTERVAL s for SECONDS s; one latency (ms) per
        line of OUT, or -1.
    python3 -m herald_tools.slow_clients percentiles FILE
        "p50 p99 failures count" of FILE's non-negative values (nearest rank).
    python3 -m herald_tools.slow_clients lives FILE READ_TIMEOUT
        "cut early min median max" of the connections the server closed."""
import asyncio
import socket
import sys
import time

from herald_tools import percentiles


def request_heads(token):
    """The two slow requests: a webhook and an API send, each promising a 100 KB body."""
    webhook = ("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Signature-256: sha256=" + "0" * 64 +
               "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{").encode()
    send = ("POST /v1/pages/p/customers/c/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
            "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{").encode()
    return webhook, send


async def slow_clients(port, count, token, hold, out):
    webhook, send = request_heads(token)

    async def client(index, lives, connected):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            lives[index] = -2.0
            return
        start = time.monotonic()
        writer.write(webhook if index % 2 == 0 else send)
        await writer.drain()
        connected.append(index)
        try:
            while await asyncio.wait_for(reader.read(65536), timeout=hold):
                pass
            lives[index] = time.monotonic() - start
        except (asyncio.TimeoutError, OSError):
            lives[index] = -1.0
        writer.close()

    lives, connected = [-1.0] * count, []
    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(client(index, lives, connected)))
        if index % 200 == 199:
            await asyncio.sleep(0.05)  # paced, so the listen backlog never overflows
    while len(connected) + lives.count(-2.0) < count:
        await asyncio.sleep(0.05)
    with open(out + ".connected", "w") as f:
        f.write(str(len(connected)))
    await asyncio.gather(*tasks)
    with open(out, "w") as f:
        f.write("\n".join("%.3f" % life for life in lives) + "\n")


def probe(port, seconds, interval, out):
    latencies, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            latencies.append((time.monotonic() - start) * 1000 if data.startswith(b"HTTP/1.1 200") else -1)
        except OSError:
            latencies.append(-1)
        time.sleep(interval)
    with open(out, "w") as f:
        f.write("\n".join("%.3f" % latency for latency in latencies) + "\n")


def read_values(path):
    with open(path) as f:
        return [float(v) for v in f.read().split()]


def probe_summary(values):
    """"p50 p99 failures count" of the non-negative values (failures are negative)."""
    ok = [v for v in values if v >= 0]
    nan = float("nan")
    return "%.2f %.2f %d %d" % (percentiles.nearest_rank(ok, 0.5, nan), percentiles.nearest_rank(ok, 0.99, nan),
                                len(values) - len(ok), len(values))


def lives_summary(lives, timeout):
    """"cut early min median max": connections the server closed, those closed before the read
    timeout (less 0.1 s), and the shortest, median and longest life of those cut."""
    cut = sorted(v for v in lives if v >= 0)
    early = sum(1 for v in cut if v < timeout - 0.1)
    return " ".join(str(x) for x in (len(cut), early, "%.2f" % cut[0] if cut else "-",
                                     "%.2f" % cut[len(cut) // 2] if cut else "-", "%.2f" % cut[-1] if cut else "-"))


def main(argv):
    command, args = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "clients" and len(args) == 5:
        asyncio.run(slow_clients(int(args[0]), int(args[1]), args[2], float(args[3]), args[4]))
    elif command == "probe" and len(args) == 4:
        probe(int(args[0]), float(args[1]), float(args[2]), args[3])
    elif command == "percentiles" and len(args) == 1:
        print(probe_summary(read_values(args[0])))
    elif command == "lives" and len(args) == 2:
        print(lives_summary(read_values(args[0]), float(args[1])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
