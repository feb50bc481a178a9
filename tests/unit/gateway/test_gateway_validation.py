"""The bad-input table: every malformed request is a 4xx with the error body, never a 5xx.

The app runs with its lifespan but no service is reachable: none of these requests may get as
far as calling one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import ValidationError

from gateway.app import create_app
from gateway.auth import TokenSettings, issue_token
from gateway.config import Config
from gateway.schemas.bookings import CreateBookingRequest

pytestmark = pytest.mark.unit

SECRET = "unit-validation-secret-0123456789abcdef"
USER = "11111111-1111-4111-8111-111111111111"
SHOW = "5d9c2f4e-7a41-4c6b-9b1e-0f6f3d2a9c10"
SEAT = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a61"
MOVIE = "3a1f6c2e-8d4b-4f7a-9c1e-2b3d4e5f6a7b"
NOWHERE = "127.0.0.1:9"


def seats(count: int) -> list[str]:
    return [f"0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f{index:04x}" for index in range(count)]


def headers(roles: list[str] | None = None) -> dict[str, str]:
    settings = TokenSettings(SECRET, "ticketing", "ticketing-api")
    return {"Authorization": f"Bearer {issue_token(settings, USER, roles or [])}"}


@pytest_asyncio.fixture(loop_scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    config = Config(
        jwt_secret=SECRET,
        access_log=False,
        catalog_addr=NOWHERE,
        inventory_addr=NOWHERE,
        booking_addr=NOWHERE,
        payment_addr=NOWHERE,
        grpc_deadline_seconds=0.01,
        max_body_bytes=64 * 1024,
    )
    app = create_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway") as http,
    ):
        yield http


BOOK = "/api/v1/bookings"
HOLD = "/api/v1/bookings/hold-seats"
SHOWS = "/api/v1/shows"
GOOD = {"showId": SHOW, "showSeatIds": [SEAT]}
SHOW_BODY = {
    "movieId": MOVIE,
    "screenId": MOVIE,
    "startTime": "2026-02-01T14:30:00Z",
    "prices": [{"tier": "VIP", "amount": 100}],
}

# (method, path, json body or raw bytes, extra headers, the field named in details)
TABLE: list[tuple[str, str, Any, dict[str, str], str]] = [
    ("POST", BOOK, b'{"showId": ', {}, "body"),
    ("POST", BOOK, b"\xff\xfe{}", {}, "body"),
    ("POST", BOOK, b"[" * 5000 + b"]" * 5000, {}, "body"),
    ("POST", BOOK, b"", {}, "body"),
    ("POST", BOOK, [GOOD], {}, "body"),
    ("POST", BOOK, "a string", {}, "body"),
    ("POST", BOOK, {"showSeatIds": [SEAT]}, {}, "body.showId"),
    ("POST", BOOK, {**GOOD, "showId": 123}, {}, "body.showId"),
    ("POST", BOOK, {**GOOD, "showId": "not-a-uuid"}, {}, "body.showId"),
    ("POST", BOOK, {**GOOD, "showId": None}, {}, "body.showId"),
    ("POST", BOOK, {**GOOD, "userId": True}, {}, "body.userId"),
    ("POST", BOOK, {**GOOD, "userId": "alice"}, {}, "body.userId"),
    ("POST", BOOK, {"showId": SHOW}, {}, "body.showSeatIds"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": []}, {}, "body.showSeatIds"),
    ("POST", BOOK, {"showId": SHOW, "seatIds": []}, {}, "body.seatIds"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": seats(11)}, {}, "body.showSeatIds"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": [SEAT, SEAT]}, {}, "body.showSeatIds"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": SEAT}, {}, "body.showSeatIds"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": [1, 2]}, {}, "body.showSeatIds[0]"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": [SEAT, "x"]}, {}, "body.showSeatIds[1]"),
    ("POST", BOOK, {"showId": SHOW, "showSeatIds": None}, {}, "body.showSeatIds"),
    ("POST", BOOK, {**GOOD, "price": 1}, {}, "body.price"),
    ("POST", BOOK, {**GOOD, "seatIds": [SEAT]}, {}, "body.seatIds"),
    ("POST", BOOK, {"show_id": SHOW, "showSeatIds": [SEAT]}, {}, "body.show_id"),
    ("POST", BOOK, GOOD, {"Idempotency-Key": "k" * 256}, "header.Idempotency-Key"),
    ("POST", BOOK, GOOD, {"Idempotency-Key": "has space"}, "header.Idempotency-Key"),
    ("POST", HOLD, {"showId": SHOW, "seatIds": seats(11)}, {}, "body.seatIds"),
    ("POST", HOLD, {"showId": SHOW, "seatIds": [SEAT], "extra": {}}, {}, "body.extra"),
    ("DELETE", "/api/v1/bookings/holds/alice", None, {}, "path.userId"),
    ("DELETE", f"/api/v1/bookings/holds/{USER}?showId=42", None, {}, "query.showId"),
    ("GET", "/api/v1/bookings/123", None, {}, "path.bookingId"),
    ("GET", f"/api/v1/bookings/user/{USER}?pageSize=0", None, {}, "query.pageSize"),
    ("GET", f"/api/v1/bookings/user/{USER}?pageSize=101", None, {}, "query.pageSize"),
    ("GET", f"/api/v1/bookings/user/{USER}?pageSize=ten", None, {}, "query.pageSize"),
    ("PATCH", f"/api/v1/bookings/{SHOW}/cancel", {"reason": 5}, {}, "body.reason"),
    ("PATCH", f"/api/v1/bookings/{SHOW}/cancel", {"why": "x"}, {}, "body.why"),
    ("GET", "/api/v1/seats/shows/abc", None, {}, "path.showId"),
    ("GET", f"/api/v1/seats/shows/{SHOW}?userId=bob", None, {}, "query.userId"),
    ("GET", "/api/v1/seats/screens/0", None, {}, "path.screenId"),
    ("POST", "/api/v1/payments/initiate", {}, {}, "body.bookingId"),
    ("POST", "/api/v1/payments/initiate", {"bookingId": "b-1"}, {}, "body.bookingId"),
    ("POST", "/api/v1/payments/simulate/sess_1", {"outcome": "maybe"}, {}, "body.outcome"),
    ("POST", "/api/v1/payments/simulate/sess_1", {"outcome": 1}, {}, "body.outcome"),
    ("POST", "/api/v1/payments/simulate/a%20b", {"outcome": "success"}, {}, "path.sessionId"),
    ("POST", f"/api/v1/payments/refund/{SHOW}", {"percent": 100}, {}, "body.percent"),
    ("GET", "/api/v1/payments/status/xyz", None, {}, "path.bookingId"),
    ("GET", f"{SHOWS}?date=31-01-2026", None, {}, "query.date"),
    ("GET", f"{SHOWS}?bookableOnly=maybe", None, {}, "query.bookableOnly"),
    ("GET", f"{SHOWS}?movieId=7", None, {}, "query.movieId"),
    ("POST", SHOWS, {**SHOW_BODY, "startTime": "2026-02-01T14:30:00"}, {}, "body.startTime"),
    ("POST", SHOWS, {**SHOW_BODY, "currency": "inr"}, {}, "body.currency"),
    ("POST", SHOWS, {**SHOW_BODY, "prices": []}, {}, "body.prices"),
    (
        "POST",
        SHOWS,
        {**SHOW_BODY, "prices": [{"tier": "GOLD", "amount": 1}]},
        {},
        "body.prices[0].tier",
    ),
    (
        "POST",
        SHOWS,
        {**SHOW_BODY, "prices": [{"tier": "VIP", "amount": 1.5}]},
        {},
        "body.prices[0].amount",
    ),
    (
        "POST",
        SHOWS,
        {**SHOW_BODY, "prices": [{"tier": "VIP", "amount": "100"}]},
        {},
        "body.prices[0].amount",
    ),
    (
        "POST",
        SHOWS,
        {**SHOW_BODY, "prices": [{"tier": "VIP", "amount": -1}]},
        {},
        "body.prices[0].amount",
    ),
    (
        "POST",
        "/api/v1/movies",
        {"title": "Dune", "durationMinutes": "155"},
        {},
        "body.durationMinutes",
    ),
    (
        "POST",
        "/api/v1/movies",
        {"title": "Dune", "durationMinutes": 10**30},
        {},
        "body.durationMinutes",
    ),
    ("POST", "/api/v1/movies", {"title": "", "durationMinutes": 155}, {}, "body.title"),
    ("POST", "/api/v1/theatres", {"name": "INOX"}, {}, "body.city"),
    ("POST", "/api/v1/theatres", {"name": "IN\x00OX", "city": "Pune"}, {}, "body.name"),
    (
        "POST",
        "/api/v1/movies",
        {"title": "x", "durationMinutes": 9, "genres": ["\x00"]},
        {},
        "body.genres",
    ),
    ("POST", SHOWS, {**SHOW_BODY, "startTime": "9999-12-31T23:00:00-05:00"}, {}, "body.startTime"),
    (
        "POST",
        SHOWS,
        {**SHOW_BODY, "prices": [{"tier": "VIP", "amount": 10**20}]},
        {},
        "body.prices[0].amount",
    ),
    ("GET", "/api/v1/theatres?city=Pu%00ne", None, {}, "query.city"),
    ("GET", f"/api/v1/bookings/user/{USER}?pageToken=%00", None, {}, "query.pageToken"),
]


@pytest.mark.parametrize(("method", "path", "body", "extra", "field"), TABLE)
async def test_bad_input_is_400_naming_the_field(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: Any,
    extra: dict[str, str],
    field: str,
) -> None:
    request_headers = {**headers(["admin"]), **extra}
    if isinstance(body, bytes):
        request_headers["Content-Type"] = "application/json"
        response = await client.request(method, path, content=body, headers=request_headers)
    else:
        response = await client.request(method, path, json=body, headers=request_headers)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert field in error["details"], error
    assert error["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nothing-here", 404, "NOT_FOUND"),
        ("GET", "/no-such-page", 404, "NOT_FOUND"),  # "/" is the storefront
        ("PUT", "/api/v1/bookings", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/v1/movies", 405, "METHOD_NOT_ALLOWED"),
    ],
)
async def test_unknown_routes_and_methods_use_the_error_body(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_an_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    declared = await client.post(BOOK, content=b"{" + b" " * 70_000 + b"}", headers=headers())

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 10_000

    chunked = await client.post(BOOK, content=stream(), headers=headers())

    assert declared.status_code == chunked.status_code == 413
    assert declared.json()["error"]["code"] == chunked.json()["error"]["code"]


def test_requests_are_camel_case_and_accept_the_seat_ids_alias() -> None:
    by_name = CreateBookingRequest.model_validate({"showId": SHOW, "showSeatIds": [SEAT]})
    by_alias = CreateBookingRequest.model_validate({"showId": SHOW, "seatIds": [SEAT]})

    assert by_name == by_alias
    assert by_alias.model_dump(mode="json", by_alias=True) == {
        "showId": SHOW,
        "userId": None,
        "showSeatIds": [SEAT],
        "idempotencyKey": None,
    }
    with pytest.raises(ValidationError):
        CreateBookingRequest.model_validate({"show_id": SHOW, "show_seat_ids": [SEAT]})


def test_the_request_schema_is_camel_case_and_closed() -> None:
    schema = CreateBookingRequest.model_json_schema(by_alias=True)

    assert set(schema["properties"]) == {"showId", "userId", "showSeatIds", "idempotencyKey"}
    assert schema["additionalProperties"] is False
    assert schema["properties"]["showSeatIds"]["maxItems"] == 10


async def test_a_bug_in_the_gateway_is_a_500_with_the_error_body() -> None:
    app = create_app(Config(jwt_secret=SECRET, access_log=False))

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        response = await http.get("/api/v1/broken", headers={"X-Request-ID": "bug-1"})

    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "INTERNAL", "message": "internal error", "details": {}}
    }
    assert response.headers["x-request-id"] == "bug-1"
