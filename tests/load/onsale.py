"""Workload g, the on-sale: a crowd joins a show's waiting room, is let in at the room's rate,
and each person admitted buys 1-4 seats the way a person would.

One show (10,000 seats in a full run, the 100-seat screen in a smoke run) is created through the
admin API with ``onSaleAt`` a little ahead, a waiting room (people per minute, a cap) and the
no-orphan rule. Every user joins before ``onSaleAt``; then each one asks for its place, sleeping
about half its estimated wait between asks, until it is admitted. An admitted user, when one of
``concurrency`` buying slots is free, opens the seat stream, reads the seat map once after the
stream's ``ready``, holds seats (best available for 1-4; ``by_hand`` of them pick a block from the
map they read, and fall back to best available when that is refused), books them with an
Idempotency-Key, pays (initiate + simulated success) and polls the booking until it is
CONFIRMED. A best-available hold told ``NO_ADJACENT_SEATS`` asks for one seat fewer; told so for
one seat, the show is sold out and those still waiting go home. The run is bounded by
``seconds`` after ``onSaleAt`` (flows under way then are allowed to finish).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from tests.load.cpu import CpuMeter, Snapshot
from tests.load.data import Catalog, Users

API = "/api/v1"
STEPS = ("join", "admitted_wait", "map_read", "hold", "book", "pay", "confirm")
CONFIRM_TIMEOUT = 30.0
CONFIRM_POLL = 0.1
SOLD_OUT_POLL = 2.0


@dataclass(frozen=True)
class OnSalePlan:
    big: bool  # the 10,000-seat screen (100 rows of 100), else the 100-seat one
    users: int
    lead_seconds: float  # onSaleAt this long after the show is created
    admit_per_minute: int
    max_active: int
    concurrency: int  # users buying at once
    seconds: float  # the sale's time bound after onSaleAt
    by_hand: float = 0.2  # share of users who pick their seats from the map
    join_concurrency: int = 32


FULL_ONSALE = OnSalePlan(
    big=True,
    users=4500,
    lead_seconds=40,
    # What the purchase path sustained on the shared 2-core machine (about 200 purchases a
    # minute; 1,800 a minute only piled the admitted up behind the buying slots), and a cap
    # the 300 s sale reaches (a pass lasts 10 minutes, so it counts everyone admitted).
    admit_per_minute=300,
    max_active=1200,
    concurrency=48,
    seconds=300,
)
SMOKE_ONSALE = OnSalePlan(
    big=False,
    users=60,
    lead_seconds=3,
    admit_per_minute=1200,
    max_active=50,
    concurrency=12,
    seconds=30,
)


@dataclass
class OnSaleRun:
    show_id: str = ""
    on_sale_at: float = 0.0  # time.monotonic() of onSaleAt
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    purchase_ms: list[float] = field(default_factory=list)  # admitted → CONFIRMED
    joined: int = 0
    admitted: int = 0
    by_hand: int = 0
    by_hand_refused: int = 0
    stranding_holds: int = 0
    confirmed: list[str] = field(default_factory=list)
    seats_confirmed: int = 0
    last_confirmed_at: float = 0.0
    sold_out_at: float | None = None
    no_seats: int = 0  # admitted after the last seat went
    failures: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    transport_errors: int = 0
    retried: int = 0  # reads (and keyed writes) asked again after a broken connection
    busy: int = 0  # bookings sent again after 409 SEATS_BUSY (a row lock not granted in time)

    def fail(self, step: str, status: int | str) -> None:
        key = f"{step}:{status}"
        self.failures[key] = self.failures.get(key, 0) + 1
        if isinstance(status, int) and status >= 500:
            self.server_errors += 1
        elif not isinstance(status, int):
            self.transport_errors += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _code(response: httpx.Response) -> str | None:
    """The error code of an answer in the API's error shape."""
    try:
        return str(orjson.loads(response.content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


class _Failed(Exception):
    pass


def create_show(catalog: Catalog, plan: OnSalePlan) -> tuple[str, dt.datetime]:
    """The on-sale show, its waiting room and the no-orphan rule, as an admin sets them up."""
    catalog._start += dt.timedelta(hours=4)
    on_sale = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=plan.lead_seconds)
    show = catalog._post(
        "/shows",
        {
            "movieId": catalog.movie,
            "screenId": catalog.big_screen if plan.big else catalog.small_screen,
            "startTime": catalog._start.isoformat(),
            "currency": "INR",
            "prices": [
                {"tier": "REGULAR", "amount": 20000},
                {"tier": "PREMIUM", "amount": 30000},
                {"tier": "VIP", "amount": 45000},
            ],
            "onSaleAt": on_sale.isoformat().replace("+00:00", "Z"),
            "waitingRoom": {"admitPerMinute": plan.admit_per_minute, "maxActive": plan.max_active},
        },
    )
    show_id = str(show["id"])
    catalog.shows.append(show_id)
    rules = catalog.client.put(
        f"{API}/seats/shows/{show_id}/rules",
        json={"noOrphanSeats": True},
        headers={"Authorization": f"Bearer {catalog.admin_token}"},
        timeout=60,
    )
    if rules.status_code != 200 or not rules.json().get("noOrphanSeats"):
        raise RuntimeError(f"PUT rules: {rules.status_code} {rules.text[:300]}")
    return show_id, on_sale


def _blocks_from_map(seats: list[dict[str, Any]], count: int) -> list[list[str]]:
    """Runs of ``count`` adjacent available seats in the map a user read."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for seat in seats:
        rows.setdefault(seat["row"], []).append(seat)
    blocks: list[list[str]] = []
    for row in rows.values():
        row.sort(key=lambda seat: seat["number"])
        for start in range(len(row) - count + 1):
            block = row[start : start + count]
            if block[-1]["number"] - block[0]["number"] != count - 1:
                continue
            if all(seat["status"] == "available" for seat in block):
                blocks.append([seat["id"] for seat in block])
    return blocks


async def on_sale(
    base_url: str,
    plan: OnSalePlan,
    show_id: str,
    on_sale_at: dt.datetime,
    tokens: list[str],
    *,
    snapshot: Callable[[], Snapshot],
    seed: int = 7,
) -> tuple[OnSaleRun, list[Snapshot]]:
    """Drive the on-sale; the CPU snapshots are taken at the start, at onSaleAt and at the end."""
    rng = random.Random(seed)
    run = OnSaleRun(show_id=show_id)
    snapshots = [snapshot()]
    now_wall, now_mono = time.time(), time.monotonic()
    run.on_sale_at = now_mono + (on_sale_at.timestamp() - now_wall)
    deadline = run.on_sale_at + plan.seconds
    sold_out = asyncio.Event()
    slots = asyncio.Semaphore(plan.concurrency)
    # The queue's requests (joins, then the status asks) share a few connections: thousands of
    # requests waiting inside httpx's pool at once would cost the load generator more than the
    # system under test (its pool looks through every waiting request at each hand-over).
    asks = asyncio.Semaphore(plan.join_concurrency)
    timeout = httpx.Timeout(30.0, pool=600.0)
    limits = httpx.Limits(max_connections=plan.concurrency * 3 + plan.join_concurrency)
    stream_limits = httpx.Limits(max_connections=plan.concurrency + 4)

    async def call(
        client: httpx.AsyncClient, step: str, method: str, path: str, token: str, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        # A read, or a write with an Idempotency-Key, is asked again once when the connection
        # broke (a kept-alive connection the server had just closed), as a browser would.
        tries = 2 if method == "GET" or "Idempotency-Key" in headers else 1
        for attempt in range(tries):
            try:
                return await client.request(method, path, headers=headers, **kw)
            except httpx.TransportError as exc:
                if attempt + 1 < tries:
                    run.retried += 1
                    continue
                run.fail(step, type(exc).__name__)
                raise _Failed from exc
        raise AssertionError("unreachable")

    async def timed(step: str, started: float) -> None:
        run.steps[step].append((time.perf_counter() - started) * 1000)

    async def stream_ready(streams: httpx.AsyncClient, token: str, ready: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with streams.stream(
            "GET", f"{API}/seats/shows/{show_id}/events", headers=headers
        ) as r:
            if r.status_code != 200:
                run.fail("stream", r.status_code)
                ready.set()
                return
            async for line in r.aiter_lines():
                if line == "event: ready":
                    ready.set()
                # then keep reading the changes as they come, until the user is done

    async def hold(
        client: httpx.AsyncClient, token: str, count: int, seats: list[dict[str, Any]]
    ) -> list[str] | None:
        if rng.random() < plan.by_hand:
            run.by_hand += 1
            blocks = _blocks_from_map(seats, count)
            if blocks:
                chosen = rng.choice(blocks)
                held = await call(
                    client,
                    "hold",
                    "POST",
                    f"{API}/bookings/hold-seats",
                    token,
                    json={"showId": show_id, "showSeatIds": chosen},
                )
                if held.status_code == 201:
                    return chosen
                if held.status_code != 409:
                    run.fail("hold-seats", held.status_code)
                    return None
                run.by_hand_refused += 1  # taken meanwhile, or it would strand a seat
        while count > 0:
            best = await call(
                client,
                "hold",
                "POST",
                f"{API}/bookings/hold-best",
                token,
                json={"showId": show_id, "count": count},
            )
            if best.status_code == 201:
                body = best.json()
                run.stranding_holds += bool(body.get("strandsSeats"))
                return [seat["id"] for seat in body["seats"]]
            if best.status_code != 409:
                run.fail("hold-best", best.status_code)
                return None
            count -= 1
        return []

    async def buy(
        client: httpx.AsyncClient, streams: httpx.AsyncClient, token: str, admitted: float
    ) -> None:
        ready = asyncio.Event()
        started = time.perf_counter()
        reader = asyncio.create_task(stream_ready(streams, token, ready))
        try:
            await asyncio.wait_for(ready.wait(), 30)
            page = await call(client, "map", "GET", f"{API}/seats/shows/{show_id}", token)
            if page.status_code != 200:
                return run.fail("map", page.status_code)
            seats = orjson.loads(page.content)["seats"]
            await timed("map_read", started)
            started = time.perf_counter()
            held = await hold(client, token, rng.randint(1, 4), seats)
            if held is None:
                return None
            if not held:
                run.no_seats += 1
                if run.sold_out_at is None:
                    run.sold_out_at = time.monotonic()
                sold_out.set()
                return None
            await timed("hold", started)
            started = time.perf_counter()

            def book(key: str) -> Awaitable[httpx.Response]:
                return call(
                    client,
                    "book",
                    "POST",
                    f"{API}/bookings",
                    token,
                    json={"showId": show_id, "showSeatIds": held},
                    headers={"Idempotency-Key": key},
                )

            key = str(uuid.uuid4())
            booked = await book(key)
            # 409 SEATS_BUSY (a row lock not granted in time, nothing written) says "try again":
            # a person would click again, which is a new request, under a new key (the answer is
            # kept under the first). Counted, and shown in the note.
            if booked.status_code == 409 and _code(booked) == "SEATS_BUSY":
                run.busy += 1
                key = str(uuid.uuid4())
                booked = await book(key)
            if booked.status_code >= 500:  # the key makes a second try safe
                booked = await book(key)
            if booked.status_code != 201:
                return run.fail("book", booked.status_code)
            booking_id = booked.json()["id"]
            await timed("book", started)
            started = time.perf_counter()
            initiated = await call(
                client,
                "pay",
                "POST",
                f"{API}/payments/initiate",
                token,
                json={"bookingId": booking_id},
            )
            if initiated.status_code != 201:
                return run.fail("initiate", initiated.status_code)
            simulated = await call(
                client,
                "pay",
                "POST",
                f"{API}/payments/simulate/{initiated.json()['sessionId']}",
                token,
                json={"outcome": "success"},
            )
            if simulated.status_code >= 300:
                return run.fail("simulate", simulated.status_code)
            await timed("pay", started)
            started = time.perf_counter()
            give_up = time.monotonic() + CONFIRM_TIMEOUT
            while time.monotonic() < give_up:
                seen = await call(client, "confirm", "GET", f"{API}/bookings/{booking_id}", token)
                if seen.status_code == 200 and seen.json()["status"] == "CONFIRMED":
                    await timed("confirm", started)
                    run.confirmed.append(booking_id)
                    run.seats_confirmed += len(held)
                    run.last_confirmed_at = time.monotonic()
                    run.purchase_ms.append((time.monotonic() - admitted) * 1000)
                    return None
                await asyncio.sleep(CONFIRM_POLL)
            return run.fail("confirm", "timeout")
        except _Failed:
            return None
        except TimeoutError:
            return run.fail("stream", "timeout")
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def watch_sold_out(client: httpx.AsyncClient, token: str) -> None:
        """The sale is over once no seat is left to hold: those still waiting go home."""
        while not sold_out.is_set():
            await asyncio.sleep(SOLD_OUT_POLL)
            try:
                left = await call(
                    client, "watch", "GET", f"{API}/seats/shows/{show_id}/available", token
                )
            except _Failed:
                continue
            if left.status_code == 200 and orjson.loads(left.content)["count"] == 0:
                if run.sold_out_at is None:
                    run.sold_out_at = time.monotonic()
                sold_out.set()

    async def user(client: httpx.AsyncClient, streams: httpx.AsyncClient, token: str) -> None:
        path = f"{API}/shows/{show_id}/queue"
        try:
            async with asks:
                started = time.perf_counter()
                joined = await call(client, "join", "POST", path, token)
            if joined.status_code != 200:
                return run.fail("join", joined.status_code)
            await timed("join", started)
            run.joined += 1
            status = joined.json()
            # Nothing happens before onSaleAt: come back then (a second of spread, like people).
            await asyncio.sleep(max(0.0, run.on_sale_at - time.monotonic()) + rng.random())
            while not status["admitted"]:
                if sold_out.is_set() or time.monotonic() > deadline:
                    return None
                async with asks:
                    asked = await call(client, "status", "GET", path, token)
                if asked.status_code != 200:
                    return run.fail("status", asked.status_code)
                status = asked.json()
                if not status["admitted"]:
                    wait = status.get("estimatedWaitSeconds") or 0
                    await asyncio.sleep(min(max(wait / 2, 0.5), 5.0) * (0.8 + 0.4 * rng.random()))
            admitted = time.monotonic()
            run.admitted += 1
            run.steps["admitted_wait"].append((admitted - run.on_sale_at) * 1000)
            async with slots:
                if sold_out.is_set() or time.monotonic() > deadline:
                    return None
                await buy(client, streams, token, admitted)
        except _Failed:
            return None

    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client,
        httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=stream_limits) as streams,
    ):
        tasks = [asyncio.create_task(user(client, streams, token)) for token in tokens]
        await asyncio.sleep(max(0.0, run.on_sale_at - time.monotonic()))
        snapshots.append(snapshot())
        watcher = asyncio.create_task(watch_sold_out(client, tokens[0]))
        await asyncio.gather(*tasks)
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    snapshots.append(snapshot())
    return run, snapshots


def make_tokens(users: Users, count: int) -> list[str]:
    return [users.fresh()[1] for _ in range(count)]


def summarise(
    run: OnSaleRun, plan: OnSalePlan, snapshots: list[Snapshot], users: int
) -> dict[str, Any]:
    """Workload g's entry in the results (``rate``: seats sold per second of the sale)."""
    start, opened, end = snapshots
    sale_cpu = CpuMeter.split(opened, end)
    whole_cpu = CpuMeter.split(start, end)
    ended = run.sold_out_at or run.last_confirmed_at or (end.at if end.at else run.on_sale_at)
    last_sale = run.last_confirmed_at or ended
    sale_seconds = max(last_sale - run.on_sale_at, 1e-3)
    system_cpu_s = sale_cpu.get("system", 0.0) * sale_cpu.get("window_s", 0.0)
    room_cpu_s = whole_cpu.get("waitingroom", 0.0) * whole_cpu.get("window_s", 0.0)
    steps = {
        step: {
            "n": len(values),
            "p50_ms": round(percentile(values, 50), 1),
            "p99_ms": round(percentile(values, 99), 1),
        }
        for step, values in run.steps.items()
    }
    errors = run.server_errors + run.transport_errors
    unexpected = sum(run.failures.values())
    sold_out = run.sold_out_at is not None
    return {
        "title": f"on-sale, {'10,000' if plan.big else '100'} seats, {users:,} users",
        "connections": plan.concurrency,
        "rate": run.seats_confirmed / sale_seconds,
        "p50_ms": percentile(run.purchase_ms, 50),
        "p99_ms": percentile(run.purchase_ms, 99),
        "errors": errors,
        "non_2xx": unexpected,
        "confirmed": len(run.confirmed),
        "seats_sold": run.seats_confirmed,
        "sold_out": sold_out,
        "sale_seconds": round(sale_seconds, 2),
        "steps": steps,
        "joined": run.joined,
        "admitted": run.admitted,
        "by_hand": run.by_hand,
        "by_hand_refused": run.by_hand_refused,
        "stranding_holds": run.stranding_holds,
        "failures": run.failures,
        "retried": run.retried,
        "busy_retried": run.busy,
        "cpu": sale_cpu,
        "cpu_whole": whole_cpu,
        "cpu_ms_per_request": round(system_cpu_s * 1000 / max(run.seats_confirmed, 1), 2),
        "waitingroom_cpu_ms_per_user": round(room_cpu_s * 1000 / max(run.joined, 1), 3),
        "plan": {
            "users": users,
            "admit_per_minute": plan.admit_per_minute,
            "max_active": plan.max_active,
            "concurrency": plan.concurrency,
            "lead_seconds": plan.lead_seconds,
            "bound_seconds": plan.seconds,
            "by_hand": plan.by_hand,
        },
        "note": (
            f"{'sold out' if sold_out else 'not sold out'}: {run.seats_confirmed:,} seats in "
            f"{len(run.confirmed):,} purchases confirmed {sale_seconds:.1f} s after onSaleAt "
            f"({users:,} joined the queue, {run.admitted:,} admitted at "
            f"{plan.admit_per_minute:,}/min, cap {plan.max_active:,}, {plan.concurrency} buying "
            f"at once; {run.by_hand} picked by hand, {run.by_hand_refused} of them refused and "
            f"sent to best available; {run.stranding_holds} best-available holds stranded a "
            f"seat); p50/p99 columns: admitted → CONFIRMED; CPU ms/req: per seat sold; waiting "
            f"room CPU {room_cpu_s * 1000 / max(run.joined, 1):.2f} ms per user"
            + (f"; {run.busy} bookings sent again after 409 SEATS_BUSY" if run.busy else "")
            + (f"; failures {run.failures}" if run.failures else "")
        ),
    }


def run_on_sale(bench: Any, plan: OnSalePlan) -> dict[str, Any]:
    """Workload g on the bench's system (``bench``: a ``tests.load.workloads.Bench``)."""
    tokens = make_tokens(bench.users, plan.users)
    show_id, on_sale_at = create_show(bench.catalog, plan)
    run, snapshots = asyncio.run(
        on_sale(bench.base_url, plan, show_id, on_sale_at, tokens, snapshot=bench.meter.snapshot)
    )
    bench.seen.booking_ids += run.confirmed
    bench.seen.confirmed_ids += run.confirmed
    summary = summarise(run, plan, snapshots, len(tokens))
    summary["show_id"] = show_id
    return summary
