"""An on-sale behind a waiting room, through the gateway as a client sees it: people join before
the on-sale (one place each, however often they join), nobody without a pass may hold a seat,
the room admits them in queue order from the on-sale on, and an admitted person holds and books;
the status also arrives as a server-sent event stream that ends with the admission."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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
    query,
    seat_ids,
)
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def guarded_show(api: httpx.AsyncClient, on_sale_in: timedelta) -> dict[str, Any]:
    on_sale_at = datetime.now(UTC) + on_sale_in
    show = await new_show(
        api,
        rows=2,
        seats_per_row=5,
        onSaleAt=rfc3339(on_sale_at),
        waitingRoom={"admitPerMinute": 600, "maxActive": 50},
    )
    assert show["waitingRoom"] == {"admitPerMinute": 600, "maxActive": 50}
    return show


async def test_people_join_before_the_on_sale_and_hold_seats_only_once_admitted(
    api: httpx.AsyncClient, system: System
) -> None:
    show = await guarded_show(api, on_sale_in=timedelta(seconds=10))
    queue = f"{API}/shows/{show['id']}/queue"
    seats = await seat_ids(api, show["id"])
    early = [new_user() for _ in range(4)]
    stranger = new_user()

    joined = [ok(await api.post(queue, headers=auth(user))) for user in early]
    assert all(place["state"] == "WAITING" and place["inLottery"] for place in joined)
    again = ok(await api.post(queue, headers=auth(early[0])))
    assert again["joinedAt"] == joined[0]["joinedAt"], "joining again keeps the first place"
    positions = {u: ok(await api.get(queue, headers=auth(u)))["position"] for u in early}
    assert sorted(positions.values()) == [1, 2, 3, 4], "one place each, drawn by lot"

    for user in (early[0], stranger):  # waiting, and never joined: both refused
        refused = await api.post(
            f"{API}/bookings/hold-seats",
            json={"showId": show["id"], "showSeatIds": seats[:1]},
            headers=auth(user),
        )
        error = assert_error(refused, 403, "ADMISSION_REQUIRED")
        assert f"/api/v1/shows/{show['id']}/queue" in error["message"]

    async def admitted() -> dict[str, Any]:
        place = ok(await api.get(queue, headers=auth(early[0])))
        assert place["admitted"], place
        return place

    place = await eventually(admitted, timeout=60, interval=0.5, message="never admitted")
    assert place["state"] == "ADMITTED" and place["passExpiresAt"] > place["admittedAt"]

    hold = created(
        await api.post(
            f"{API}/bookings/hold-seats",
            json={"showId": show["id"], "showSeatIds": seats[:2]},
            headers=auth(early[0]),
        )
    )
    assert len(hold["holds"]) == 2
    booking = await book(api, early[0], show["id"], seats[:2])
    assert booking["status"] == "PENDING"

    stranger_again = await api.post(
        f"{API}/bookings",
        json={"showId": show["id"], "showSeatIds": seats[2:3]},
        headers=auth(stranger),
    )
    assert_error(stranger_again, 403, "ADMISSION_REQUIRED")

    async def everyone_admitted() -> list[tuple[Any, ...]]:
        rows = await query(
            system.database_url,
            "SELECT user_id::text, admission_no FROM waitingroom.entries WHERE show_id = %s"
            " AND admission_no IS NOT NULL ORDER BY admission_no",
            show["id"],
        )
        assert len(rows) == len(early), rows
        return rows

    rows = await eventually(everyone_admitted, timeout=60, interval=0.5)
    order = sorted(early, key=positions.__getitem__)
    assert [user for user, _ in rows] == order, "admission order is the queue's order"


async def test_the_status_stream_follows_a_place_until_admission(api: httpx.AsyncClient) -> None:
    show = await guarded_show(api, on_sale_in=timedelta(seconds=2))
    queue = f"{API}/shows/{show['id']}/queue"
    user = new_user()
    ok(await api.post(queue, headers=auth(user)))

    statuses = []
    async with api.stream("GET", f"{queue}/events", headers=auth(user), timeout=90) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                statuses.append(json.loads(line.removeprefix("data: ")))
    assert statuses[0]["state"] == "WAITING"
    assert statuses[-1]["state"] == "ADMITTED" and statuses[-1]["passExpiresAt"]


async def test_a_show_without_a_waiting_room_has_no_queue_and_needs_no_pass(
    api: httpx.AsyncClient,
) -> None:
    show = await new_show(api, rows=1, seats_per_row=3)
    assert show["waitingRoom"] is None and show["onSaleAt"] is None
    user = new_user()
    refused = await api.post(f"{API}/shows/{show['id']}/queue", headers=auth(user))
    assert_error(refused, 400, "NO_WAITING_ROOM")
    seats = await seat_ids(api, show["id"])
    created(
        await api.post(
            f"{API}/bookings/hold-seats",
            json={"showId": show["id"], "showSeatIds": seats[:1]},
            headers=auth(user),
        )
    )
