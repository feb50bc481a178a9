"""Who may do what: tokens required, bookings private to their owner, catalog writes for admins."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.api import (
    ADMIN,
    API,
    assert_error,
    auth,
    book,
    created,
    new_show,
    new_user,
    ok,
    seat_ids,
    token,
)
from tests.support.system import System

pytestmark = pytest.mark.e2e

SOME_ID = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"


@pytest.fixture(scope="module")
async def owned(system: System) -> dict[str, Any]:
    """A show, and a PENDING booking on it with an open checkout, owned by one user."""
    async with httpx.AsyncClient(base_url=system.base_url, timeout=60) as client:
        show = await new_show(client, rows=1, seats_per_row=5)
        owner = new_user()
        booking = await book(client, owner, show["id"], (await seat_ids(client, show["id"]))[:1])
        payment = created(
            await client.post(
                f"{API}/payments/initiate", json={"bookingId": booking["id"]}, headers=auth(owner)
            )
        )
        return {"show": show, "owner": owner, "booking": booking, "payment": payment}


def _routes(owned: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every route that needs a token, with a body it would accept."""
    show_id, booking_id = owned["show"]["id"], owned["booking"]["id"]
    owner = owned["owner"]
    return [
        ("POST", f"{API}/bookings/hold-seats", {"showId": show_id, "showSeatIds": [SOME_ID]}),
        ("DELETE", f"{API}/bookings/holds/{owner}", None),
        ("POST", f"{API}/bookings", {"showId": show_id, "showSeatIds": [SOME_ID]}),
        ("GET", f"{API}/bookings/{booking_id}", None),
        ("GET", f"{API}/bookings/user/{owner}", None),
        ("PATCH", f"{API}/bookings/{booking_id}/cancel", None),
        ("POST", f"{API}/payments/initiate", {"bookingId": booking_id}),
        ("POST", f"{API}/payments/simulate/{owned['payment']['sessionId']}", {"outcome": "failed"}),
        ("POST", f"{API}/payments/refund/{booking_id}", None),
        ("GET", f"{API}/payments/status/{booking_id}", None),
    ]


@pytest.mark.parametrize(
    "credentials",
    ["none", "not bearer", "garbage", "expired", "wrong secret", "wrong audience", "no subject"],
)
async def test_every_private_route_answers_401_without_a_valid_token(
    api: httpx.AsyncClient, owned: dict[str, Any], credentials: str
) -> None:
    user = owned["owner"]
    header = {
        "none": None,
        "not bearer": f"Basic {token(user)}",
        "garbage": "Bearer not-a-jwt",
        "expired": f"Bearer {token(user, ttl_seconds=-3600)}",
        "wrong secret": f"Bearer {token(user, secret='another-secret-of-at-least-32-bytes')}",
        "wrong audience": f"Bearer {token(user, aud='someone-else')}",
        "no subject": f"Bearer {token(user, sub=None)}",
    }[credentials]
    headers = {"Authorization": header} if header else {}
    for method, path, body in _routes(owned):
        response = await api.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert_error(response, 401, "UNAUTHENTICATED")
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), (method, path)
    # nothing happened on the owner's behalf
    booking = ok(await api.get(f"{API}/bookings/{owned['booking']['id']}", headers=auth(user)))
    assert booking["status"] == "PENDING"


async def test_catalog_reads_and_seat_maps_are_open_to_anonymous_viewers(
    api: httpx.AsyncClient, owned: dict[str, Any]
) -> None:
    show = owned["show"]
    for path in (
        f"{API}/movies",
        f"{API}/theatres",
        f"{API}/shows",
        f"{API}/shows/{show['id']}",
        f"{API}/theatres/{show['theatreId']}/screens",
        f"{API}/seats/shows/{show['id']}",
        f"{API}/seats/shows/{show['id']}/available",
        f"{API}/seats/screens/{show['screenId']}",
    ):
        assert (await api.get(path)).status_code == 200, path
    # naming a viewer is naming a user: that needs their token
    anonymous_viewer = await api.get(
        f"{API}/seats/shows/{show['id']}", params={"userId": owned["owner"]}
    )
    assert_error(anonymous_viewer, 401)


async def test_another_users_booking_is_403_and_stays_untouched(
    api: httpx.AsyncClient, owned: dict[str, Any]
) -> None:
    intruder = auth(new_user())
    booking_id, owner = owned["booking"]["id"], owned["owner"]
    show_id = owned["show"]["id"]
    for method, path, body in [
        ("GET", f"{API}/bookings/{booking_id}", None),
        ("PATCH", f"{API}/bookings/{booking_id}/cancel", None),
        ("GET", f"{API}/payments/status/{booking_id}", None),
        ("POST", f"{API}/payments/initiate", {"bookingId": booking_id}),
        ("POST", f"{API}/payments/refund/{booking_id}", None),
        ("POST", f"{API}/payments/simulate/{owned['payment']['sessionId']}", {"outcome": "failed"}),
        ("GET", f"{API}/bookings/user/{owner}", None),
        ("DELETE", f"{API}/bookings/holds/{owner}", None),
        ("GET", f"{API}/seats/shows/{show_id}?userId={owner}", None),
        ("POST", f"{API}/bookings", {"userId": owner, "showId": show_id, "seatIds": [SOME_ID]}),
        (
            "POST",
            f"{API}/bookings/hold-seats",
            {"userId": owner, "showId": show_id, "seatIds": [SOME_ID]},
        ),
        ("POST", f"{API}/payments/initiate", {"bookingId": booking_id, "userId": owner}),
    ]:
        response = await api.request(method, path, json=body, headers=intruder)
        assert response.status_code == 403, (method, path, response.text)
        assert_error(response, 403)

    as_owner = ok(await api.get(f"{API}/bookings/{booking_id}", headers=auth(owner)))
    assert as_owner["status"] == "PENDING"
    as_admin = ok(await api.get(f"{API}/bookings/{booking_id}", headers=ADMIN))
    assert as_admin == as_owner
    status = ok(await api.get(f"{API}/payments/status/{booking_id}", headers=auth(owner)))
    assert [payment["status"] for payment in status["payments"]] == ["PENDING"]


async def test_catalog_writes_need_the_admin_role(
    api: httpx.AsyncClient, owned: dict[str, Any]
) -> None:
    show = owned["show"]
    tag = uuid.uuid4().hex[:8]
    writes: list[tuple[str, dict[str, Any]]] = [
        (f"{API}/movies", {"title": f"Nope {tag}", "durationMinutes": 90}),
        (f"{API}/theatres", {"name": f"Nope {tag}", "city": "Nowhere"}),
        (
            f"{API}/theatres/{show['theatreId']}/screens",
            {
                "name": f"Nope {tag}",
                "layout": {"rows": [{"label": "A", "seats": [{"number": 1, "tier": "VIP"}]}]},
            },
        ),
        (
            f"{API}/shows",
            {
                "movieId": show["movieId"],
                "screenId": show["screenId"],
                "startTime": "2031-01-01T10:00:00Z",
                "currency": "INR",
                "prices": [
                    {"tier": "REGULAR", "amount": 100},
                    {"tier": "PREMIUM", "amount": 100},
                    {"tier": "VIP", "amount": 100},
                ],
            },
        ),
    ]
    for path, body in writes:
        assert_error(
            await api.post(path, json=body, headers=auth(new_user())), 403, "PERMISSION_DENIED"
        )
        assert_error(await api.post(path, json=body), 401, "UNAUTHENTICATED")
    movies = ok(await api.get(f"{API}/movies", params={"pageSize": 100}))
    assert not any(movie["title"] == f"Nope {tag}" for movie in movies["movies"])
    theatres = ok(await api.get(f"{API}/theatres", params={"city": "Nowhere"}))
    assert theatres["theatres"] == []
    shows = ok(await api.get(f"{API}/shows", params={"theatreId": show["theatreId"]}))
    assert [s["id"] for s in shows["shows"]] == [show["id"]]
