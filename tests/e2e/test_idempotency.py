"""``Idempotency-Key`` on the calls that create things: a retry gets the first answer (and nothing
happens twice); the same key with another request is the client's bug, 422."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.api import (
    API,
    assert_error,
    auth,
    created,
    new_show,
    new_user,
    ok,
    query,
    seat_ids,
    seat_map,
    statuses,
)
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e

REPLAYED = "Idempotent-Replayed"


def _keyed(user: str, key: str) -> dict[str, str]:
    return {**auth(user), "Idempotency-Key": key}


async def test_a_retried_booking_gets_the_first_answer_and_books_once(
    api: httpx.AsyncClient, system: System
) -> None:
    show = await new_show(api, rows=1, seats_per_row=6)
    seats = await seat_ids(api, show["id"])
    user, key = new_user(), str(uuid.uuid4())
    request = {"showId": show["id"], "showSeatIds": seats[:2]}

    first = await api.post(f"{API}/bookings", json=request, headers=_keyed(user, key))
    booking = created(first)
    assert REPLAYED not in first.headers
    retry = await api.post(f"{API}/bookings", json=request, headers=_keyed(user, key))
    assert retry.status_code == 201 and retry.headers[REPLAYED] == "true"
    assert retry.content == first.content
    # the same request spelled with the seatIds alias is the same request
    alias = {"showId": show["id"], "seatIds": seats[:2]}
    spelled = await api.post(f"{API}/bookings", json=alias, headers=_keyed(user, key))
    assert (spelled.status_code, spelled.json()) == (201, booking)

    other = await api.post(
        f"{API}/bookings",
        json={"showId": show["id"], "showSeatIds": seats[2:4]},
        headers=_keyed(user, key),
    )
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
    view = await seat_map(api, show["id"])
    assert [statuses(view)[s] for s in seats[:4]] == ["booked", "booked", "available", "available"]
    rows = await query(
        system.database_url, "SELECT id::text FROM booking.bookings WHERE user_id = %s", user
    )
    assert rows == [(booking["id"],)]

    # keys belong to their user: another user's same key is a request of its own
    stranger = await api.post(f"{API}/bookings", json=request, headers=_keyed(new_user(), key))
    assert_error(stranger, 409, "SEATS_UNAVAILABLE")


async def test_a_booking_run_again_under_its_key_answers_with_the_booking_it_made(
    api: httpx.AsyncClient, system: System
) -> None:
    """As after a gateway worker killed once booking answered but before the answer was kept
    under the key: the key's lease runs out, the retry runs CreateBooking again, and booking
    (given the key) answers with the booking it made instead of refusing the seats."""
    show = await new_show(api, rows=1, seats_per_row=4)
    seats = await seat_ids(api, show["id"])
    user, key = new_user(), str(uuid.uuid4())
    request = {"showId": show["id"], "showSeatIds": seats[:2], "idempotencyKey": key}
    first = await api.post(f"{API}/bookings", json=request, headers=auth(user))
    booking = created(first)

    forgotten = await query(
        system.database_url,
        "DELETE FROM gateway.idempotency_keys WHERE key = %s RETURNING key",
        key,
    )
    assert forgotten == [(key,)]
    again = await api.post(f"{API}/bookings", json=request, headers=_keyed(user, key))

    assert again.status_code == 201 and REPLAYED not in again.headers
    assert again.json() == booking
    rows = await query(
        system.database_url, "SELECT id::text FROM booking.bookings WHERE user_id = %s", user
    )
    assert rows == [(booking["id"],)]


async def test_retried_payment_and_refund_calls_get_the_first_answer(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=1, seats_per_row=4)
    user = new_user()
    booking = created(
        await api.post(
            f"{API}/bookings",
            json={"showId": show["id"], "showSeatIds": (await seat_ids(api, show["id"]))[:1]},
            headers=auth(user),
        )
    )
    initiate_key = str(uuid.uuid4())
    initiate = {"bookingId": booking["id"]}
    first = created(
        await api.post(
            f"{API}/payments/initiate", json=initiate, headers=_keyed(user, initiate_key)
        )
    )
    again = await api.post(
        f"{API}/payments/initiate", json=initiate, headers=_keyed(user, initiate_key)
    )
    assert (again.status_code, again.json(), again.headers[REPLAYED]) == (201, first, "true")

    ok(
        await api.post(
            f"{API}/payments/simulate/{first['sessionId']}",
            json={"outcome": "success"},
            headers=auth(user),
        )
    )

    async def confirmed() -> bool:
        current = ok(await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user)))
        return bool(current["status"] == "CONFIRMED")

    await eventually(confirmed, timeout=30, message="booking not CONFIRMED")

    refund_key = str(uuid.uuid4())
    path = f"{API}/payments/refund/{booking['id']}"
    refund: dict[str, Any] = ok(
        await api.post(path, json={"reason": "ill"}, headers=_keyed(user, refund_key))
    )
    assert refund["percent"] == 100
    replay = await api.post(path, json={"reason": "ill"}, headers=_keyed(user, refund_key))
    assert (replay.status_code, replay.json(), replay.headers[REPLAYED]) == (200, refund, "true")
    assert_error(
        await api.post(path, json={"reason": "bored"}, headers=_keyed(user, refund_key)),
        422,
        "IDEMPOTENCY_KEY_REUSED",
    )
    status = ok(await api.get(f"{API}/payments/status/{booking['id']}", headers=auth(user)))
    assert [r["id"] for r in status["refunds"]] == [refund["id"]]


async def test_concurrent_retries_with_one_key_book_once(
    api: httpx.AsyncClient, system: System
) -> None:
    show = await new_show(api, rows=1, seats_per_row=3)
    user, key = new_user(), str(uuid.uuid4())
    request = {"showId": show["id"], "showSeatIds": (await seat_ids(api, show["id"]))[:1]}

    responses = await asyncio.gather(
        *(api.post(f"{API}/bookings", json=request, headers=_keyed(user, key)) for _ in range(20))
    )

    answers = [r for r in responses if r.status_code == 201]
    assert answers and len({r.content for r in answers}) == 1
    for response in responses:
        if response.status_code != 201:  # the first is still running: retry later
            assert_error(response, 409, "IDEMPOTENCY_KEY_IN_USE")
    rows = await query(
        system.database_url, "SELECT id::text FROM booking.bookings WHERE user_id = %s", user
    )
    assert rows == [(answers[0].json()["id"],)]
