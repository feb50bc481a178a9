"""A gateway killed mid-request leaves its Idempotency-Key in flight in PostgreSQL: the key must be
free again as soon as the dead owner's upstream deadline has passed, and a retry before that must
be told plainly to retry (409 IDEMPOTENCY_KEY_IN_USE with Retry-After)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from gateway.idempotency import LEASE_GRACE_SECONDS
from gateway.state import Gateway
from tests.integration.gateway.conftest import StartGateway, app_of, auth
from tests.integration.gateway.fakes import SEAT_1, SHOW, USER, Fakes
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

DEADLINE = 1.0
BODY = {"showId": SHOW, "userId": USER, "showSeatIds": [SEAT_1]}


def _kill_without_cleanup(client: httpx.AsyncClient) -> None:
    """What SIGKILL does to a gateway: its keys stay as they are, nothing releases them."""
    gateway: Gateway = app_of(client).state.gateway

    async def nothing(*_: Any) -> None:
        return None

    gateway.idempotency.release = nothing  # type: ignore[method-assign,assignment]
    gateway.idempotency.complete = nothing  # type: ignore[method-assign,assignment]


async def test_a_key_whose_gateway_died_is_free_once_the_owners_deadline_passes(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    dying = await start_gateway(grpc_deadline_seconds=DEADLINE)
    survivor = await start_gateway(grpc_deadline_seconds=DEADLINE)
    default = upstream.booking.defaults["CreateBooking"]
    never = asyncio.Event()

    async def first_call_hangs(request: Any, context: Any) -> Any:
        if len(upstream.booking.calls_to("CreateBooking")) == 1:
            await never.wait()
        return await default(request, context)

    upstream.booking.on("CreateBooking", first_call_hangs)
    headers = {**auth(), "Idempotency-Key": str(uuid.uuid4())}
    claimed_at = time.monotonic()
    in_flight = asyncio.create_task(dying.post("/api/v1/bookings", json=BODY, headers=headers))

    async def reached_booking() -> bool:
        return bool(upstream.booking.calls_to("CreateBooking"))

    await eventually(reached_booking, message="the first request reached booking")
    _kill_without_cleanup(dying)
    in_flight.cancel()
    await asyncio.gather(in_flight, return_exceptions=True)

    early = await survivor.post("/api/v1/bookings", json=BODY, headers=headers)
    assert time.monotonic() - claimed_at < DEADLINE, "the retry came too late to see the lease"
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert early.json()["error"]["details"]["retryable"] == "true"
    assert early.headers["retry-after"] == "1"

    async def retried() -> httpx.Response:
        response = await survivor.post("/api/v1/bookings", json=BODY, headers=headers)
        assert response.status_code == 201, response.text
        return response

    booked = await eventually(retried, timeout=10, interval=0.1, message="the key was taken over")
    freed_after = time.monotonic() - claimed_at

    assert "idempotent-replayed" not in booked.headers
    assert freed_after < DEADLINE + LEASE_GRACE_SECONDS + 1.5, freed_after  # not 30 s
    assert len(upstream.booking.calls_to("CreateBooking")) == 2
    replay = await survivor.post("/api/v1/bookings", json=BODY, headers=headers)
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    assert replay.json() == booked.json()
