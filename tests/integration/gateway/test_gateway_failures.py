"""What a client sees when a service refuses, fails, is down or is slow; rate limits."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio

from tests.integration.gateway.conftest import StartGateway, auth
from tests.integration.gateway.fakes import (
    BOOKING,
    OTHER_USER,
    SEAT_1,
    SEAT_2,
    SHOW,
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FakeError,
    Fakes,
    FakeService,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    start_fake,
    stop_fake,
)

pytestmark = pytest.mark.integration

HOLD = {"showId": SHOW, "showSeatIds": [SEAT_1]}


@pytest_asyncio.fixture(loop_scope="session")
async def stopped_booking() -> AsyncIterator[FakeService]:
    """A booking service that was running and has been stopped (its port refuses)."""
    fake = await start_fake("booking")
    await stop_fake(fake)
    yield fake


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidArgument("showSeatIds: too many"), 400),
        (FailedPrecondition("the show has started"), 400),
        (Unauthenticated("no caller"), 401),
        (PermissionDenied("not your booking"), 403),
        (NotFound("booking not found"), 404),
        (AlreadyExists("seats taken"), 409),
        (Aborted("booking is CONFIRMED"), 409),
        (ResourceExhausted("slow down"), 429),
    ],
)
async def test_service_statuses_map_to_http_by_the_grpc_gateway_table(
    client: httpx.AsyncClient, upstream: Fakes, error: FakeError, status: int
) -> None:
    async def refuse(request: Any, context: Any) -> Any:
        raise error

    upstream.booking.on("GetBooking", refuse)

    response = await client.get(f"/api/v1/bookings/{BOOKING}", headers=auth())

    assert response.status_code == status
    assert response.json()["error"]["message"] == str(error)


async def test_error_info_becomes_the_code_and_the_details(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def taken(request: Any, context: Any) -> Any:
        raise AlreadyExists(
            "seats A1, A2 are held by another user",
            reason="SEATS_TAKEN",
            details={"seat_ids": f"{SEAT_1},{SEAT_2}", "show_id": SHOW},
        )

    upstream.inventory.on("HoldSeats", taken)

    response = await client.post("/api/v1/bookings/hold-seats", json=HOLD, headers=auth())

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "SEATS_TAKEN",
            "message": "seats A1, A2 are held by another user",
            "details": {"seatIds": f"{SEAT_1},{SEAT_2}", "showId": SHOW},
        }
    }


async def test_a_service_bug_is_a_500_that_leaks_nothing(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def crash(request: Any, context: Any) -> Any:
        raise RuntimeError("password=hunter2")

    upstream.booking.on("GetBooking", crash)

    response = await client.get(f"/api/v1/bookings/{BOOKING}", headers=auth())

    assert response.status_code == 500
    assert "hunter2" not in response.text
    assert response.json()["error"]["message"] == "internal error in the booking service"


async def test_a_service_that_is_down_is_503(
    start_gateway: StartGateway, stopped_booking: FakeService
) -> None:
    client = await start_gateway(booking_addr=f"127.0.0.1:{stopped_booking.port}")

    response = await client.post("/api/v1/bookings", json=HOLD, headers=auth())

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["code"] == "UNAVAILABLE"
    assert error["details"]["service"] == "booking"
    assert "127.0.0.1" not in error["message"]


async def test_a_service_that_does_not_answer_in_time_is_504(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    never = asyncio.Event()

    async def hang(request: Any, context: Any) -> Any:
        await never.wait()

    upstream.inventory.on("GetSeatMap", hang)
    client = await start_gateway(grpc_deadline_seconds=0.2)

    response = await client.get(f"/api/v1/seats/shows/{SHOW}")

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "DEADLINE_EXCEEDED"
    assert response.json()["error"]["details"] == {"service": "inventory"}


async def test_holds_and_bookings_are_rate_limited_per_user(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(rate_limit_per_minute=2)

    holds = [
        await client.post("/api/v1/bookings/hold-seats", json=HOLD, headers=auth())
        for _ in range(3)
    ]
    someone_else = await client.post(
        "/api/v1/bookings/hold-seats", json=HOLD, headers=auth(OTHER_USER)
    )
    booking = await client.post("/api/v1/bookings", json=HOLD, headers=auth())

    assert [response.status_code for response in holds] == [201, 201, 429]
    limited = holds[2]
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["retry-after"]) >= 1
    assert someone_else.status_code == 201
    assert booking.status_code == 201
    assert len(upstream.inventory.calls_to("HoldSeats")) == 3


async def test_the_webhook_passes_raw_bytes_and_the_signature_untouched(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    payload = b'{ "id":"evt_1",\n  "type": "payment.success", "note": "caf\xc3\xa9" }\t\xff'
    signature = "t=1769821200,v1=deadbeef,v1=cafe"

    response = await client.post(
        "/api/v1/payments/webhook",
        content=payload,
        headers={"X-Payment-Signature": signature, "Content-Type": "application/json"},
    )

    assert response.status_code == 200
    assert response.json() == {"status": "processed", "eventId": "evt_1"}
    (call,) = upstream.payment.calls_to("HandleWebhook")
    assert call.request.payload == payload
    assert call.request.signature == signature


async def test_a_rejected_webhook_signature_is_a_4xx(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def reject(request: Any, context: Any) -> Any:
        raise Unauthenticated("signature mismatch", reason="BAD_SIGNATURE")

    upstream.payment.on("HandleWebhook", reject)

    response = await client.post(
        "/api/v1/payments/webhook", content=b"{}", headers={"X-Payment-Signature": "t=1,v1=00"}
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "BAD_SIGNATURE"


async def test_health_is_200_when_every_service_serves(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "services": {
            "catalog": "SERVING",
            "inventory": "SERVING",
            "booking": "SERVING",
            "payment": "SERVING",
            "waitingroom": "SERVING",
        },
    }


async def test_health_is_503_naming_the_stopped_service(
    start_gateway: StartGateway, stopped_booking: FakeService
) -> None:
    client = await start_gateway(
        booking_addr=f"127.0.0.1:{stopped_booking.port}", health_timeout_seconds=1
    )

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    document = response.json()
    assert document["status"] == "unavailable"
    assert document["services"]["booking"] in (
        grpc.StatusCode.UNAVAILABLE.name,
        grpc.StatusCode.DEADLINE_EXCEEDED.name,
    )
    assert document["services"]["catalog"] == "SERVING"
    assert document["error"]["message"] == "not serving: booking"
    assert list(document["error"]["details"]) == ["booking"]


async def test_an_unreachable_idempotency_store_is_a_503_not_a_500(
    start_gateway: StartGateway,
) -> None:
    with socket.socket() as sock:  # a port where no PostgreSQL listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = await start_gateway(database_url=f"postgresql://postgres@127.0.0.1:{port}/gone")
    response = await client.post(
        "/api/v1/bookings",
        json={"showId": SHOW, "showSeatIds": [SEAT_1]},
        headers={**auth(), "Idempotency-Key": "db-down-1"},
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "IDEMPOTENCY_STORE_UNAVAILABLE"
