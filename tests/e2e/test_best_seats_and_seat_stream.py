"""Best available, the no-orphan rule and the pushed seat map, through the gateway."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.api import ADMIN, API, assert_error, auth, created, new_show, new_user, ok, seat_ids

pytestmark = pytest.mark.e2e

STREAM_DEADLINE = 30.0


async def frames(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The stream's events as {event, id, data}, comments and retry lines left out."""
    event: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if not line:
            if "event" in event:
                yield event
            event = {}
        elif line.startswith(("event: ", "id: ")):
            key, value = line.split(": ", 1)
            event[key] = value
        elif line.startswith("data: "):
            event["data"] = json.loads(line.removeprefix("data: "))


async def next_event(events: AsyncIterator[dict[str, Any]], kind: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        async for event in events:
            if event["event"] == kind:
                return event
        raise AssertionError(f"the stream ended before a {kind!r} event")

    return await asyncio.wait_for(find(), STREAM_DEADLINE)


async def test_best_available_holds_adjacent_seats_and_says_so_when_none_are_left(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=3, seats_per_row=4)
    user = new_user()

    body = created(
        await api.post(
            f"{API}/bookings/hold-best", json={"showId": show["id"], "count": 2}, headers=auth(user)
        )
    )

    # Row B is the one two thirds back (of A, B, C); B2-B3 is its centre.
    assert [(s["row"], s["number"]) for s in body["seats"]] == [("B", 2), ("B", 3)]
    assert body["strandsSeats"] is True and body["strandedSeats"] == ["B1", "B4"]
    assert len(body["holds"]) == 2 and body["expiresIn"] > 0
    for _ in range(2):  # A2-A3 and C2-C3: centred pairs, leaving single seats at the ends
        created(
            await api.post(
                f"{API}/bookings/hold-best",
                json={"showId": show["id"], "count": 2},
                headers=auth(new_user()),
            )
        )
    refused = await api.post(
        f"{API}/bookings/hold-best",
        json={"showId": show["id"], "count": 2},
        headers=auth(new_user()),
    )
    error = assert_error(refused, 409, "NO_ADJACENT_SEATS")
    assert error["message"] == "no 2 adjacent seats left in one row"


async def test_on_a_no_orphan_show_a_stranding_hold_is_refused_naming_the_seat(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=1, seats_per_row=6)
    rules = ok(
        await api.put(
            f"{API}/seats/shows/{show['id']}/rules", json={"noOrphanSeats": True}, headers=ADMIN
        )
    )
    assert rules == {"showId": show["id"], "noOrphanSeats": True}
    seats = await seat_ids(api, show["id"])  # A1..A6 in layout order

    refused = await api.post(
        f"{API}/bookings/hold-seats",
        json={"showId": show["id"], "showSeatIds": seats[1:3]},
        headers=auth(new_user()),
    )

    error = assert_error(refused, 409, "SEAT_WOULD_BE_STRANDED")
    assert error["details"] == {"seatId": seats[0], "seat": "A1"}
    best = created(
        await api.post(
            f"{API}/bookings/hold-best",
            json={"showId": show["id"], "count": 2},
            headers=auth(new_user()),
        )
    )
    assert best["strandsSeats"] is False


async def test_a_hold_appears_on_another_users_stream_and_a_reconnect_replays_it(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=2, seats_per_row=5)
    seats = await seat_ids(api, show["id"])
    url = f"{API}/seats/shows/{show['id']}/events"
    holder, watcher = new_user(), new_user()

    async with api.stream("GET", url, headers=auth(watcher), timeout=None) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = frames(stream)
        await next_event(events, "ready")
        ok_hold = await api.post(
            f"{API}/bookings/hold-seats",
            json={"showId": show["id"], "showSeatIds": seats[:1]},
            headers=auth(holder),
        )
        created(ok_hold)
        held = await next_event(events, "seats")

    assert held["data"]["showId"] == show["id"]
    assert [(s["seatId"], s["change"], s["status"]) for s in held["data"]["seats"]] == [
        (seats[0], "held", "held")
    ]
    assert held["data"]["seats"][0]["holdExpiresAt"].endswith("Z")

    # Missed while away: the holder lets go; the reconnect with Last-Event-ID replays it.
    ok(await api.delete(f"{API}/bookings/holds/{holder}", headers=auth(holder)))
    headers = {**auth(watcher), "Last-Event-ID": held["id"]}
    async with api.stream("GET", url, headers=headers, timeout=None) as stream:
        events = frames(stream)
        await next_event(events, "ready")
        released = await next_event(events, "seats")
    assert int(released["id"]) != int(held["id"])
    assert [(s["seatId"], s["change"]) for s in released["data"]["seats"]] == [
        (seats[0], "released")
    ]

    async with api.stream("GET", url, headers={"Last-Event-ID": "1"}, timeout=None) as stream:
        reload = await next_event(frames(stream), "reload")
    assert "no longer kept" in reload["data"]["reason"]
