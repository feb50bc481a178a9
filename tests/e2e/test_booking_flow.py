"""The seed's booking flow, end to end, on the demo catalog as a client reads it: browse, hold,
book, pay through the provider (a signed webhook back to the gateway), see CONFIRMED, refund."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.api import API, auth, created, ok, seat_map, statuses
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e

ALICE = "11111111-1111-4111-8111-111111111111"
SEED_TITLES = {"Inception", "The Dark Knight", "Interstellar"}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _browse_to_a_show_two_days_out(api: httpx.AsyncClient) -> dict[str, Any]:
    movies = ok(await api.get(f"{API}/movies"))
    assert {movie["title"] for movie in movies["movies"]} >= SEED_TITLES
    movie = next(m for m in movies["movies"] if m["title"] == "Interstellar")
    assert {"id", "title", "durationMinutes", "rating", "genres", "language"} <= set(movie)
    assert ok(await api.get(f"{API}/movies/{movie['id']}")) == movie

    shows = ok(
        await api.get(
            f"{API}/shows", params={"movieId": movie["id"], "bookableOnly": "true", "pageSize": 100}
        )
    )
    assert shows["totalSize"] == len(shows["shows"]) > 0
    later = datetime.now(UTC) + timedelta(hours=30)
    show: dict[str, Any] = next(s for s in shows["shows"] if _at(s["startTime"]) > later)
    assert show["movieTitle"] == "Interstellar" and show["bookable"] and show["currency"] == "INR"
    assert {price["tier"] for price in show["prices"]} == {"REGULAR", "PREMIUM", "VIP"}
    assert ok(await api.get(f"{API}/shows/{show['id']}")) == show
    theatre = ok(await api.get(f"{API}/theatres/{show['theatreId']}"))
    assert theatre["name"] == show["theatreName"]
    screens = ok(await api.get(f"{API}/theatres/{show['theatreId']}/screens"))
    assert show["screenId"] in {screen["id"] for screen in screens["screens"]}
    return show


async def test_browse_hold_book_pay_confirm_and_refund_in_full(api: httpx.AsyncClient) -> None:
    alice = auth(ALICE)
    show = await _browse_to_a_show_two_days_out(api)
    show_id = show["id"]

    layout = ok(await api.get(f"{API}/seats/screens/{show['screenId']}"))
    assert layout["capacity"] == show["capacity"] == sum(len(r["seats"]) for r in layout["rows"])
    before = await seat_map(api, show_id)
    assert before["summary"] == {
        "total": show["capacity"],
        "available": show["capacity"],
        "booked": 0,
        "held": 0,
        "heldByMe": 0,
    }
    available = ok(await api.get(f"{API}/seats/shows/{show_id}/available"))
    assert available["count"] == show["capacity"]
    vip = [seat for seat in before["seats"] if seat["tier"] == "VIP"][:2]
    assert [set(seat) for seat in vip] == [{"id", "row", "number", "price", "tier", "status"}] * 2
    chosen = [seat["id"] for seat in vip]

    held = created(
        await api.post(
            f"{API}/bookings/hold-seats",
            json={"showId": show_id, "userId": ALICE, "showSeatIds": chosen},
            headers=alice,
        )
    )
    assert held["success"] is True and held["expiresIn"] > 0
    assert sorted(hold["seatId"] for hold in held["holds"]) == sorted(chosen)
    mine = await seat_map(api, show_id, ALICE, as_query=True)
    assert {statuses(mine)[seat] for seat in chosen} == {"held_by_me"}
    assert mine["summary"]["heldByMe"] == 2

    booking = created(
        await api.post(
            f"{API}/bookings",
            json={"userId": ALICE, "showId": show_id, "seatIds": chosen},
            headers=alice,
        )
    )
    total = sum(seat["price"] for seat in vip)
    assert booking["status"] == "PENDING" and booking["userId"] == ALICE
    assert (booking["totalAmount"], booking["currency"]) == (total, "INR") == (100000, "INR")
    assert _at(booking["expiresAt"]) > datetime.now(UTC)
    assert sorted(seat["id"] for seat in booking["seats"]) == sorted(chosen)
    assert {seat["tier"] for seat in booking["seats"]} == {"VIP"}
    assert booking["show"]["movie"] == "Interstellar"
    assert booking["show"]["startTime"] == show["startTime"]
    booking_id = booking["id"]
    taken = await seat_map(api, show_id)
    assert {statuses(taken)[seat] for seat in chosen} == {"booked"}
    listed = ok(await api.get(f"{API}/bookings/user/{ALICE}", headers=alice))
    assert listed["bookings"][0]["id"] == booking_id

    payment = created(
        await api.post(
            f"{API}/payments/initiate",
            json={"bookingId": booking_id, "userId": ALICE},
            headers=alice,
        )
    )
    assert payment["sessionId"].startswith("sess_")
    assert (payment["amount"], payment["currency"]) == (total, "INR")
    assert payment["sessionId"] in payment["paymentUrl"]
    checkout = await api.get(payment["paymentUrl"])
    assert checkout.status_code == 200
    status = ok(await api.get(f"{API}/payments/status/{booking_id}", headers=alice))
    assert status["bookingStatus"] == "PENDING"
    assert [p["status"] for p in status["payments"]] == ["PENDING"]

    simulated = ok(
        await api.post(
            f"{API}/payments/simulate/{payment['sessionId']}",
            json={"outcome": "success"},
            headers=alice,
        )
    )
    assert (simulated["sessionId"], simulated["outcome"]) == (payment["sessionId"], "success")

    async def confirmed() -> dict[str, Any]:
        current = ok(await api.get(f"{API}/bookings/{booking_id}", headers=alice))
        assert current["status"] == "CONFIRMED", current["status"]
        return current

    booking = await eventually(confirmed, timeout=30, message="booking not CONFIRMED")
    assert booking["payment"] == {
        "status": "SUCCEEDED",
        "amount": total,
        "refundedAmount": 0,
        "currency": "INR",
    }
    assert [(h["fromStatus"], h["toStatus"]) for h in booking["history"]] == [
        (None, "PENDING"),
        ("PENDING", "CONFIRMED"),
    ]
    after_payment = await seat_map(api, show_id, ALICE)
    assert {statuses(after_payment)[seat] for seat in chosen} == {"booked"}
    assert after_payment["summary"]["booked"] == 2 and after_payment["summary"]["heldByMe"] == 0

    refund = ok(
        await api.post(
            f"{API}/payments/refund/{booking_id}", json={"reason": "plans changed"}, headers=alice
        )
    )
    assert (refund["bookingId"], refund["percent"], refund["amount"]) == (booking_id, 100, total)
    assert refund["currency"] == "INR"

    async def refunded() -> dict[str, Any]:
        current = ok(await api.get(f"{API}/bookings/{booking_id}", headers=alice))
        assert current["status"] == "REFUNDED", current["status"]
        return current

    booking = await eventually(refunded, timeout=30, message="booking not REFUNDED")
    assert booking["payment"]["refundedAmount"] == total
    status = ok(await api.get(f"{API}/payments/status/{booking_id}", headers=alice))
    assert status["bookingStatus"] == "REFUNDED"
    assert [(r["amount"], r["percent"]) for r in status["refunds"]] == [(total, 100)]
    assert [p["status"] for p in status["payments"]] == ["REFUNDED"]

    async def back_on_sale() -> bool:
        return {statuses(await seat_map(api, show_id))[seat] for seat in chosen} == {"available"}

    await eventually(back_on_sale, timeout=30, message="refunded seats not back on sale")
