"""Best-available holds and a show's seat rules: one inventory RPC each."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from starlette.responses import Response

from gateway.auth import Admin, Authenticated, acting_user
from gateway.rendering.common import TIERS, timestamp
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.routes.bookings import HOLDS
from gateway.schemas.best_seats import (
    HoldBestSeatsRequest,
    HoldBestSeatsResponse,
    ShowRulesRequest,
    ShowRulesResponse,
    hold_best_responses,
)
from gateway.schemas.common import error_responses
from gateway.state import State
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2

router = APIRouter(prefix=API_PREFIX)


@router.post(
    "/bookings/hold-best",
    tags=["bookings"],
    status_code=201,
    response_model=HoldBestSeatsResponse,
    summary="Hold the best N adjacent seats in one row",
    description="Picks and holds, in one request, the best `count` adjacent seats of one row "
    "(of `tier`, if given), replacing the user's previous holds on the show. Best: rows nearest "
    "the one about two thirds back from the screen first, then the block whose centre is "
    "nearest the row's centre; ties by row, then seat number. An aisle or gap separates seats. "
    "A block another user takes at the same moment is skipped for the next best. On a "
    "no-orphan show blocks that strand nothing come first; `strandedSeats` names any seat the "
    "hold leaves alone. None left → 409 `NO_ADJACENT_SEATS`.",
    responses=hold_best_responses(),
)
async def hold_best_seats(gw: State, caller: Authenticated, body: HoldBestSeatsRequest) -> Response:
    user_id = acting_user(caller, body.user_id)
    await gw.limiter.check(HOLDS, str(caller.user_id))
    request = inventory_pb2.HoldBestSeatsRequest(
        show_id=str(body.show_id),
        user_id=user_id,
        count=body.count,
        tier=common_pb2.SeatTier.Value(f"SEAT_TIER_{body.tier or 'UNSPECIFIED'}"),
    )
    reply = await gw.seat_write(
        request.show_id, "inventory", gw.upstreams.inventory.HoldBestSeats, request, caller
    )
    return json_response(_best_hold(reply), 201)


def _best_hold(reply: inventory_pb2.HoldBestSeatsResponse) -> dict[str, Any]:
    return {
        "success": True,
        "holds": [
            {"seatId": hold.seat_id, "expiresAt": timestamp(hold, "expires_at")}
            for hold in reply.holds
        ],
        "expiresIn": reply.expires_in_seconds,
        "seats": [
            {
                "id": seat.seat_id,
                "row": seat.row_label,
                "number": seat.number,
                "tier": TIERS.get(seat.tier, "UNSPECIFIED"),
                "price": seat.price_minor,
            }
            for seat in reply.seats
        ],
        "strandsSeats": bool(reply.stranded_seats),
        "strandedSeats": list(reply.stranded_seats),
    }


@router.put(
    "/seats/shows/{showId}/rules",
    tags=["seats"],
    response_model=ShowRulesResponse,
    summary="Set a show's seat rules (admin)",
    description="`noOrphanSeats` turns the no-orphan rule on or off (off for every new show).",
    responses=error_responses(400, 401, 403, 404, 503, 504),
)
async def set_show_rules(
    gw: State,
    caller: Admin,
    show_id: Annotated[UUID, Path(alias="showId")],
    body: ShowRulesRequest,
) -> Response:
    request = inventory_pb2.SetShowRulesRequest(
        show_id=str(show_id), no_orphan_seats=body.no_orphan_seats
    )
    reply = await gw.upstreams.call(
        "inventory", gw.upstreams.inventory.SetShowRules, request, caller
    )
    return json_response({"showId": reply.show_id, "noOrphanSeats": reply.no_orphan_seats})
