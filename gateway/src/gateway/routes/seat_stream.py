"""The seat map, pushed: a show's seat changes as server-sent events (gateway.seat_changes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Request
from starlette.responses import StreamingResponse

from gateway.auth import OPTIONAL_BEARER
from gateway.errors import InvalidArgument
from gateway.routes import API_PREFIX
from gateway.schemas.best_seats import SEAT_STREAM_EXAMPLE
from gateway.schemas.common import error_responses
from gateway.seat_changes import RELOAD, SeatChange, SeatChangeHub, Subscription

router = APIRouter(prefix=f"{API_PREFIX}/seats", tags=["seats"])

KEEPALIVE_SECONDS = 15.0
RETRY_MILLISECONDS = 2000
_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _hub(request: Request) -> SeatChangeHub:
    hub: SeatChangeHub = request.app.state.seat_changes
    return hub


@router.get(
    "/shows/{showId}/events",
    summary="Seat changes of a show, as they commit (server-sent events)",
    description="A `text/event-stream`. It opens with `event: ready`; then each committed change "
    "of the show's seats (held, released, reserved, sold, freed) is one `event: seats` with an "
    "`id:` and, as data, a `SeatChangesEvent` document. Read the seat map once after `ready`, "
    "then apply the events. Reconnecting with `Last-Event-ID` replays what was missed; when "
    "that cannot be told (too old, or this server's feed was interrupted) the stream sends "
    "`event: reload`: read the seat map again. `: ping` comments keep the connection alive.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The event stream.",
            "content": {"text/event-stream": {"example": SEAT_STREAM_EXAMPLE}},
        },
        **error_responses(400),
    },
    openapi_extra=OPTIONAL_BEARER,
)
async def seat_events(
    request: Request,
    show_id: Annotated[UUID, Path(alias="showId")],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    resume = _event_id(last_event_id)
    hub = _hub(request)
    stream = _events(hub, str(show_id), resume)
    return StreamingResponse(stream, media_type="text/event-stream", headers=_HEADERS)


def _event_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise InvalidArgument(
            "Last-Event-ID must be the id of an event of this stream",
            {"lastEventId": value[:64]},
        )
    return int(value)


async def _events(hub: SeatChangeHub, show_id: str, resume: int | None) -> AsyncIterator[str]:
    async with hub.subscribe(show_id) as subscription:
        # Subscribed before looking back, with no await in between: nothing falls in the gap.
        missed = hub.missed(show_id, resume) if resume is not None else []
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        yield _frame("ready", json.dumps({"showId": show_id}))
        if missed is None:
            yield _reload(f"the changes after event {resume} are no longer kept")
        else:
            for change in missed:
                yield _change(change)
        async for frame in _live(subscription):
            yield frame


async def _live(subscription: Subscription) -> AsyncIterator[str]:
    """Changes as they come; those already waiting go out together, as one write."""
    queue = subscription.queue
    while True:
        try:
            async with asyncio.timeout(KEEPALIVE_SECONDS):
                change = await queue.get()
        except TimeoutError:
            yield ": ping\n\n"
            continue
        frames = [_frame_of(change)]
        while not queue.empty():
            frames.append(_frame_of(queue.get_nowait()))
        yield "".join(frames)


def _frame_of(change: SeatChange) -> str:
    return _reload("some changes may have been missed") if change is RELOAD else _change(change)


def _change(change: SeatChange) -> str:
    return f"id: {change.id}\nevent: seats\ndata: {change.data}\n\n"


def _reload(reason: str) -> str:
    return _frame("reload", json.dumps({"reason": reason}))


def _frame(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"
