"""Nobody who paid loses a ticket: the booking service is killed (SIGKILL) after the payment was
taken and before it could consume `payment.succeeded`; the event waits in its queue, and once the
service is started again the booking still ends CONFIRMED with its seats sold."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.api import API, auth, book, created, new_show, new_user, ok, query, seat_map
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e


async def test_a_payment_taken_while_booking_is_dead_confirms_the_booking_after_restart(
    api: httpx.AsyncClient, system: System
) -> None:
    user = new_user()
    show = await new_show(api, rows=1, seats_per_row=4)
    seat_ids = [seat["id"] for seat in (await seat_map(api, show["id"]))["seats"][:2]]
    booking = await book(api, user, show["id"], seat_ids)
    started = created(
        await api.post(
            f"{API}/payments/initiate",
            json={"bookingId": booking["id"], "userId": user},
            headers=auth(user),
        )
    )

    system.kill_service("booking")
    try:
        paid = await api.post(
            f"{API}/payments/simulate/{started['sessionId']}",
            json={"outcome": "success"},
            headers=auth(user),
        )
        assert paid.status_code in (200, 201), paid.text

        async def payment_recorded() -> bool:
            rows = await query(
                system.database_url,
                "SELECT status FROM payment.payments WHERE booking_id = %s",
                booking["id"],
            )
            return [row[0] for row in rows] == ["SUCCEEDED"]

        await eventually(payment_recorded, timeout=30, message="payment not recorded")
        rows = await query(
            system.database_url, "SELECT status FROM booking.bookings WHERE id = %s", booking["id"]
        )
        assert rows == [("PENDING",)]  # nobody has consumed the event yet
    finally:
        system.start_service("booking")

    async def confirmed() -> dict[str, object] | None:
        response = await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user))
        if response.status_code != 200:
            return None  # booking still starting
        seen: dict[str, object] = response.json()
        return seen if seen["status"] == "CONFIRMED" else None

    seen = await eventually(confirmed, timeout=60, interval=0.25, message="never confirmed")
    assert seen["payment"] == {**seen["payment"], "status": "SUCCEEDED"}

    async def sold() -> bool:
        statuses = {s["id"]: s["status"] for s in (await seat_map(api, show["id"]))["seats"]}
        return all(statuses[seat] == "booked" for seat in seat_ids)

    await eventually(sold, timeout=30, message="seats not sold")
    assert ok(await api.get(f"{API}/health"))["status"] == "ok"
