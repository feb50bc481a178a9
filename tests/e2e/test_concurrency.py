"""Never sold twice, over HTTP: many users racing for one seat, for different seats, and for
overlapping pairs; afterwards the databases behind the services agree that no seat is taken twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.e2e.api import API, auth, new_show, new_user, query, seat_ids
from tests.support.system import System

pytestmark = pytest.mark.e2e

ACTIVE = ("PENDING", "CONFIRMED")


@pytest.fixture(scope="module")
async def show(system: System) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.base_url, timeout=60) as client:
        return await new_show(client, rows=10, seats_per_row=10)


async def _race(
    api: httpx.AsyncClient, show_id: str, selections: list[list[str]]
) -> list[tuple[str, httpx.Response]]:
    """Every selection booked at once, each by a user of its own (distinct ``sub``)."""
    users = [new_user() for _ in selections]
    responses = await asyncio.gather(
        *(
            api.post(
                f"{API}/bookings",
                json={"showId": show_id, "showSeatIds": seats},
                headers=auth(user),
            )
            for user, seats in zip(users, selections, strict=True)
        )
    )
    return list(zip(users, responses, strict=True))


async def _no_seat_taken_twice(database_url: str, show_id: str) -> None:
    doubly_booked = await query(
        database_url,
        "SELECT s.seat_id, count(*) FROM booking.booking_seats s"
        " JOIN booking.bookings b ON b.id = s.booking_id"
        " WHERE b.status = ANY(%s) GROUP BY s.seat_id HAVING count(*) > 1",
        list(ACTIVE),
    )
    assert doubly_booked == []
    # inventory's view of the show: a taken seat names exactly the one active booking holding it
    mismatched = await query(
        database_url,
        "SELECT ss.id, ss.status, ss.booking_id, sale.booking_id FROM inventory.show_seats ss"
        " LEFT JOIN inventory.seat_sales sale ON sale.show_seat_id = ss.id"
        " WHERE ss.show_id = %s AND ss.booking_id IS DISTINCT FROM sale.booking_id",
        show_id,
    )
    assert mismatched == []
    disagreeing = await query(
        database_url,
        "SELECT ss.id FROM inventory.show_seats ss"
        " FULL JOIN (SELECT s.seat_id, b.id FROM booking.booking_seats s"
        "            JOIN booking.bookings b ON b.id = s.booking_id"
        "            WHERE b.status = ANY(%s) AND b.show_id = %s) active"
        "   ON active.seat_id = ss.id"
        " WHERE ss.show_id = %s AND ss.booking_id IS DISTINCT FROM active.id",
        list(ACTIVE),
        show_id,
        show_id,
    )
    assert disagreeing == []


@pytest.mark.parametrize("racers", [10, 50, 200])
async def test_many_users_racing_for_one_seat_exactly_one_wins(
    api: httpx.AsyncClient, system: System, show: dict[str, Any], racers: int
) -> None:
    seats = await seat_ids(api, show["id"])
    seat = seats[{10: 0, 50: 1, 200: 2}[racers]]

    results = await _race(api, show["id"], [[seat]] * racers)

    statuses = Counter(response.status_code for _, response in results)
    assert statuses == {201: 1, 409: racers - 1}, statuses
    (winner, won), *_ = [(user, r) for user, r in results if r.status_code == 201]
    booking = won.json()
    assert (booking["userId"], booking["status"]) == (winner, "PENDING")
    for _, response in results:
        if response.status_code == 409:
            error = response.json()["error"]
            assert error["code"] == "SEATS_UNAVAILABLE"
            assert seat in error["details"]["seatIds"]
    rows = await query(
        system.database_url,
        "SELECT b.id::text, b.user_id::text FROM booking.bookings b"
        " JOIN booking.booking_seats s ON s.booking_id = b.id"
        " WHERE s.seat_id = %s AND b.status = ANY(%s)",
        seat,
        list(ACTIVE),
    )
    assert rows == [(booking["id"], winner)]
    sold = await query(
        system.database_url,
        "SELECT ss.status, ss.booking_id::text, sale.booking_id::text FROM inventory.show_seats ss"
        " JOIN inventory.seat_sales sale ON sale.show_seat_id = ss.id WHERE ss.id = %s",
        seat,
    )
    assert sold == [("RESERVED", booking["id"], booking["id"])]
    await _no_seat_taken_twice(system.database_url, show["id"])


async def test_concurrent_bookings_of_different_seats_all_succeed(
    api: httpx.AsyncClient, system: System, show: dict[str, Any]
) -> None:
    seats = (await seat_ids(api, show["id"]))[10:60]

    results = await _race(api, show["id"], [[seat] for seat in seats])

    assert [response.status_code for _, response in results] == [201] * len(seats), [
        response.text for _, response in results if response.status_code != 201
    ]
    booked = [response.json()["seats"][0]["id"] for _, response in results]
    assert booked == seats
    await _no_seat_taken_twice(system.database_url, show["id"])


async def test_overlapping_multi_seat_bookings_are_all_or_nothing(
    api: httpx.AsyncClient, system: System, show: dict[str, Any]
) -> None:
    seats = (await seat_ids(api, show["id"]))[60:80]
    pairs = [[seats[i], seats[i + 1]] for i in range(len(seats) - 1)] * 2

    results = await _race(api, show["id"], pairs)

    assert {response.status_code for _, response in results} <= {201, 409}
    winners = [response.json() for _, response in results if response.status_code == 201]
    taken = [seat["id"] for booking in winners for seat in booking["seats"]]
    assert winners and len(taken) == len(set(taken)) == 2 * len(winners)
    seat_map = (await api.get(f"{API}/seats/shows/{show['id']}")).json()
    booked_now = {
        s["id"] for s in seat_map["seats"] if s["id"] in seats and s["status"] == "booked"
    }
    assert booked_now == set(taken)
    await _no_seat_taken_twice(system.database_url, show["id"])


async def test_many_users_racing_to_hold_one_seat_exactly_one_holds_it(
    api: httpx.AsyncClient, show: dict[str, Any]
) -> None:
    seat = (await seat_ids(api, show["id"]))[90]
    users = [new_user() for _ in range(50)]

    responses = await asyncio.gather(
        *(
            api.post(
                f"{API}/bookings/hold-seats",
                json={"showId": show["id"], "showSeatIds": [seat]},
                headers=auth(user),
            )
            for user in users
        )
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    holder = next(user for user, r in zip(users, responses, strict=True) if r.status_code == 201)
    view = (await api.get(f"{API}/seats/shows/{show['id']}", headers=auth(holder))).json()
    assert next(s["status"] for s in view["seats"] if s["id"] == seat) == "held_by_me"
