"""The two workloads wrk cannot express: the hot-seat burst (d) and the full purchase (f).

The burst uses a minimal HTTP/1.1 client on raw asyncio streams: the 200 connections are opened
and kept alive before the first burst, then 200 requests are written back to back and the burst
lasts until the last reply is read. That costs the machine far less than a full HTTP client, so
the wall time is the system's, not the load generator's.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import orjson

API = "/api/v1"


@dataclass
class Reply:
    status: int
    body: bytes


class RawConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    def send(self, request: bytes) -> None:
        self._writer.write(request)

    async def reply(self) -> Reply:
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        body = await self._reader.readexactly(length) if length else b""
        return Reply(status, body)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def post_request(host: str, path: str, token: str, body: dict[str, object]) -> bytes:
    payload = orjson.dumps(body)
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


@dataclass
class BurstResult:
    seat_id: str
    wall_ms: float
    statuses: dict[int, int]
    winners: list[str]


async def hot_seat_bursts(
    base_url: str,
    show_id: str,
    seat_ids: list[str],
    users: list[list[str]],
) -> list[BurstResult]:
    """For each seat, ``len(users[i])`` users book it at the same instant."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    width = len(users[0])
    connections = await asyncio.gather(*(RawConnection.open(host, port) for _ in range(width)))
    results: list[BurstResult] = []
    try:
        for seat_id, tokens in zip(seat_ids, users, strict=True):
            requests = [
                post_request(
                    host, f"{API}/bookings", token, {"showId": show_id, "showSeatIds": [seat_id]}
                )
                for token in tokens
            ]
            started = time.perf_counter()
            for connection, request in zip(connections, requests, strict=True):
                connection.send(request)
            replies = await asyncio.gather(*(connection.reply() for connection in connections))
            wall_ms = (time.perf_counter() - started) * 1000
            statuses: dict[int, int] = {}
            winners: list[str] = []
            for reply in replies:
                statuses[reply.status] = statuses.get(reply.status, 0) + 1
                if reply.status == 201:
                    winners.append(str(orjson.loads(reply.body)["id"]))
            results.append(BurstResult(seat_id, wall_ms, statuses, winners))
            await asyncio.sleep(0.05)
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))
    return results


@dataclass
class PurchaseResult:
    latencies_ms: list[float] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, step: str, status: int) -> None:
        key = f"{step}:{status}"
        self.failures[key] = self.failures.get(key, 0) + 1

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(q) - 1]


async def purchases(
    base_url: str,
    buyers: list[tuple[str, str, str, list[str]]],
    *,
    seconds: float,
    concurrency: int,
    confirm_timeout: float = 30.0,
) -> PurchaseResult:
    """Book → initiate → simulate success → poll until CONFIRMED, ``concurrency`` buyers at a
    time for ``seconds``; each buyer is (user id, token, show id, seat ids) and is used once."""
    result = PurchaseResult()
    queue = iter(buyers)
    deadline = time.monotonic() + seconds

    async def one(client: httpx.AsyncClient, buyer: tuple[str, str, str, list[str]]) -> None:
        _, token, show_id, seats = buyer
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        booked = await client.post(
            f"{API}/bookings", json={"showId": show_id, "showSeatIds": seats}, headers=headers
        )
        if booked.status_code != 201:
            return result.fail("book", booked.status_code)
        booking_id = booked.json()["id"]
        initiated = await client.post(
            f"{API}/payments/initiate", json={"bookingId": booking_id}, headers=headers
        )
        if initiated.status_code != 201:
            return result.fail("initiate", initiated.status_code)
        simulated = await client.post(
            f"{API}/payments/simulate/{initiated.json()['sessionId']}",
            json={"outcome": "success"},
            headers=headers,
        )
        if simulated.status_code >= 300:
            return result.fail("simulate", simulated.status_code)
        give_up = time.monotonic() + confirm_timeout
        while time.monotonic() < give_up:
            seen = await client.get(f"{API}/bookings/{booking_id}", headers=headers)
            if seen.status_code == 200 and seen.json()["status"] == "CONFIRMED":
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.confirmed.append(booking_id)
                return None
            await asyncio.sleep(0.02)
        return result.fail("confirm", 0)

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            buyer = next(queue, None)
            if buyer is None:
                return
            await one(client, buyer)

    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return result
