"""How many seat-stream subscribers one gateway process holds, and what one change costs.

``python -m tests.load.seat_stream_fanout --subscribers 1000 2000 --changes 50``

A real gateway process (uvicorn, one worker) on a database of its own; N clients open
``GET /api/v1/seats/shows/{id}/events`` on plain sockets (cheaper than an HTTP client, so the
client side disturbs the two shared cores less), then the script NOTIFYs K seat changes of that
show, shaped as inventory's trigger sends them (a change of two seats), one at a time, and waits
until every subscriber has read each. Reported: the gateway's resident memory per subscriber,
its CPU time per change (the fan-out: one decode, one encode, N queue puts and N frames
written), and the time from NOTIFY to the last subscriber's read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from gateway.config import MIGRATIONS_DIR, SCHEMA
from svckit.migrations import migrate

CHANNEL = "inventory_seat_changes"
DATABASE_URL = "TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Arrivals:
    """Counts each change's readers; ``done`` is set when all of them have read the current one."""

    def __init__(self, readers: int) -> None:
        self.readers = readers
        self.current = 0
        self.count = 0
        self.last = 0.0
        self.done = asyncio.Event()

    def expect(self, event_id: int) -> None:
        self.current, self.count = event_id, 0
        self.done.clear()

    def seen(self, event_id: int) -> None:
        if event_id == self.current:
            self.count += 1
            if self.count == self.readers:
                self.last = time.perf_counter()
                self.done.set()


class Subscriber:
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.ready = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, port: int, show_id: str) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write(
            f"GET /api/v1/seats/shows/{show_id}/events HTTP/1.1\r\nHost: gw\r\n\r\n".encode()
        )
        await self.writer.drain()
        while line := await reader.readline():
            if line.startswith(b"event: ready"):
                self.ready.set()
            elif line.startswith(b"id: "):
                self.arrivals.seen(int(line[4:]))


def payload(event_id: int, show_id: str) -> str:
    seats = [
        {
            "id": str(uuid.uuid4()),
            "row": "H",
            "number": n,
            "change": "held",
            "status": "held",
            "holdExpiresAt": "2026-12-02T01:05:00.000Z",
        }
        for n in (7, 8)
    ]
    return json.dumps({"id": event_id, "show": show_id, "seats": seats})


async def measure(url: str, subscribers: int, changes: int) -> dict[str, float]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "ACCESS_LOG": "false",
        "REDIS_URL": "none",
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gateway", "serve"]
    process = subprocess.Popen(command, env=env)  # noqa: ASYNC220 (started once, waited below)
    try:
        show_id = str(uuid.uuid4())
        deadline = time.monotonic() + 60
        while True:
            try:
                await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # the LISTEN connection opens in the lifespan
        rss_before = rss_mb(process.pid)
        arrivals = Arrivals(subscribers)
        clients = [Subscriber(arrivals) for _ in range(subscribers)]
        tasks = [asyncio.create_task(c.run(port, show_id)) for c in clients]
        async with asyncio.timeout(300):
            for client in clients:
                await client.ready.wait()
        await asyncio.sleep(1.0)
        rss_after = rss_mb(process.pid)
        latencies: list[float] = []
        cpu_before = cpu_seconds(process.pid)
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            for event_id in range(1, changes + 1):
                arrivals.expect(event_id)
                sent = time.perf_counter()
                await conn.execute(
                    "SELECT pg_notify(%s, %s)", (CHANNEL, payload(event_id, show_id))
                )
                async with asyncio.timeout(60):
                    await arrivals.done.wait()
                latencies.append(arrivals.last - sent)
        cpu_used = cpu_seconds(process.pid) - cpu_before
        for client in clients:
            if client.writer is not None:
                client.writer.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        latencies.sort()
        return {
            "subscribers": subscribers,
            "rss_mb_idle": round(rss_before, 1),
            "kb_per_subscriber": round((rss_after - rss_before) * 1024 / subscribers, 1),
            "gateway_cpu_ms_per_change": round(cpu_used * 1000 / changes, 2),
            "gateway_cpu_us_per_delivery": round(cpu_used * 1e6 / changes / subscribers, 1),
            "last_subscriber_ms_p50": round(statistics.median(latencies) * 1000, 1),
            "last_subscriber_ms_max": round(latencies[-1] * 1000, 1),
        }
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    server = os.environ.get(DATABASE_URL, "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"ticketing_fanout_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        migrate(url, MIGRATIONS_DIR, SCHEMA)
        for count in args.subscribers:
            print(json.dumps(asyncio.run(measure(url, count, args.changes))), flush=True)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
