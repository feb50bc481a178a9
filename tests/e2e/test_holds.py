"""Seat holds as the holder, another user and an anonymous viewer see them on the seat map."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.api import (
    API,
    assert_error,
    auth,
    book,
    created,
    new_show,
    new_user,
    ok,
    seat_ids,
    seat_map,
    statuses,
)

pytestmark = pytest.mark.e2e


async def _hold(
    api: httpx.AsyncClient, user: str, show_id: str, seats: list[str]
) -> httpx.Response:
    return await api.post(
        f"{API}/bookings/hold-seats",
        json={"showId": show_id, "showSeatIds": seats},
        headers=auth(user),
    )


def _summary(body: dict[str, Any]) -> dict[str, int]:
    summary: dict[str, int] = body["summary"]
    return summary


async def test_holds_show_as_held_by_me_to_the_holder_and_held_to_everyone_else(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=2, seats_per_row=5)
    seats = await seat_ids(api, show["id"])
    holder, other = new_user(), new_user()

    hold = created(await _hold(api, holder, show["id"], seats[:2]))
    assert hold["success"] is True and hold["expiresIn"] > 0
    assert [h["seatId"] for h in hold["holds"]] == seats[:2]

    for view in (
        await seat_map(api, show["id"], holder),
        await seat_map(api, show["id"], holder, as_query=True),
    ):
        assert [statuses(view)[s] for s in seats[:3]] == ["held_by_me", "held_by_me", "available"]
        assert _summary(view) == {
            "total": 10,
            "available": 8,
            "booked": 0,
            "held": 2,
            "heldByMe": 2,
        }
        mine = [seat for seat in view["seats"] if seat["status"] == "held_by_me"]
        assert all(seat["holdExpiresAt"] for seat in mine)
    for view in (await seat_map(api, show["id"], other), await seat_map(api, show["id"])):
        assert [statuses(view)[s] for s in seats[:3]] == ["held", "held", "available"]
        assert _summary(view) == {
            "total": 10,
            "available": 8,
            "booked": 0,
            "held": 2,
            "heldByMe": 0,
        }
        assert not any("holdExpiresAt" in seat for seat in view["seats"])
    available = ok(await api.get(f"{API}/seats/shows/{show['id']}/available"))
    assert {seat["id"] for seat in available["seats"]} == set(seats[2:])

    # another user can neither hold nor book a held seat; the whole request fails
    taken = assert_error(await _hold(api, other, show["id"], [seats[1], seats[2]]), 409)
    assert seats[1] in taken["details"]["seatIds"] and seats[2] not in taken["details"]["seatIds"]
    assert_error(
        await api.post(
            f"{API}/bookings",
            json={"showId": show["id"], "showSeatIds": [seats[0]]},
            headers=auth(other),
        ),
        409,
    )
    assert statuses(await seat_map(api, show["id"]))[seats[2]] == "available"

    # the holder books what they hold: booked for everyone, no longer held
    booking = await book(api, holder, show["id"], seats[:2])
    assert booking["status"] == "PENDING"
    for viewer in (holder, other, None):
        view = await seat_map(api, show["id"], viewer)
        assert [statuses(view)[s] for s in seats[:2]] == ["booked", "booked"]
        assert _summary(view) == {
            "total": 10,
            "available": 8,
            "booked": 2,
            "held": 0,
            "heldByMe": 0,
        }
    assert_error(await _hold(api, other, show["id"], [seats[0]]), 409)


async def test_a_new_hold_replaces_the_previous_one_and_holds_can_be_released(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=1, seats_per_row=6)
    seats = await seat_ids(api, show["id"])
    holder, other = new_user(), new_user()

    created(await _hold(api, holder, show["id"], [seats[0]]))
    created(await _hold(api, holder, show["id"], [seats[1], seats[2]]))
    view = await seat_map(api, show["id"], holder)
    assert [statuses(view)[s] for s in seats[:3]] == ["available", "held_by_me", "held_by_me"]

    assert_error(
        await api.delete(f"{API}/bookings/holds/{holder}", headers=auth(other)),
        403,
        "PERMISSION_DENIED",
    )
    assert _summary(await seat_map(api, show["id"]))["held"] == 2

    released = ok(
        await api.delete(
            f"{API}/bookings/holds/{holder}", params={"showId": show["id"]}, headers=auth(holder)
        )
    )
    assert released == {"released": 2}
    assert _summary(await seat_map(api, show["id"], holder)) == {
        "total": 6,
        "available": 6,
        "booked": 0,
        "held": 0,
        "heldByMe": 0,
    }
    # released seats are free for anyone at once
    assert created(await _hold(api, other, show["id"], [seats[1]]))["success"] is True
