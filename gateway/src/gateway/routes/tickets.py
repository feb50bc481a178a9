"""E-tickets and check-in: ``GET /bookings/{bookingId}/tickets`` (the owner's, with a QR code per
seat) and ``POST /check-in`` (staff). The booking service signs, verifies and admits; the gateway
only draws the QR code (segno, SVG) of the code it is given."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import segno
from fastapi import APIRouter, Path
from pydantic import Field
from starlette.responses import Response

from gateway.auth import Authenticated
from gateway.rendering.common import TIERS, enum_names, timestamp
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import RequestModel, ResponseModel, error_responses
from gateway.state import State
from ticketing.booking.v1 import booking_pb2

router = APIRouter(prefix=API_PREFIX, tags=["bookings"])

OUTCOMES = enum_names(booking_pb2.CheckInOutcome, "CHECK_IN_OUTCOME_")


class TicketView(ResponseModel):
    seat_id: str
    row: str
    number: int
    tier: str
    code: str = Field(description="The signed ticket code the QR code carries.")
    qr_svg: str = Field(description="The QR code as an SVG data: URI, for an <img src>.")
    checked_in_at: str | None


class TicketsResponse(ResponseModel):
    booking_id: str
    tickets: list[TicketView]


class CheckInRequest(RequestModel):
    code: str = Field(min_length=1, max_length=200, description="Scanned or typed ticket code.")


class CheckInResponse(ResponseModel):
    outcome: Literal["ADMITTED", "ALREADY_CHECKED_IN", "REFUSED", "UNSPECIFIED"]
    booking_id: str
    seat_id: str
    checked_in_at: str | None = Field(description="The (first) admission's time.")
    reason: str
    row: str
    number: int
    movie_title: str
    show_start_time: str | None


def qr_data_uri(code: str) -> str:
    qr = segno.make(code, error="m", micro=False)
    uri: str = qr.svg_data_uri(scale=4, border=2, dark="#111", title=f"Ticket {code[:12]}…")
    return uri


def render_tickets(booking_id: str, reply: booking_pb2.GetTicketsResponse) -> dict[str, Any]:
    return {
        "bookingId": booking_id,
        "tickets": [
            {
                "seatId": ticket.seat_id,
                "row": ticket.row_label,
                "number": ticket.number,
                "tier": TIERS.get(ticket.tier, "UNSPECIFIED"),
                "code": ticket.code,
                "qrSvg": qr_data_uri(ticket.code),
                "checkedInAt": timestamp(ticket, "checked_in_at"),
            }
            for ticket in reply.tickets
        ],
    }


def render_check_in(reply: booking_pb2.CheckInResponse) -> dict[str, Any]:
    return {
        "outcome": OUTCOMES.get(reply.outcome, "UNSPECIFIED"),
        "bookingId": reply.booking_id,
        "seatId": reply.seat_id,
        "checkedInAt": timestamp(reply, "checked_in_at"),
        "reason": reply.reason,
        "row": reply.row_label,
        "number": reply.number,
        "movieTitle": reply.movie_title,
        "showStartTime": timestamp(reply, "show_start_time"),
    }


@router.get(
    "/bookings/{bookingId}/tickets",
    response_model=TicketsResponse,
    summary="E-tickets of a CONFIRMED booking: one per seat, with its QR code",
    responses=error_responses(400, 401, 403, 404, 409, 503, 504),
)
async def booking_tickets(
    gw: State, caller: Authenticated, booking_id: Annotated[UUID, Path(alias="bookingId")]
) -> Response:
    request = booking_pb2.GetTicketsRequest(booking_id=str(booking_id))
    reply = await gw.upstreams.call("booking", gw.upstreams.booking.GetTickets, request, caller)
    return json_response(render_tickets(str(booking_id), reply))


@router.post(
    "/check-in",
    response_model=CheckInResponse,
    summary="Admit a ticket at the door, once (role staff or admin)",
    description="`ADMITTED` the first time; `ALREADY_CHECKED_IN` with the first time after "
    "that; `REFUSED` for a booking that is not CONFIRMED. A malformed or forged code is 400.",
    responses=error_responses(400, 401, 403, 503, 504),
)
async def check_in(gw: State, caller: Authenticated, body: CheckInRequest) -> Response:
    request = booking_pb2.CheckInRequest(code=body.code)
    reply = await gw.upstreams.call("booking", gw.upstreams.booking.CheckIn, request, caller)
    return json_response(render_check_in(reply))
