"""Workloads a-f: prepare the data each needs, warm up, measure, and say what was seen."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tests.load.cpu import CpuMeter, cpu_ms_per_request
from tests.load.data import API, Catalog, SeatPool, Users
from tests.load.drivers import hot_seat_bursts, purchases
from tests.load.wrk import THREADS, WrkResult, run_wrk

# Fresh-seat workloads are given this many lines per second of expected rate, per second run.
SUPPLY_MARGIN = 2.0
MIN_LINES = 400
WARMUP_RATE_GUESS = 1500


@dataclass(frozen=True)
class Plan:
    mode: str
    seconds: float
    warmup: float
    hot_seats: int
    burst_width: int = 200
    purchase_concurrency: int = 4


FULL = Plan(mode="full", seconds=10, warmup=3, hot_seats=20)
SMOKE = Plan(mode="smoke", seconds=2, warmup=1, hot_seats=5)


@dataclass
class Seen:
    """What the load generators saw succeed, for the database checks."""

    booking_ids: list[str] = field(default_factory=list)
    confirmed_ids: list[str] = field(default_factory=list)
    hold_shows: list[str] = field(default_factory=list)
    holds: int = 0
    holds_in_flight: int = 0
    hot_seats: list[str] = field(default_factory=list)


@dataclass
class Bench:
    base_url: str
    plan: Plan
    catalog: Catalog
    users: Users
    meter: CpuMeter
    data_dir: Path
    seen: Seen = field(default_factory=Seen)

    def measured(self, run: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
        before = self.meter.snapshot()
        outcome = run()
        return outcome, CpuMeter.split(before, self.meter.snapshot())

    # a, b ---------------------------------------------------------------------------------
    def seat_map(self, title: str, show_id: str, connections: int) -> dict[str, Any]:
        tokens = self.data_dir / "viewers.txt"
        if not tokens.exists():
            tokens.write_text("\n".join(self.users.fresh()[1] for _ in range(200)) + "\n")
        args = [f"{API}/seats/shows/{show_id}", str(tokens)]
        run_wrk(self.base_url, "get.lua", args, connections=connections, seconds=self.plan.warmup)
        result, cpu = self.measured(
            lambda: run_wrk(
                self.base_url, "get.lua", args, connections=connections, seconds=self.plan.seconds
            )
        )
        summary = _wrk_summary(title, connections, result, cpu)
        summary["reply_kb"] = round(result.bytes / max(result.requests, 1) / 1024, 1)
        summary["note"] = f"{summary['reply_kb']} KB per reply"
        return summary

    # c, e ---------------------------------------------------------------------------------
    def _lines(self, name: str, pool: SeatPool, count: int, per_request: int, path: str) -> Path:
        prefix = self.data_dir / name
        lines: list[list[str]] = [[] for _ in range(THREADS)]
        for index, (show_id, seats) in enumerate(pool.selections(count, per_request)):
            _, token = self.users.fresh()
            body = orjson.dumps({"showId": show_id, "showSeatIds": seats}).decode()
            lines[index % THREADS].append(f"{token}\t{body}\n")
        for n, chunk in enumerate(lines, start=1):
            Path(f"{prefix}.{n}").write_text("".join(chunk))
        return prefix

    def _post(
        self, name: str, path: str, pool: SeatPool, per_request: int, conns: int, seconds: float
    ) -> tuple[WrkResult, list[str], dict[str, float]]:
        guess = getattr(self, "_rate_guess", WARMUP_RATE_GUESS)
        # wrk keeps every connection busy, so up to ``conns`` requests are in flight at the end.
        count = max(MIN_LINES, int(guess * seconds * SUPPLY_MARGIN)) + 2 * conns
        data = self._lines(name, pool, count, per_request, path)
        out = self.data_dir / f"{name}.created"
        args = [f"{API}{path}", str(data), str(out)]
        result, cpu = self.measured(
            lambda: run_wrk(self.base_url, "post.lua", args, connections=conns, seconds=seconds)
        )
        ids: list[str] = []
        for n in range(1, THREADS + 1):
            created = Path(f"{out}.{n}")
            if created.exists():
                ids.extend(line for line in created.read_text().splitlines() if line)
        return result, ids, cpu

    def fresh_seats(
        self, name: str, title: str, path: str, per_request: int, connections: int
    ) -> dict[str, Any]:
        warm_pool, pool = SeatPool(self.catalog), SeatPool(self.catalog)
        warm, warm_ids, _ = self._post(
            f"{name}-warmup", path, warm_pool, per_request, connections, self.plan.warmup
        )
        self._rate_guess = max(warm.rate, 50.0)
        result, ids, cpu = self._post(name, path, pool, per_request, connections, self.plan.seconds)
        del self._rate_guess
        if path == "/bookings":
            self.seen.booking_ids += warm_ids + ids
        else:
            self.seen.hold_shows += pool.shows
            self.seen.holds += result.created
            self.seen.holds_in_flight += connections
        summary = _wrk_summary(title, connections, result, cpu)
        summary["created"] = result.created
        summary["exhausted"] = result.exhausted
        summary["statuses"] = result.statuses
        if result.exhausted:
            summary["note"] = f"fresh seats ran out: {result.exhausted} requests reused a line"
        elif path == "/bookings" and len(ids) != result.created:
            summary["note"] = f"{result.created} times 201 but {len(ids)} booking ids logged"
        return summary

    # d ------------------------------------------------------------------------------------
    def hot_seat(self) -> dict[str, Any]:
        show_id = self.catalog.show(big=False)
        seats = self.catalog.seat_ids(show_id)
        width = self.plan.burst_width
        warm_seat, hot = seats[0], seats[1 : 1 + self.plan.hot_seats]
        self.seen.hot_seats += [warm_seat, *hot]

        def crowd(count: int) -> list[list[str]]:
            return [[self.users.fresh()[1] for _ in range(width)] for _ in range(count)]

        warm = asyncio.run(hot_seat_bursts(self.base_url, show_id, [warm_seat], crowd(1)))
        crowds = crowd(len(hot))
        bursts, cpu = self.measured(
            lambda: asyncio.run(hot_seat_bursts(self.base_url, show_id, hot, crowds))
        )
        walls = sorted(burst.wall_ms for burst in bursts)
        statuses: dict[str, int] = {}
        for burst in [*warm, *bursts]:
            self.seen.booking_ids += burst.winners
            for status, count in burst.statuses.items():
                statuses[str(status)] = statuses.get(str(status), 0) + count
        exactly_one = all(len(burst.winners) == 1 for burst in [*warm, *bursts])
        server_errors = sum(count for status, count in statuses.items() if int(status) >= 500)
        requests = len(bursts) * width
        return {
            "title": f"{width} users on one seat, {len(hot)} seats",
            "connections": width,
            "rate": requests / (sum(walls) / 1000),
            "p50_ms": statistics.median(walls),
            "p99_ms": walls[-1],
            "errors": server_errors,
            "non_2xx": sum(count for status, count in statuses.items() if status != "201"),
            "exactly_one": exactly_one,
            "cpu_ms_per_request": cpu_ms_per_request(cpu, requests),
            "statuses": statuses,
            "cpu": cpu,
            "note": "p50/p99 columns are the median and the slowest burst wall time; "
            f"winners per seat: {sorted({len(b.winners) for b in [*warm, *bursts]})}; "
            f"replies {statuses}",
        }

    # f ------------------------------------------------------------------------------------
    def purchase(self) -> dict[str, Any]:
        pool = SeatPool(self.catalog)
        count = int(self.plan.seconds * 200) + 50
        buyers = []
        for show_id, seats in pool.selections(count, 1):
            user_id, token = self.users.fresh()
            buyers.append((user_id, token, show_id, seats))
        warm_count = self.plan.purchase_concurrency * 2
        warm, buyers = buyers[:warm_count], buyers[warm_count:]
        concurrency = self.plan.purchase_concurrency
        asyncio.run(
            purchases(self.base_url, warm, seconds=self.plan.warmup, concurrency=concurrency)
        )
        result, cpu = self.measured(
            lambda: asyncio.run(
                purchases(self.base_url, buyers, seconds=self.plan.seconds, concurrency=concurrency)
            )
        )
        self.seen.booking_ids += result.confirmed
        self.seen.confirmed_ids += result.confirmed
        failures = sum(result.failures.values())
        return {
            "title": "book → pay → CONFIRMED",
            "connections": concurrency,
            "rate": len(result.confirmed) / self.plan.seconds,
            "p50_ms": result.percentile(50),
            "p99_ms": result.percentile(99),
            "errors": failures,
            "non_2xx": failures,
            "confirmed": len(result.confirmed),
            "cpu_ms_per_request": cpu_ms_per_request(cpu, max(len(result.confirmed), 1)),
            "cpu": cpu,
            "note": f"{len(result.confirmed)} purchases confirmed end to end"
            + (f"; failures {result.failures}" if failures else ""),
        }


def _wrk_summary(
    title: str, connections: int, result: WrkResult, cpu: dict[str, float]
) -> dict[str, Any]:
    return {
        "title": title,
        "connections": connections,
        "requests": result.requests,
        "rate": result.rate,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors,
        "non_2xx": result.non_2xx,
        "cpu": cpu,
        "cpu_ms_per_request": cpu_ms_per_request(cpu, result.requests),
    }
