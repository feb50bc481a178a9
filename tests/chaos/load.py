"""The chaos run's load: many users holding seats, booking them and buying them end to end.

Every user is new (a uuid and a token) and takes seats nobody touched before, so every write is
expected to succeed; a request is retried on 502/503/504, a dropped connection, or 409
IDEMPOTENCY_KEY_IN_USE (documented as retryable), always with the same Idempotency-Key and body.
Every attempt that was not an answer is recorded with its time, so errors can be laid against
the faults afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.load.data import Users

API = "/api/v1"
RETRY_STATUSES = frozenset({502, 503, 504})
IN_USE = "IDEMPOTENCY_KEY_IN_USE"
ACTIONS = ("hold", "book", "purchase")


@dataclass
class Failure:
    """An attempt that was not an answer, ``at`` the time it came back: ``code`` is ``"503"``,
    ``"409 IDEMPOTENCY_KEY_IN_USE"`` or the connection error's class name."""

    at: float
    code: str
    step: str


@dataclass
class Call:
    step: str
    method: str
    path: str
    token: str
    body: dict[str, Any] | None
    key: str | None
    status: int = 0
    reply: bytes = b""
    retries: list[str] = field(default_factory=list)
    gave_up: bool = False

    @property
    def json(self) -> dict[str, Any]:
        import orjson

        value: dict[str, Any] = orjson.loads(self.reply) if self.reply else {}
        return value


@dataclass
class Purchase:
    user_id: str
    show_id: str
    seats: list[str]
    booking_id: str = ""
    calls: list[Call] = field(default_factory=list)
    confirmed: bool = False
    final_status: str = ""


@dataclass
class LoadResult:
    started: float = 0.0
    finished: float = 0.0
    attempts: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    holds: list[tuple[str, str, list[str]]] = field(default_factory=list)
    bookings: list[tuple[str, str]] = field(default_factory=list)  # (user id, booking id)
    purchases: list[Purchase] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    # Bookings retried after a fault and then refused 409 SEATS_UNAVAILABLE: (user id, seat ids,
    # what the attempts saw); the checks find out whose the seats are.
    refused_after_retry: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    out_of_seats: bool = False


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return ""


class Load:
    def __init__(
        self,
        base_url: str,
        users: Users,
        seats: list[tuple[str, str]],
        *,
        concurrency: int,
        give_up_seconds: float,
        confirm_seconds: float,
        seed: int = 13,
    ) -> None:
        self.base_url = base_url
        self.users = users
        self._seats = seats
        self._concurrency = concurrency
        self._give_up = give_up_seconds
        self._confirm = confirm_seconds
        self._rng = random.Random(seed)
        self.result = LoadResult()
        self.stopping = asyncio.Event()
        self.retrying = 0  # requests between a failed attempt and their answer

    def _take(self, count: int) -> tuple[str, list[str]] | None:
        """``count`` fresh seats of one show."""
        while len(self._seats) >= count:
            taken, self._seats = self._seats[:count], self._seats[count:]
            if len({show for show, _ in taken}) == 1:
                return taken[0][0], [seat for _, seat in taken]
        self.result.out_of_seats = True
        return None

    async def send(
        self,
        client: httpx.AsyncClient,
        step: str,
        method: str,
        path: str,
        token: str,
        body: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        keep: bool = True,
    ) -> Call:
        """One request, retried until it is answered (or ``give_up_seconds`` pass)."""
        call = Call(step, method, path, token, body, key)
        headers = {"Authorization": f"Bearer {token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        give_up = time.monotonic() + self._give_up
        pause = 0.05
        try:
            return await self._attempts(client, call, headers, give_up, pause, keep)
        finally:
            if call.retries:
                self.retrying -= 1

    async def _attempts(
        self,
        client: httpx.AsyncClient,
        call: Call,
        headers: dict[str, str],
        give_up: float,
        pause: float,
        keep: bool,
    ) -> Call:
        method, path, body, step = call.method, call.path, call.body, call.step
        while True:
            wait = pause
            self.result.attempts.append(time.monotonic())
            try:
                response = await client.request(method, path, json=body, headers=headers)
            except httpx.TransportError as exc:
                code = type(exc).__name__
            else:
                error = _error_code(response) if response.status_code >= 400 else ""
                if response.status_code in RETRY_STATUSES:
                    code = str(response.status_code)
                elif response.status_code == 409 and error == IN_USE:
                    code = f"409 {IN_USE}"
                    wait = min(float(response.headers.get("Retry-After", "1")), 1.0)
                else:
                    call.status, call.reply = response.status_code, response.content
                    if response.status_code < 300:
                        self.result.successes.append(time.monotonic())
                    if keep:
                        self.result.calls.append(call)
                    return call
            # When the client saw it fail: a request sent just before a fault fails with it.
            self.result.failures.append(Failure(time.monotonic(), code, step))
            if not call.retries:
                self.retrying += 1
            call.retries.append(code)
            if time.monotonic() >= give_up:
                call.gave_up = True
                if keep:
                    self.result.calls.append(call)
                return call
            await asyncio.sleep(wait)
            pause = min(pause * 2, 0.5)

    def _expect(self, call: Call, *statuses: int) -> bool:
        if call.status in statuses:
            return True
        what = "gave up" if call.gave_up else f"{call.status} {call.reply[:300]!r}"
        self.result.unexpected.append(f"{call.step} {call.path}: {what} after {call.retries}")
        return False

    async def hold(self, client: httpx.AsyncClient) -> None:
        taken = self._take(2)
        if taken is None:
            return
        show_id, seats = taken
        user_id, token = self.users.fresh()
        body = {"showId": show_id, "showSeatIds": seats}
        call = await self.send(
            client, "hold", "POST", f"{API}/bookings/hold-seats", token, body, key=_key()
        )
        if self._expect(call, 201):
            self.result.holds.append((user_id, show_id, seats))

    async def _book(
        self, client: httpx.AsyncClient, user_id: str, token: str, show_id: str, seats: list[str]
    ) -> Call:
        body = {"showId": show_id, "showSeatIds": seats}
        call = await self.send(client, "book", "POST", f"{API}/bookings", token, body, key=_key())
        if call.retries and call.status == 409 and b"SEATS_UNAVAILABLE" in call.reply:
            self.result.refused_after_retry.append((user_id, seats, call.retries))
            return Call(call.step, call.method, call.path, token, body, call.key, status=-1)
        return call

    async def book(self, client: httpx.AsyncClient) -> None:
        taken = self._take(2)
        if taken is None:
            return
        user_id, token = self.users.fresh()
        call = await self._book(client, user_id, token, *taken)
        if call.status != -1 and self._expect(call, 201):
            self.result.bookings.append((user_id, str(call.json["id"])))

    async def purchase(self, client: httpx.AsyncClient) -> None:
        taken = self._take(1)
        if taken is None:
            return
        user_id, token = self.users.fresh()
        purchase = Purchase(user_id, *taken)
        booked = await self._book(client, user_id, token, purchase.show_id, purchase.seats)
        purchase.calls.append(booked)
        if booked.status == -1 or not self._expect(booked, 201):
            return
        purchase.booking_id = str(booked.json["id"])
        self.result.purchases.append(purchase)
        initiated = await self.send(
            client,
            "initiate",
            "POST",
            f"{API}/payments/initiate",
            token,
            {"bookingId": purchase.booking_id},
            key=_key(),
        )
        purchase.calls.append(initiated)
        if not self._expect(initiated, 201):
            return
        simulated = await self.send(
            client,
            "simulate",
            "POST",
            f"{API}/payments/simulate/{initiated.json['sessionId']}",
            token,
            {"outcome": "success"},
            key=_key(),
        )
        purchase.calls.append(simulated)
        # The simulation takes no key: an attempt cut off after the provider took the payment
        # is answered 409 "already PAID" when resent; that is the same result.
        already = (
            simulated.retries and simulated.status == 409 and b"already paid" in simulated.reply
        )
        if not already and not self._expect(simulated, 200, 201):
            return
        give_up = time.monotonic() + self._confirm
        while time.monotonic() < give_up:
            seen = await self.send(
                client,
                "status",
                "GET",
                f"{API}/bookings/{purchase.booking_id}",
                token,
                keep=False,
            )
            if seen.status == 200:
                purchase.final_status = str(seen.json["status"])
                if purchase.final_status == "CONFIRMED":
                    purchase.confirmed = True
                    return
                if purchase.final_status not in ("PENDING",):
                    return  # expired before the payment arrived: refunded, checked later
            await asyncio.sleep(0.1)

    async def _user(self, client: httpx.AsyncClient, weights: tuple[int, ...]) -> None:
        while not self.stopping.is_set() and not self.result.out_of_seats:
            action = self._rng.choices(ACTIONS, weights)[0]
            await getattr(self, action)(client)

    async def run(self, weights: tuple[int, ...] = (3, 3, 4)) -> None:
        """Users until ``stopping`` is set; each finishes the action it is in."""
        self.result.started = time.monotonic()
        limits = httpx.Limits(max_connections=self._concurrency * 2)
        timeout = httpx.Timeout(60.0, connect=10.0)
        async with httpx.AsyncClient(
            base_url=self.base_url, limits=limits, timeout=timeout
        ) as client:
            await asyncio.gather(*(self._user(client, weights) for _ in range(self._concurrency)))
        self.result.finished = time.monotonic()


def _key() -> str:
    return str(uuid.uuid4())
