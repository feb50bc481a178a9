"""The waiting room of a show: join it, read your place, or follow it as server-sent events.

The stream asks the waiting room for the holder's place every ``QUEUE_EVENTS_POLL_SECONDS``
(one GetStatus, a primary-key read and an index range count, per open stream per second) and
sends an event only when the place changed, plus a comment line every 15 s to keep proxies
from closing an idle stream. It ends once the holder is admitted (or the pass ran out): what
follows is the seat map.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from starlette.responses import Response, StreamingResponse

from gateway.auth import Authenticated, acting_user
from gateway.errors import ApiError
from gateway.rendering import queue as render
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import error_responses
from gateway.schemas.queue import QueueStatusResponse
from gateway.state import State
from svckit.identity import Caller
from ticketing.waitingroom.v1 import waitingroom_pb2

router = APIRouter(prefix=f"{API_PREFIX}/shows", tags=["queue"])

ShowId = Annotated[UUID, Path(alias="showId")]
KEEP_ALIVE_SECONDS = 15.0
LONGEST_POLL_SECONDS = 10.0
FINAL_STATES = {"ADMITTED", "PASS_EXPIRED"}


@router.post(
    "/{showId}/queue",
    response_model=QueueStatusResponse,
    summary="Join the show's waiting room",
    description="One place per user and show: joining again (another tab, another device) "
    "returns the same place. Whoever joins before `onSaleAt` is placed by lot at `onSaleAt`; "
    "whoever joins after, at the back (so does whoever joins again once their pass ran out). "
    "A show without a waiting room → 400 NO_WAITING_ROOM.",
    responses=error_responses(400, 401, 404, 429, 503, 504),
)
async def join(gw: State, caller: Authenticated, show_id: ShowId) -> Response:
    request = waitingroom_pb2.JoinRequest(show_id=str(show_id), user_id=acting_user(caller, None))
    reply = await gw.upstreams.call("waitingroom", gw.upstreams.waitingroom.Join, request, caller)
    return json_response(render.queue_status(reply))


@router.get(
    "/{showId}/queue",
    response_model=QueueStatusResponse,
    summary="Your place in the show's waiting room",
    description="Position, people ahead, estimated wait, and the admission pass once admitted. "
    "Not joined → 404 NOT_IN_QUEUE.",
    responses=error_responses(400, 401, 404, 503, 504),
)
async def status(gw: State, caller: Authenticated, show_id: ShowId) -> Response:
    return json_response(await _status(gw, caller, str(show_id)))


@router.get(
    "/{showId}/queue/events",
    summary="Your place in the show's waiting room, as server-sent events",
    description="`text/event-stream`: an `event: status` whose `data` is the same document as "
    "`GET /shows/{showId}/queue`, sent at once and again whenever it changes; the stream ends "
    "after the event that says you were admitted.",
    responses={
        200: {
            "description": "The stream of status events",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **error_responses(400, 401, 404, 503, 504),
    },
    response_class=StreamingResponse,
)
async def events(gw: State, caller: Authenticated, show_id: ShowId, request: Request) -> Response:
    first = await _status(gw, caller, str(show_id))  # not joined: a plain 404, no stream
    stream = _stream(gw, caller, str(show_id), first, request)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _status(gw: State, caller: Caller, show_id: str) -> dict[str, Any]:
    request = waitingroom_pb2.GetStatusRequest(show_id=show_id, user_id=acting_user(caller, None))
    reply = await gw.upstreams.call(
        "waitingroom", gw.upstreams.waitingroom.GetStatus, request, caller
    )
    return render.queue_status(reply)


def next_poll_seconds(shortest: float, status: dict[str, Any]) -> float:
    """How long a stream waits before asking again: a tenth of the wait still ahead, between
    ``shortest`` and ``LONGEST_POLL_SECONDS``.

    Each ask costs the waiting room a read; someone 20 minutes from the front asks every 10 s
    instead of every second, and the asks speed up as the turn nears, so admission is still
    seen within about a tenth of the remaining estimate.
    """
    ahead = float(status.get("estimatedWaitSeconds") or 0)
    return min(LONGEST_POLL_SECONDS, max(shortest, ahead / 10))


def _event(document: dict[str, Any]) -> bytes:
    return f"event: status\ndata: {json.dumps(document, separators=(',', ':'))}\n\n".encode()


async def _stream(
    gw: State, caller: Caller, show_id: str, first: dict[str, Any], request: Request
) -> AsyncIterator[bytes]:
    last = first
    yield _event(first)
    quiet_since = time.monotonic()
    while last["state"] not in FINAL_STATES:
        await asyncio.sleep(next_poll_seconds(gw.config.queue_events_poll_seconds, last))
        if await request.is_disconnected():
            return
        try:
            current = await _status(gw, caller, show_id)
        except ApiError as error:
            yield f"event: error\ndata: {json.dumps({'code': error.code})}\n\n".encode()
            return
        if current != last:
            last = current
            quiet_since = time.monotonic()
            yield _event(current)
        elif time.monotonic() - quiet_since >= KEEP_ALIVE_SECONDS:
            quiet_since = time.monotonic()
            yield b": keep-alive\n\n"
