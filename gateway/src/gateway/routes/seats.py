"""Seat maps (anonymous viewers welcome) and screen layouts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response

from gateway.auth import OPTIONAL_BEARER, MaybeAuthenticated, ensure_acts_for, require_identity
from gateway.conditional import PRIVATE, SharedReply
from gateway.rendering import seats as render
from gateway.responses import json_bytes_response, json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import error_responses
from gateway.schemas.seats import (
    SEAT_MAP_CACHING,
    AvailableSeatsResponse,
    ScreenLayoutResponse,
    SeatMapResponse,
)
from gateway.state import Gateway, State
from svckit.identity import Caller
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2

router = APIRouter(prefix=f"{API_PREFIX}/seats", tags=["seats"])

ShowId = Annotated[UUID, Path(alias="showId")]


@router.get(
    "/shows/{showId}",
    response_model=SeatMapResponse,
    summary="Seat map of a show",
    description="Every seat with its status and a summary. With a token (or `userId`, which "
    "must be the token's subject) the viewer's own holds show as `held_by_me`; that map is "
    "`private, no-store` (a viewer who holds no seat of the show is given the anonymous map, "
    "which is then exactly theirs). The anonymous map (no token, no `userId`) is the same for "
    "everyone: it carries an `ETag` and `Cache-Control: public, max-age=1`, and "
    "`If-None-Match` with its `ETag` is answered 304 without a body while it has not changed. "
    "It may be up to a second behind a change made elsewhere; follow the seat stream "
    "(`/events`) to see changes as they commit.",
    responses={**SEAT_MAP_CACHING, **error_responses(400, 401, 403, 404, 503, 504)},
    openapi_extra=OPTIONAL_BEARER,
)
async def seat_map(
    request: Request,
    gw: State,
    caller: MaybeAuthenticated,
    show_id: ShowId,
    user_id: Annotated[UUID | None, Query(alias="userId")] = None,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="The `ETag` of the anonymous map the client has; 304 if it is current.",
        ),
    ] = None,
) -> Response:
    viewer = caller.user_id or ""
    if user_id is not None:
        require_identity(caller, "userId names a viewer; send that user's bearer token")
        viewer = str(user_id)
        ensure_acts_for(caller, viewer)
    show = str(show_id)
    if not viewer:
        shared = await gw.public_seat_maps.get(show, lambda: _public_seat_map(gw, show, caller))
        return await shared.response(if_none_match, request.headers.get("accept-encoding", ""))
    if gw.public_seat_maps.enabled:
        # A viewer who holds no seat of the show sees exactly the anonymous map (no seat is
        # theirs): the kept one serves them too, still as a private reply.
        shared = await gw.public_seat_maps.get(show, lambda: _public_seat_map(gw, show, caller))
        if viewer not in shared.holders:
            return json_bytes_response(shared.body, headers=PRIVATE)
    rpc_request = inventory_pb2.GetSeatMapRequest(show_id=show, viewer_user_id=viewer)
    reply = await gw.upstreams.call("inventory", gw.upstreams.seat_map_bytes, rpc_request, caller)
    return json_bytes_response(gw.seat_maps.render(reply, _render_seat_map), headers=PRIVATE)


async def _public_seat_map(gw: Gateway, show_id: str, caller: Caller) -> SharedReply:
    request = inventory_pb2.GetSeatMapRequest(show_id=show_id)
    reply = await gw.upstreams.call("inventory", gw.upstreams.seat_map_bytes, request, caller)
    holders = frozenset(inventory_pb2.SeatMap.FromString(reply).holder_user_ids)
    return SharedReply(gw.seat_maps.render(reply, _render_seat_map), holders)


def _render_seat_map(reply: bytes) -> dict[str, Any]:
    return render.seat_map(inventory_pb2.SeatMap.FromString(reply))


@router.get(
    "/shows/{showId}/available",
    response_model=AvailableSeatsResponse,
    summary="Available seats of a show",
    responses=error_responses(400, 404, 503, 504),
    openapi_extra=OPTIONAL_BEARER,
)
async def available_seats(gw: State, caller: MaybeAuthenticated, show_id: ShowId) -> Response:
    request = inventory_pb2.ListAvailableSeatsRequest(show_id=str(show_id))
    reply = await gw.upstreams.call(
        "inventory", gw.upstreams.inventory.ListAvailableSeats, request, caller
    )
    return json_response(render.available_seats(reply))


@router.get(
    "/screens/{screenId}",
    response_model=ScreenLayoutResponse,
    summary="Seat layout of a screen, by row",
    responses=error_responses(400, 404, 503, 504),
    openapi_extra=OPTIONAL_BEARER,
)
async def screen_layout(
    gw: State,
    caller: MaybeAuthenticated,
    screen_id: Annotated[UUID, Path(alias="screenId")],
) -> Response:
    request = catalog_pb2.GetScreenRequest(screen_id=str(screen_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.GetScreen, request, caller)
    return json_response(render.screen_layout(reply))
