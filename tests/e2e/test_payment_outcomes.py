"""What a customer sees when the payment does not go through: a failed card keeps the booking
PENDING (never shortening its deadline), an expired checkout expires the booking and frees its
seats, and a PENDING booking can be cancelled, giving its seats back at once."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.api import (
    API,
    auth,
    book,
    created,
    new_show,
    new_user,
    ok,
    query,
    seat_map,
    statuses,
)
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e


async def _pending_booking_with_session(
    api: httpx.AsyncClient,
) -> tuple[str, dict[str, object], str]:
    user = new_user()
    show = await new_show(api, rows=1, seats_per_row=4)
    seats = (await seat_map(api, show["id"]))["seats"][:2]
    booking = await book(api, user, show["id"], [seat["id"] for seat in seats])
    started = created(
        await api.post(
            f"{API}/payments/initiate",
            json={"bookingId": booking["id"], "userId": user},
            headers=auth(user),
        )
    )
    return user, booking, str(started["sessionId"])


async def _seats_in_inventory(system: System, seat_ids: list[str]) -> list[tuple[str, object]]:
    """(status, booking id) of each seat as inventory stored it, plus any sale still recorded."""
    rows = await query(
        system.database_url,
        "SELECT ss.status, coalesce(ss.booking_id::text, sale.booking_id::text)"
        " FROM inventory.show_seats ss"
        " LEFT JOIN inventory.seat_sales sale ON sale.show_seat_id = ss.id"
        " WHERE ss.id = ANY(%s::uuid[]) ORDER BY ss.id",
        seat_ids,
    )
    return [(str(status), booking) for status, booking in rows]


async def _booking_status(system: System, booking_id: str) -> str:
    [(status,)] = await query(
        system.database_url, "SELECT status FROM booking.bookings WHERE id = %s", booking_id
    )
    return str(status)


async def _simulate(api: httpx.AsyncClient, user: str, session_id: str, outcome: str) -> None:
    reply = await api.post(
        f"{API}/payments/simulate/{session_id}", json={"outcome": outcome}, headers=auth(user)
    )
    assert reply.status_code in (200, 201), reply.text


async def test_failed_payment_keeps_the_booking_pending_and_payable(
    api: httpx.AsyncClient, system: System
) -> None:
    user, booking, session_id = await _pending_booking_with_session(api)
    await _simulate(api, user, session_id, "failed")

    async def failure_recorded() -> dict[str, object] | None:
        seen = ok(await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user)))
        return seen if seen["payment"]["status"] == "FAILED" else None

    seen = await eventually(failure_recorded, timeout=30, message="failed payment recorded")
    assert seen["status"] == "PENDING"
    assert str(seen["expiresAt"]) >= str(booking["expiresAt"])  # RFC 3339 UTC sorts as text
    status = ok(await api.get(f"{API}/payments/status/{booking['id']}", headers=auth(user)))
    assert [payment["status"] for payment in status["payments"]] == ["FAILED"]
    assert await _booking_status(system, str(booking["id"])) == "PENDING"
    seat_ids = [str(seat["id"]) for seat in booking["seats"]]
    assert await _seats_in_inventory(system, seat_ids) == [("RESERVED", booking["id"])] * 2


async def test_expired_checkout_expires_the_booking_and_frees_its_seats(
    api: httpx.AsyncClient, system: System
) -> None:
    user, booking, session_id = await _pending_booking_with_session(api)
    await _simulate(api, user, session_id, "expired")

    async def expired() -> dict[str, object] | None:
        seen = ok(await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user)))
        return seen if seen["status"] == "EXPIRED" else None

    seen = await eventually(expired, timeout=30, message="booking expired with its session")
    assert seen["payment"]["status"] == "EXPIRED"
    seat_ids = [seat["id"] for seat in booking["seats"]]

    async def freed() -> bool:
        seen_statuses = statuses(await seat_map(api, booking["showId"]))
        return all(seen_statuses[seat] == "available" for seat in seat_ids)

    await eventually(freed, timeout=30, message="seats back on sale")
    assert await _booking_status(system, str(booking["id"])) == "EXPIRED"
    assert await _seats_in_inventory(system, seat_ids) == [("AVAILABLE", None)] * 2
    again = await book(api, new_user(), booking["showId"], seat_ids)
    assert again["status"] == "PENDING"


async def test_cancelling_a_pending_booking_frees_its_seats_and_only_once(
    api: httpx.AsyncClient, system: System
) -> None:
    user = new_user()
    show = await new_show(api, rows=1, seats_per_row=4)
    seat_ids = [seat["id"] for seat in (await seat_map(api, show["id"]))["seats"][:2]]
    booking = await book(api, user, show["id"], seat_ids)

    cancelled = ok(await api.patch(f"{API}/bookings/{booking['id']}/cancel", headers=auth(user)))
    assert cancelled["status"] == "CANCELLED"
    again = await api.patch(f"{API}/bookings/{booking['id']}/cancel", headers=auth(user))
    assert again.status_code == 409, again.text  # terminal: stays CANCELLED, says so
    assert again.json()["error"]["details"]["status"] == "CANCELLED"

    async def freed() -> bool:
        seen_statuses = statuses(await seat_map(api, show["id"]))
        return all(seen_statuses[seat] == "available" for seat in seat_ids)

    await eventually(freed, timeout=30, message="seats back on sale after cancel")
    assert await _booking_status(system, str(booking["id"])) == "CANCELLED"
    assert await _seats_in_inventory(system, seat_ids) == [("AVAILABLE", None)] * 2
    other = await api.patch(f"{API}/bookings/{booking['id']}/cancel", headers=auth(new_user()))
    assert other.status_code == 403
