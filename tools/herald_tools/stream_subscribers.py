"""scripts/bench-stream's subscribers and report (Python 3 standard library only).

    python3 -m herald_tools.stream_subscribers subscribe PORT TOKEN PAGES FIRST COUNT SECONDS OUT
        SSE subscribers FIRST..FIRST+COUNT-1 (subscriber i watches page-(i mod PAGES + 1)): connect,
        then record (event id, receive time) for every event for SECONDS s; writes OUT (JSON) and
        OUT.ready (how many connected).
    python3 -m herald_tools.stream_subscribers report OUT_DIR SUBSCRIBERS PAGES
        "changes deliveries expected p50 p99 max missing" from OUT_DIR/changes.csv (id, commit
        epoch) and OUT_DIR/received-*.json; latency in ms, nearest rank."""
import asyncio
import csv
import glob
import json
import os
import sys
import time

from herald_tools import percentiles


async def subscriber(port, token, pages, index, received, ready):
    page = "page-%d" % (index % pages + 1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("GET /v1/stream?page_id=%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % (page, token)).encode())
    await writer.drain()
    buffer = b""
    connected = False
    event_id = None
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        now = time.time()
        buffer += chunk
        # Chunked framing is ignored: SSE lines are matched wherever they are.
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if not connected and line.startswith(b": connected"):
                connected = True
                ready.append(index)
            elif line.startswith(b"id: "):
                event_id = int(line[4:].strip())
            elif line.startswith(b"data: ") and event_id is not None:
                received.append((event_id, now))
                event_id = None


async def subscribe(port, token, pages, first, count, seconds, out):
    received, ready = [], []
    tasks = [asyncio.create_task(subscriber(port, token, pages, first + i, received, ready)) for i in range(count)]
    deadline = time.time() + 30
    while len(ready) < count and time.time() < deadline:
        await asyncio.sleep(0.05)
    with open(out + ".ready", "w") as f:
        f.write(str(len(ready)))
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    with open(out, "w") as f:
        json.dump(received, f)


def report(committed, received_lists, subscribers, pages):
    """The report line from {change id: commit epoch} and lists of (id, receive epoch)."""
    latencies = sorted((at - committed[event_id]) * 1000
                       for received in received_lists for event_id, at in received if event_id in committed)
    # Each change goes to the subscribers of its page: subscribers / pages of them.
    expected = len(committed) * subscribers // pages
    return " ".join(str(x) for x in (
        len(committed), len(latencies), expected, "%.1f" % percentiles.nearest_rank(latencies, 0.5, 0),
        "%.1f" % percentiles.nearest_rank(latencies, 0.99, 0), "%.1f" % (latencies[-1] if latencies else 0),
        expected - len(latencies)))


def main(argv):
    command, args = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "subscribe" and len(args) == 7:
        port, token, pages, first, count, seconds, out = args
        asyncio.run(subscribe(int(port), token, int(pages), int(first), int(count), float(seconds), out))
    elif command == "report" and len(args) == 3:
        out = args[0]
        with open(os.path.join(out, "changes.csv")) as f:
            committed = {int(i): float(t) for i, t in csv.reader(f)}
        received = []
        for path in glob.glob(os.path.join(out, "received-*.json")):
            with open(path) as f:
                received.append(json.load(f))
        print(report(committed, received, int(args[1]), int(args[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
