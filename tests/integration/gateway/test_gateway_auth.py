"""Who may call what, and who the services are told is calling."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.gateway.conftest import auth, token
from tests.integration.gateway.fakes import (
    BOOKING,
    MOVIE,
    OTHER_USER,
    SCREEN,
    SEAT_1,
    SESSION,
    SHOW,
    THEATRE,
    USER,
    Fakes,
)

pytestmark = pytest.mark.integration

SEATS = {"showId": SHOW, "showSeatIds": [SEAT_1]}

PROTECTED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/bookings/hold-seats", SEATS),
    ("DELETE", f"/api/v1/bookings/holds/{USER}", None),
    ("POST", "/api/v1/bookings", SEATS),
    ("GET", f"/api/v1/bookings/{BOOKING}", None),
    ("GET", f"/api/v1/bookings/user/{USER}", None),
    ("PATCH", f"/api/v1/bookings/{BOOKING}/cancel", None),
    ("POST", "/api/v1/payments/initiate", {"bookingId": BOOKING}),
    ("POST", f"/api/v1/payments/simulate/{SESSION}", {"outcome": "success"}),
    ("POST", f"/api/v1/payments/refund/{BOOKING}", None),
    ("GET", f"/api/v1/payments/status/{BOOKING}", None),
    ("POST", "/api/v1/movies", {"title": "Dune", "durationMinutes": 155}),
    ("POST", "/api/v1/theatres", {"name": "INOX", "city": "Pune"}),
    (
        "POST",
        f"/api/v1/theatres/{THEATRE}/screens",
        {
            "name": "Audi 2",
            "layout": {"rows": [{"label": "A", "seats": [{"number": 1, "tier": "VIP"}]}]},
        },
    ),
    (
        "POST",
        "/api/v1/shows",
        {
            "movieId": MOVIE,
            "screenId": SCREEN,
            "startTime": "2026-02-01T14:30:00Z",
            "prices": [{"tier": "VIP", "amount": 45000}],
        },
    ),
]

PUBLIC = [
    f"/api/v1/seats/shows/{SHOW}",
    f"/api/v1/seats/shows/{SHOW}/available",
    f"/api/v1/seats/screens/{SCREEN}",
    "/api/v1/movies",
    f"/api/v1/movies/{MOVIE}",
    "/api/v1/theatres",
    f"/api/v1/theatres/{THEATRE}",
    f"/api/v1/theatres/{THEATRE}/screens",
    f"/api/v1/screens/{SCREEN}",
    "/api/v1/shows",
    f"/api/v1/shows/{SHOW}",
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
async def test_protected_routes_without_a_token_are_401_and_never_reach_a_service(
    client: httpx.AsyncClient, upstream: Fakes, method: str, path: str, body: Any
) -> None:
    response = await client.request(method, path, json=body)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert all(not fake.calls for fake in upstream.all())


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (f"Bearer {token(ttl_seconds=-3600)}", "expired"),
        (f"Bearer {token()}x", "signature"),
        ("Bearer not-a-jwt", "malformed"),
        (f"Token {token()}", "Bearer"),
    ],
)
async def test_bad_tokens_are_401_saying_why(
    client: httpx.AsyncClient, upstream: Fakes, header: str, why: str
) -> None:
    response = await client.get(f"/api/v1/bookings/{BOOKING}", headers={"Authorization": header})

    assert response.status_code == 401
    assert why in response.json()["error"]["message"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert not upstream.booking.calls


@pytest.mark.parametrize("path", PUBLIC)
async def test_catalog_reads_and_seat_maps_are_open_to_anonymous_viewers(
    client: httpx.AsyncClient, upstream: Fakes, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200, response.text
    (call,) = [call for fake in upstream.all() for call in fake.calls]
    assert "x-user-id" not in call.metadata


async def test_an_anonymous_seat_map_has_no_held_by_me(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.get(f"/api/v1/seats/shows/{SHOW}")

    assert response.json()["summary"]["heldByMe"] == 0
    assert {seat["status"] for seat in response.json()["seats"]} == {"available", "held", "booked"}
    assert upstream.inventory.calls_to("GetSeatMap")[0].request.viewer_user_id == ""


async def test_a_seat_map_with_a_token_is_seen_by_its_subject(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.get(
        f"/api/v1/seats/shows/{SHOW}?userId={USER}",
        headers={**auth(), "X-Request-ID": "req-42"},
    )

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    (call,) = upstream.inventory.calls_to("GetSeatMap")
    assert call.request.viewer_user_id == USER
    assert call.metadata["x-user-id"] == USER
    assert call.metadata["x-request-id"] == "req-42"


async def test_a_seat_map_for_a_named_user_needs_that_users_token(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    anonymous = await client.get(f"/api/v1/seats/shows/{SHOW}?userId={USER}")
    someone_else = await client.get(
        f"/api/v1/seats/shows/{SHOW}?userId={USER}", headers=auth(OTHER_USER)
    )

    assert anonymous.status_code == 401
    assert someone_else.status_code == 403
    assert not upstream.inventory.calls


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/bookings/hold-seats", {**SEATS, "userId": OTHER_USER}),
        ("DELETE", f"/api/v1/bookings/holds/{OTHER_USER}", None),
        ("POST", "/api/v1/bookings", {**SEATS, "userId": OTHER_USER}),
        ("GET", f"/api/v1/bookings/user/{OTHER_USER}", None),
        ("POST", "/api/v1/payments/initiate", {"bookingId": BOOKING, "userId": OTHER_USER}),
        ("POST", f"/api/v1/payments/refund/{BOOKING}", {"userId": OTHER_USER}),
    ],
)
async def test_acting_for_another_user_is_403_unless_admin(
    client: httpx.AsyncClient, upstream: Fakes, method: str, path: str, body: Any
) -> None:
    plain = await client.request(method, path, json=body, headers=auth(USER))
    assert plain.status_code == 403
    assert plain.json()["error"]["code"] == "PERMISSION_DENIED"
    assert all(not fake.calls for fake in upstream.all())

    admin = await client.request(method, path, json=body, headers=auth(USER, ["admin"]))
    assert admin.status_code in (200, 201), admin.text
    (call,) = [call for fake in upstream.all() for call in fake.calls]
    assert call.request.user_id == OTHER_USER
    assert call.metadata["x-user-id"] == USER
    assert call.metadata["x-user-roles"] == "admin"


async def test_the_user_id_defaults_to_the_tokens_subject(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.post("/api/v1/bookings", json=SEATS, headers=auth(OTHER_USER))

    assert response.status_code == 201
    assert upstream.booking.calls_to("CreateBooking")[0].request.user_id == OTHER_USER


async def test_catalog_writes_need_the_admin_role(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    body = {"name": "INOX", "city": "Pune"}
    plain = await client.post("/api/v1/theatres", json=body, headers=auth())
    admin = await client.post("/api/v1/theatres", json=body, headers=auth(roles=["admin"]))

    assert plain.status_code == 403
    assert admin.status_code == 201
    (call,) = upstream.catalog.calls_to("CreateTheatre")
    assert call.metadata["x-user-roles"] == "admin"


async def test_the_webhook_needs_no_token(client: httpx.AsyncClient, upstream: Fakes) -> None:
    response = await client.post(
        "/api/v1/payments/webhook", content=b"{}", headers={"X-Payment-Signature": "t=1,v1=ab"}
    )

    assert response.status_code == 200
    assert "x-user-id" not in upstream.payment.calls_to("HandleWebhook")[0].metadata
