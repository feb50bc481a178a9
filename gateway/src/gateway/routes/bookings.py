"""Seat holds and the booking lifecycle."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import TypeAdapter
from starlette.responses import Response

from gateway.auth import Authenticated, acting_user, authenticated, ensure_acts_for
from gateway.lean import LeanRoute, header, json_body, lean, raise_if, validated
from gateway.rendering import bookings as render
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.best_seats import with_stranding
from gateway.schemas.bookings import (
    BookingListResponse,
    BookingResponse,
    CancelBookingRequest,
    CreateBookingRequest,
    HoldSeatsRequest,
    HoldSeatsResponse,
    ReleaseHoldsResponse,
)
from gateway.schemas.common import PAGE_TOKEN_PATTERN, PageSize, error_responses
from gateway.state import IdempotencyKey, State, gateway_of, one_idempotency_key
from ticketing.booking.v1 import booking_pb2
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2

router = APIRouter(prefix=f"{API_PREFIX}/bookings", tags=["bookings"], route_class=LeanRoute)

BookingId = Annotated[UUID, Path(alias="bookingId")]
HOLDS = "holds"
BOOKINGS = "bookings"
IDEMPOTENCY_KEY = "Idempotency-Key"
_IDEMPOTENCY_KEY = TypeAdapter(IdempotencyKey)


# The on-sale's two writes, answered by gateway.lean: the same inputs, checks and errors as
# their FastAPI signatures below declare, without solving them per request.
async def _hold_seats(request: Request) -> Response:
    body = await json_body(request)
    gw, caller = gateway_of(request), authenticated(request)
    errors: list[Any] = []
    seats = validated(HoldSeatsRequest, body, errors)
    raise_if(errors, body)
    assert seats is not None
    return await hold_seats(gw, caller, seats)


async def _create_booking(request: Request) -> Response:
    body = await json_body(request)
    gw, caller = gateway_of(request), authenticated(request)
    errors: list[Any] = []
    key = header(request, IDEMPOTENCY_KEY, _IDEMPOTENCY_KEY, errors)
    booking = validated(CreateBookingRequest, body, errors)
    raise_if(errors, body)
    assert booking is not None
    return await create_booking(request, gw, caller, booking, key)


@router.post(
    "/hold-seats",
    status_code=201,
    response_model=HoldSeatsResponse,
    summary="Hold seats for a few minutes",
    description="All or nothing; replaces the user's previous holds on the show. "
    "Seats held or booked by someone else → 409 naming them. On a show with the no-orphan rule, "
    "seats that would leave a single seat stranded → 409 `SEAT_WOULD_BE_STRANDED` naming it.",
    responses=with_stranding(error_responses(400, 401, 403, 404, 409, 429, 503, 504)),
)
@lean(_hold_seats)
async def hold_seats(gw: State, caller: Authenticated, body: HoldSeatsRequest) -> Response:
    user_id = acting_user(caller, body.user_id)
    await gw.limiter.check(HOLDS, str(caller.user_id))
    request = inventory_pb2.HoldSeatsRequest(
        show_id=str(body.show_id),
        user_id=user_id,
        seat_ids=[str(seat) for seat in body.show_seat_ids],
    )
    reply = await gw.seat_write(request.show_id, "inventory", gw.holds.hold, request, caller)
    return json_response(render.holds(reply), 201)


@router.delete(
    "/holds/{userId}",
    response_model=ReleaseHoldsResponse,
    summary="Release the user's holds (on one show, or all)",
    responses=error_responses(400, 401, 403, 429, 503, 504),
)
async def release_holds(
    gw: State,
    caller: Authenticated,
    user_id: Annotated[UUID, Path(alias="userId")],
    show_id: Annotated[UUID | None, Query(alias="showId")] = None,
) -> Response:
    ensure_acts_for(caller, str(user_id))
    await gw.limiter.check(HOLDS, str(caller.user_id))
    request = inventory_pb2.ReleaseHoldsRequest(
        user_id=str(user_id), show_id=str(show_id) if show_id else ""
    )
    reply = await gw.seat_write(
        request.show_id or None, "inventory", gw.upstreams.inventory.ReleaseHolds, request, caller
    )
    return json_response({"released": reply.released})


@router.post(
    "",
    status_code=201,
    response_model=BookingResponse,
    summary="Book seats (PENDING until paid)",
    description="Honours `Idempotency-Key` (header, or `idempotencyKey` in the body as the "
    "seed's clients send it). Seats taken by someone else → 409 naming them; on a no-orphan "
    "show, seats that would strand a single seat → 409 `SEAT_WOULD_BE_STRANDED`.",
    responses=with_stranding(error_responses(400, 401, 403, 404, 409, 422, 429, 503, 504)),
)
@lean(_create_booking)
async def create_booking(
    request: Request,
    gw: State,
    caller: Authenticated,
    body: CreateBookingRequest,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    user_id = acting_user(caller, body.user_id)
    key = one_idempotency_key(idempotency_key, body.idempotency_key)
    await gw.limiter.check(BOOKINGS, str(caller.user_id))
    rpc_request = booking_pb2.CreateBookingRequest(
        user_id=user_id,
        show_id=str(body.show_id),
        seat_ids=[str(seat) for seat in body.show_seat_ids],
        # Booking derives the booking id from the key: a CreateBooking run again under it (the
        # gateway died before it kept the answer, or booking died before storing) answers with
        # the same booking instead of competing for its own seats.
        request_key=key or "",
    )

    async def create() -> Response:
        reply = await gw.seat_write(
            rpc_request.show_id, "booking", gw.bookings.create, rpc_request, caller
        )
        return json_response(render.booking(reply), 201)

    document = {
        **body.model_dump(mode="json", by_alias=True, exclude={"idempotency_key"}),
        "userId": user_id,
    }
    return await gw.idempotent(request, caller, key, document, create)


@router.get(
    "/user/{userId}",
    response_model=BookingListResponse,
    summary="The user's bookings, newest first",
    responses=error_responses(400, 401, 403, 503, 504),
)
async def list_user_bookings(
    gw: State,
    caller: Authenticated,
    user_id: Annotated[UUID, Path(alias="userId")],
    page_size: Annotated[PageSize | None, Query(alias="pageSize")] = None,
    page_token: Annotated[
        str,
        Query(
            alias="pageToken",
            max_length=512,
            pattern=PAGE_TOKEN_PATTERN,
            description="The `nextPageToken` of the previous page (opaque); other text → 400.",
        ),
    ] = "",
) -> Response:
    ensure_acts_for(caller, str(user_id))
    request = booking_pb2.ListUserBookingsRequest(
        user_id=str(user_id),
        page=common_pb2.PageRequest(page_size=page_size or 0, page_token=page_token),
    )
    reply = await gw.upstreams.call(
        "booking", gw.upstreams.booking.ListUserBookings, request, caller
    )
    return json_response(render.booking_list(reply))


@router.get(
    "/{bookingId}",
    response_model=BookingResponse,
    summary="A booking with its seats, show and payment",
    responses=error_responses(400, 401, 403, 404, 503, 504),
)
async def get_booking(gw: State, caller: Authenticated, booking_id: BookingId) -> Response:
    request = booking_pb2.GetBookingRequest(booking_id=str(booking_id))
    reply = await gw.upstreams.call("booking", gw.upstreams.booking.GetBooking, request, caller)
    return json_response(render.booking(reply))


@router.patch(
    "/{bookingId}/cancel",
    response_model=BookingResponse,
    summary="Cancel a PENDING booking",
    description="A booking in another state → 409. The body is optional; the seed's clients "
    "send `{userId}`, which must be the caller's own id unless the caller is an admin.",
    responses=error_responses(400, 401, 403, 404, 409, 429, 503, 504),
)
async def cancel_booking(
    gw: State,
    caller: Authenticated,
    booking_id: BookingId,
    body: CancelBookingRequest | None = None,
) -> Response:
    if body is not None and body.user_id is not None:
        ensure_acts_for(caller, str(body.user_id))
    await gw.limiter.check(BOOKINGS, str(caller.user_id))
    request = booking_pb2.CancelBookingRequest(
        booking_id=str(booking_id), reason=body.reason if body else ""
    )
    reply = await gw.upstreams.call("booking", gw.upstreams.booking.CancelBooking, request, caller)
    # Inventory frees the seats when it takes the cancellation event; that change reaches the
    # map through the LISTEN. Dropped here too, as after every write that touches seats.
    gw.seats_changed(reply.show_id)
    return json_response(render.booking(reply))
