"""Idempotency-Key against real PostgreSQL: replay, conflicts, release on failure, expiry."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from gateway.state import Gateway
from tests.integration.gateway.conftest import StartGateway, app_of, auth
from tests.integration.gateway.fakes import (
    BOOKING,
    OTHER_USER,
    SEAT_1,
    SEAT_2,
    SHOW,
    USER,
    AlreadyExists,
    Fakes,
)
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

BODY = {"showId": SHOW, "userId": USER, "showSeatIds": [SEAT_1]}


def with_key(key: str, user_id: str = USER) -> dict[str, str]:
    return {**auth(user_id), "Idempotency-Key": key}


async def book(client: httpx.AsyncClient, key: str, body: dict[str, Any] = BODY) -> httpx.Response:
    return await client.post("/api/v1/bookings", json=body, headers=with_key(key))


async def test_same_key_and_body_replays_the_first_answer_without_calling_booking_again(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    key = str(uuid.uuid4())
    first = await book(client, key)
    # The same request spelled differently (alias, field order) is the same request.
    second = await book(client, key, {"seatIds": [SEAT_1], "userId": USER, "showId": SHOW})

    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert len(upstream.booking.calls_to("CreateBooking")) == 1


async def test_without_a_key_every_request_reaches_booking(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    for _ in range(2):
        response = await client.post("/api/v1/bookings", json=BODY, headers=auth())
        assert response.status_code == 201
    assert len(upstream.booking.calls_to("CreateBooking")) == 2


async def test_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    key = str(uuid.uuid4())
    assert (await book(client, key)).status_code == 201

    other = await book(client, key, {**BODY, "showSeatIds": [SEAT_1, SEAT_2]})

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(upstream.booking.calls_to("CreateBooking")) == 1


async def test_same_key_while_the_first_request_runs_is_409_then_replays(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    release = asyncio.Event()
    default = upstream.booking.defaults["CreateBooking"]

    async def slow(request: Any, context: Any) -> Any:
        await release.wait()
        return await default(request, context)

    upstream.booking.on("CreateBooking", slow)
    key = str(uuid.uuid4())
    first = asyncio.create_task(book(client, key))

    async def reached_booking() -> bool:
        return bool(upstream.booking.calls_to("CreateBooking"))

    await eventually(reached_booking, message="the first request reached booking")

    concurrent = await book(client, key)
    release.set()
    completed = await first
    replay = await book(client, key)

    assert concurrent.status_code == 409
    assert concurrent.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert concurrent.headers["retry-after"] == "1"
    assert completed.status_code == 201
    assert replay.status_code == 201
    assert replay.json() == completed.json()
    assert len(upstream.booking.calls_to("CreateBooking")) == 1


async def test_a_5xx_releases_the_key_so_a_retry_runs_again(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    default = upstream.booking.defaults["CreateBooking"]

    async def crash_once(request: Any, context: Any) -> Any:
        upstream.booking.on("CreateBooking", default)
        raise RuntimeError("database exploded")

    upstream.booking.on("CreateBooking", crash_once)
    key = str(uuid.uuid4())

    failed = await book(client, key)
    retried = await book(client, key)

    assert failed.status_code == 500
    assert failed.json()["error"]["message"] == "internal error in the booking service"
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert len(upstream.booking.calls_to("CreateBooking")) == 2


async def test_a_conflict_answer_is_stored_and_replayed(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def taken(request: Any, context: Any) -> Any:
        raise AlreadyExists(
            "seat A1 is held by another user", reason="SEATS_TAKEN", details={"seat_ids": SEAT_1}
        )

    upstream.booking.on("CreateBooking", taken)
    key = str(uuid.uuid4())

    first = await book(client, key)
    second = await book(client, key)

    assert first.status_code == second.status_code == 409
    assert first.json()["error"]["code"] == "SEATS_TAKEN"
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len(upstream.booking.calls_to("CreateBooking")) == 1


async def test_keys_are_scoped_per_user(client: httpx.AsyncClient, upstream: Fakes) -> None:
    key = str(uuid.uuid4())
    mine = await client.post("/api/v1/bookings", json=BODY, headers=with_key(key))
    theirs = await client.post(
        "/api/v1/bookings", json={**BODY, "userId": OTHER_USER}, headers=with_key(key, OTHER_USER)
    )

    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["userId"] == OTHER_USER
    assert len(upstream.booking.calls_to("CreateBooking")) == 2


async def test_payment_initiation_and_refund_honour_the_key(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    initiate_key, refund_key = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"bookingId": BOOKING, "userId": USER}
    initiated = [
        await client.post("/api/v1/payments/initiate", json=body, headers=with_key(initiate_key))
        for _ in range(2)
    ]
    refunded = [
        await client.post(f"/api/v1/payments/refund/{BOOKING}", headers=with_key(refund_key))
        for _ in range(2)
    ]

    assert [r.status_code for r in initiated] == [201, 201]
    assert initiated[1].json() == initiated[0].json()
    assert [r.status_code for r in refunded] == [200, 200]
    assert refunded[1].headers["idempotent-replayed"] == "true"
    assert len(upstream.payment.calls_to("InitiatePayment")) == 1
    assert len(upstream.payment.calls_to("RefundBooking")) == 1


async def test_keys_expire_after_the_ttl(start_gateway: StartGateway, upstream: Fakes) -> None:
    client = await start_gateway(idempotency_ttl_hours=0.5 / 3600)  # half a second
    key = str(uuid.uuid4())
    assert (await book(client, key)).status_code == 201

    async def runs_again() -> bool:
        response = await book(client, key)
        assert response.status_code == 201
        return "idempotent-replayed" not in response.headers

    await eventually(runs_again, timeout=10, interval=0.1, message="the key expired")
    gateway: Gateway = app_of(client).state.gateway
    await eventually(gateway.idempotency.delete_expired, message="expired keys are deleted")
