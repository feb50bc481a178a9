"""A client written for the original system works unchanged: every request body the seed's API
takes is taken here with the same meaning, and a ``userId`` that is not the caller's is 403. Each
test reads the database afterwards: the services did what the reply says."""

from __future__ import annotations

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
)
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e

REPLAYED = "Idempotent-Replayed"


async def _booking_rows(system: System, user: str) -> list[tuple[str, str, int]]:
    rows = await query(
        system.database_url,
        "SELECT id::text, status, total_minor FROM booking.bookings WHERE user_id = %s",
        user,
    )
    return [(str(i), str(status), int(total)) for i, status, total in rows]


async def _seed_booking(api: httpx.AsyncClient, user: str, seats: int = 1) -> dict[str, Any]:
    """A PENDING booking made the seed's way: ``{userId, showId, seatIds}``."""
    show = await new_show(api, rows=1, seats_per_row=4)
    chosen = (await seat_ids(api, show["id"]))[:seats]
    return created(
        await api.post(
            f"{API}/bookings",
            json={"userId": user, "showId": show["id"], "seatIds": chosen},
            headers=auth(user),
        )
    )


async def _status(system: System, booking_id: str) -> str:
    [(status,)] = await query(
        system.database_url, "SELECT status FROM booking.bookings WHERE id = %s", booking_id
    )
    return str(status)


async def test_hold_takes_user_show_and_seat_ids(api: httpx.AsyncClient, system: System) -> None:
    user = new_user()
    show = await new_show(api, rows=1, seats_per_row=4)
    seats = await seat_ids(api, show["id"])
    body = {"userId": user, "showId": show["id"], "seatIds": seats[:2]}

    held = created(await api.post(f"{API}/bookings/hold-seats", json=body, headers=auth(user)))
    refused = await api.post(f"{API}/bookings/hold-seats", json=body, headers=auth(new_user()))

    assert held["success"] is True
    assert sorted(hold["seatId"] for hold in held["holds"]) == sorted(seats[:2])
    assert_error(refused, 403, "PERMISSION_DENIED")
    rows = await query(
        system.database_url,
        "SELECT id::text, hold_user_id::text FROM inventory.show_seats"
        " WHERE show_id = %s AND hold_user_id IS NOT NULL ORDER BY id",
        show["id"],
    )
    assert rows == sorted((seat, user) for seat in seats[:2])


async def test_book_takes_the_idempotency_key_in_the_body(
    api: httpx.AsyncClient, system: System
) -> None:
    user = new_user()
    show = await new_show(api, rows=1, seats_per_row=4)
    seats = await seat_ids(api, show["id"])
    key = str(uuid.uuid4())
    body = {"userId": user, "showId": show["id"], "seatIds": seats[:2], "idempotencyKey": key}

    first = await api.post(f"{API}/bookings", json=body, headers=auth(user))
    again = await api.post(f"{API}/bookings", json=body, headers=auth(user))
    # the same key as the header is the same request
    as_header = await api.post(
        f"{API}/bookings",
        json={k: v for k, v in body.items() if k != "idempotencyKey"},
        headers={**auth(user), "Idempotency-Key": key},
    )
    both_differ = await api.post(
        f"{API}/bookings",
        json={**body, "seatIds": seats[2:3]},
        headers={**auth(user), "Idempotency-Key": str(uuid.uuid4())},
    )
    stranger = await api.post(
        f"{API}/bookings", json={**body, "idempotencyKey": None}, headers=auth(new_user())
    )

    booking = created(first)
    assert (again.status_code, again.headers[REPLAYED]) == (201, "true")
    assert (as_header.status_code, as_header.headers[REPLAYED]) == (201, "true")
    assert again.json() == as_header.json() == booking
    error = assert_error(both_differ, 400, "INVALID_ARGUMENT")
    assert "body.idempotencyKey" in error["details"]
    assert_error(stranger, 403, "PERMISSION_DENIED")
    assert booking["totalAmount"] == 2 * 20000  # two REGULAR seats
    assert await _booking_rows(system, user) == [(booking["id"], "PENDING", 40000)]


async def test_cancel_takes_the_user_id(api: httpx.AsyncClient, system: System) -> None:
    user = new_user()
    booking = await _seed_booking(api, user)
    path = f"{API}/bookings/{booking['id']}/cancel"

    refused = await api.patch(path, json={"userId": new_user()}, headers=auth(user))
    assert_error(refused, 403, "PERMISSION_DENIED")
    assert await _status(system, booking["id"]) == "PENDING"

    cancelled = ok(await api.patch(path, json={"userId": user}, headers=auth(user)))

    assert cancelled["status"] == "CANCELLED"
    assert await _status(system, booking["id"]) == "CANCELLED"


async def test_initiate_checks_the_amount_and_takes_the_provider(
    api: httpx.AsyncClient, system: System
) -> None:
    user = new_user()
    booking = await _seed_booking(api, user, seats=2)
    total = booking["totalAmount"]
    body = {"bookingId": booking["id"], "userId": user, "provider": "fake"}

    wrong = await api.post(
        f"{API}/payments/initiate", json={**body, "amount": total - 1}, headers=auth(user)
    )
    error = assert_error(wrong, 400, "AMOUNT_MISMATCH")
    assert (error["details"]["amount"], error["details"]["totalAmount"]) == (
        str(total - 1),
        str(total),
    )
    payments = "SELECT amount_minor, status FROM payment.payments WHERE booking_id = %s"
    assert await query(system.database_url, payments, booking["id"]) == []
    stranger = await api.post(
        f"{API}/payments/initiate", json={**body, "userId": new_user()}, headers=auth(user)
    )
    assert_error(stranger, 403, "PERMISSION_DENIED")

    started = created(
        await api.post(
            f"{API}/payments/initiate", json={**body, "amount": total}, headers=auth(user)
        )
    )

    assert (started["amount"], started["sessionId"][:5]) == (total, "sess_")
    assert await query(system.database_url, payments, booking["id"]) == [(total, "PENDING")]


@pytest.mark.parametrize(
    ("result", "payment_status"), [("success", "SUCCEEDED"), ("failed", "FAILED")]
)
async def test_simulate_takes_the_result(
    api: httpx.AsyncClient, system: System, result: str, payment_status: str
) -> None:
    user = new_user()
    booking = await _seed_booking(api, user)
    session = created(
        await api.post(
            f"{API}/payments/initiate",
            json={"bookingId": booking["id"], "userId": user},
            headers=auth(user),
        )
    )["sessionId"]

    simulated = ok(
        await api.post(
            f"{API}/payments/simulate/{session}", json={"result": result}, headers=auth(user)
        )
    )
    assert (simulated["sessionId"], simulated["outcome"]) == (session, result)

    async def recorded() -> bool:
        rows = await query(
            system.database_url,
            "SELECT status FROM payment.payments WHERE session_id = %s",
            session,
        )
        return rows == [(payment_status,)]

    await eventually(recorded, timeout=30, message=f"payment {payment_status}")
    expected = "CONFIRMED" if result == "success" else "PENDING"

    async def booking_state() -> bool:
        return await _status(system, booking["id"]) == expected

    await eventually(booking_state, timeout=30, message=f"booking {expected}")


async def test_refund_takes_the_user_id(api: httpx.AsyncClient, system: System) -> None:
    user = new_user()
    booking = await _seed_booking(api, user)
    session = created(
        await api.post(
            f"{API}/payments/initiate",
            json={"bookingId": booking["id"], "userId": user},
            headers=auth(user),
        )
    )["sessionId"]
    ok(
        await api.post(
            f"{API}/payments/simulate/{session}", json={"result": "success"}, headers=auth(user)
        )
    )

    async def confirmed() -> bool:
        return await _status(system, booking["id"]) == "CONFIRMED"

    await eventually(confirmed, timeout=30, message="booking CONFIRMED")
    path = f"{API}/payments/refund/{booking['id']}"

    refused = await api.post(path, json={"userId": new_user()}, headers=auth(user))
    assert_error(refused, 403, "PERMISSION_DENIED")
    refund = ok(await api.post(path, json={"userId": user}, headers=auth(user)))

    assert (refund["bookingId"], refund["percent"]) == (booking["id"], 100)
    rows = await query(
        system.database_url,
        "SELECT amount_minor, percent, user_id::text FROM payment.refunds WHERE booking_id = %s",
        booking["id"],
    )
    assert rows == [(booking["totalAmount"], 100, user)]

    async def refunded() -> bool:
        return await _status(system, booking["id"]) == "REFUNDED"

    await eventually(refunded, timeout=30, message="booking REFUNDED")
