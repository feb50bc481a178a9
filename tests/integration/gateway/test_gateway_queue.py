"""The waiting room's routes: join and status for the signed-in user, the status as server-sent
events that end once admitted, and the waiting room's refusals as 4xx with their reason."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from svckit.proto_values import to_timestamp
from tests.integration.gateway.conftest import auth
from tests.integration.gateway.fakes import (
    NOW,
    SHOW,
    USER,
    FailedPrecondition,
    Fakes,
    NotFound,
    queue_status,
)
from ticketing.waitingroom.v1 import waitingroom_pb2

pytestmark = pytest.mark.integration

QUEUE = f"/api/v1/shows/{SHOW}/queue"


async def test_joining_places_the_signed_in_user_and_says_where(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.post(QUEUE, headers=auth())

    assert response.status_code == 200
    assert response.json() == {
        "showId": SHOW,
        "userId": USER,
        "state": "WAITING",
        "admitted": False,
        "position": 3,
        "peopleAhead": 2,
        "estimatedWaitSeconds": 4,
        "joinedAt": "2026-01-31T01:00:00Z",
        "onSaleAt": "2026-01-31T01:00:00Z",
        "inLottery": True,
        "admittedAt": None,
        "passExpiresAt": None,
    }
    (call,) = upstream.waitingroom.calls
    assert (call.method, call.request.show_id, call.request.user_id) == ("Join", SHOW, USER)


async def test_the_queue_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert (await client.post(QUEUE)).status_code == 401
    assert (await client.get(QUEUE)).status_code == 401


async def test_a_show_without_a_waiting_room_cannot_be_joined(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def no_room(request: Any, context: Any) -> Any:
        raise FailedPrecondition("show has no waiting room", reason="NO_WAITING_ROOM")

    upstream.waitingroom.on("Join", no_room)
    response = await client.post(QUEUE, headers=auth())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NO_WAITING_ROOM"


async def test_the_status_of_someone_who_never_joined_is_404(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def not_joined(request: Any, context: Any) -> Any:
        raise NotFound("you have not joined", reason="NOT_IN_QUEUE")

    upstream.waitingroom.on("GetStatus", not_joined)
    response = await client.get(QUEUE, headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_IN_QUEUE"


async def test_the_event_stream_sends_each_change_and_ends_once_admitted(
    start_gateway: Any, upstream: Fakes
) -> None:
    client = await start_gateway(queue_events_poll_seconds=0.05)
    replies = iter(
        [
            queue_status(position=2, people_ahead=1),
            queue_status(position=2, people_ahead=1),
            queue_status(position=1, people_ahead=0),
            queue_status(
                state=waitingroom_pb2.ADMITTED,
                position=0,
                people_ahead=0,
                estimated_wait_seconds=0,
                admitted_at=to_timestamp(NOW),
                pass_expires_at=to_timestamp(NOW.replace(minute=10)),
            ),
        ]
    )

    async def next_status(request: Any, context: Any) -> Any:
        return next(replies)

    upstream.waitingroom.on("GetStatus", next_status)
    async with client.stream("GET", f"{QUEUE}/events", headers=auth()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join([chunk async for chunk in response.aiter_text()])

    events = [block for block in body.split("\n\n") if block.startswith("event: status")]
    assert len(events) == 3, "an unchanged place is not sent again"
    assert '"position":2' in events[0] and '"position":1' in events[1]
    assert '"state":"ADMITTED"' in events[2]
    assert '"passExpiresAt":"2026-01-31T01:10:00Z"' in events[2]
