"""Seat maps (anonymous viewers welcome) and screen layouts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from gateway.auth import OPTIONAL_BEARER, MaybeAuthenticated, ensure_acts_for, require_identity
from gateway.rendering import seats as render
from gateway.responses import json_bytes_response, json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import error_responses
from gateway.schemas.seats import AvailableSeatsResponse, ScreenLayoutResponse, SeatMapResponse
from gateway.state import State
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2

router = APIRouter(prefix=f"{API_PREFIX}/seats", tags=["seats"])

ShowId = Annotated[UUID, Path(alias="showId")]


@router.get(
    "/shows/{showId}",
    response_model=SeatMapResponse,
    summary="Seat map of a show",
    description="Every seat with its status and a summary. With a token (or `userId`, which "
    "must be the token's subject) the viewer's own holds show as `held_by_me`.",
    responses=error_responses(400, 401, 403, 404, 503, 504),
    openapi_extra=OPTIONAL_BEARER,
)
async def seat_map(
    gw: State,
    caller: MaybeAuthenticated,
    show_id: ShowId,
    user_id: Annotated[UUID | None, Query(alias="userId")] = None,
) -> Response:
    viewer = caller.user_id or ""
    if user_id is not None:
        require_identity(caller, "userId names a viewer; send that user's bearer token")
        viewer = str(user_id)
        ensure_acts_for(caller, viewer)
    request = inventory_pb2.GetSeatMapRequest(show_id=str(show_id), viewer_user_id=viewer)
    reply = await gw.upstreams.call("inventory", gw.upstreams.seat_map_bytes, request, caller)
    return json_bytes_response(gw.seat_maps.render(reply, _render_seat_map))


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
