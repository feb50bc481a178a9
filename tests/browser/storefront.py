"""What the browser tests share: a show of their own made through the admin API, purchases made
over the API when a test is about a later step, signing in on the page, and the database's view."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from playwright.sync_api import Page, expect

from gateway.web import user_id_for
from tests.e2e.api import ADMIN, API, PRICES, TIERS, auth


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def new_show(
    client: httpx.Client,
    *,
    starts_in: timedelta = timedelta(days=3),
    rows: int = 4,
    seats_per_row: int = 8,
    title: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A bookable show on a screen of its own (rows cycle REGULAR, PREMIUM, VIP; seat 5 of each
    row is an aisle gap), created as an operator would; ``extra`` adds to the request (an
    ``onSaleAt`` and a ``waitingRoom``)."""
    tag = uuid.uuid4().hex[:6]
    movie = created(
        client.post(
            f"{API}/movies",
            json={"title": title or f"Test Film {tag}", "durationMinutes": 100, "genres": ["Test"]},
            headers=ADMIN,
        )
    )
    theatre = created(
        client.post(
            f"{API}/theatres", json={"name": f"Cinema {tag}", "city": "Pune"}, headers=ADMIN
        )
    )
    layout = {
        "rows": [
            {
                "label": chr(ord("A") + index),
                "seats": [
                    {"number": number, "tier": TIERS[index % len(TIERS)]}
                    for number in range(1, seats_per_row + 2)
                    if number != 5
                ],
            }
            for index in range(rows)
        ]
    }
    screen = created(
        client.post(
            f"{API}/theatres/{theatre['id']}/screens",
            json={"name": "Screen 1", "layout": layout},
            headers=ADMIN,
        )
    )
    start = (datetime.now(UTC) + starts_in).replace(microsecond=0)
    return created(
        client.post(
            f"{API}/shows",
            json={
                "movieId": movie["id"],
                "screenId": screen["id"],
                "startTime": start.isoformat().replace("+00:00", "Z"),
                "currency": "INR",
                "prices": [{"tier": tier, "amount": amount} for tier, amount in PRICES.items()],
                **extra,
            },
            headers=ADMIN,
        )
    )


def seats(client: httpx.Client, show_id: str) -> list[dict[str, Any]]:
    seat_list: list[dict[str, Any]] = ok(client.get(f"{API}/seats/shows/{show_id}"))["seats"]
    return seat_list


def pending_booking(client: httpx.Client, name: str, show_id: str, count: int = 1) -> str:
    """A PENDING booking of ``name``'s first ``count`` free seats, made over the API."""
    user = user_id_for(name)
    free = [seat["id"] for seat in seats(client, show_id) if seat["status"] == "available"]
    body = {"showId": show_id, "showSeatIds": free[:count]}
    created_booking = created(client.post(f"{API}/bookings", json=body, headers=auth(user)))
    booking_id: str = created_booking["id"]
    return booking_id


def confirmed_booking(client: httpx.Client, name: str, show_id: str, count: int = 1) -> str:
    """A CONFIRMED booking: booked and paid over the API (the simulator sends the webhook)."""
    user = user_id_for(name)
    booking_id = pending_booking(client, name, show_id, count)
    session = ok(
        client.post(f"{API}/payments/initiate", json={"bookingId": booking_id}, headers=auth(user))
    )
    ok(
        client.post(
            f"{API}/payments/simulate/{session['sessionId']}",
            json={"outcome": "success"},
            headers=auth(user),
        )
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = ok(client.get(f"{API}/bookings/{booking_id}", headers=auth(user)))["status"]
        if status == "CONFIRMED":
            return booking_id
        time.sleep(0.2)
    raise AssertionError(f"booking {booking_id} was not confirmed in 30 s")


def sign_in(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/#/sign-in")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def query(database_url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return list(conn.execute(statement, params).fetchall())  # type: ignore[arg-type]


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"
