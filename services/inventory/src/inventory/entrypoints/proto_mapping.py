"""Protobuf messages ⇄ inventory's domain values; no rules, only shapes."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from inventory.domain.errors import InvalidRequest
from inventory.domain.model import Seat, SeatSpec, SeatView, Tier
from inventory.service_layer.services import AvailableSeats, Holds, Reservation, SeatMap
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2

TIER_TO_PROTO = {
    Tier.REGULAR: common_pb2.SEAT_TIER_REGULAR,
    Tier.PREMIUM: common_pb2.SEAT_TIER_PREMIUM,
    Tier.VIP: common_pb2.SEAT_TIER_VIP,
}
TIER_FROM_PROTO = {value: key for key, value in TIER_TO_PROTO.items()}
VIEW_TO_PROTO = {
    SeatView.AVAILABLE: inventory_pb2.SEAT_STATUS_AVAILABLE,
    SeatView.HELD: inventory_pb2.SEAT_STATUS_HELD,
    SeatView.HELD_BY_ME: inventory_pb2.SEAT_STATUS_HELD_BY_ME,
    SeatView.BOOKED: inventory_pb2.SEAT_STATUS_BOOKED,
}


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def required_time(message: object, field: str) -> datetime:
    if not message.HasField(field):  # type: ignore[attr-defined]
        raise InvalidRequest(field, f"{field} is required")
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def seat_specs(request: inventory_pb2.OpenShowRequest) -> list[SeatSpec]:
    specs = []
    for seat in request.seats:
        tier = TIER_FROM_PROTO.get(seat.tier)
        if tier is None:
            raise InvalidRequest("seats", f"seat {seat.row_label}{seat.number} has no tier")
        specs.append(SeatSpec(seat.row_label, seat.number, tier, seat.price_minor))
    return specs


def _show_seat(
    seat: Seat, view: SeatView, hold_expires_at: datetime | None
) -> inventory_pb2.ShowSeat:
    message = inventory_pb2.ShowSeat(
        id=seat.id,
        row_label=seat.row_label,
        number=seat.number,
        tier=TIER_TO_PROTO[seat.tier],
        price_minor=seat.price_minor,
        status=VIEW_TO_PROTO[view],
    )
    if hold_expires_at is not None:
        message.hold_expires_at.FromDatetime(hold_expires_at)
    return message


def seat_map(result: SeatMap) -> inventory_pb2.SeatMap:
    summary = result.summary
    return inventory_pb2.SeatMap(
        show_id=result.show.show_id,
        currency=result.show.currency,
        seats=[_show_seat(item.seat, item.view, item.my_hold_expires_at) for item in result.seats],
        summary=inventory_pb2.SeatMapSummary(
            total=summary.total,
            available=summary.available,
            booked=summary.booked,
            held=summary.held,
            held_by_me=summary.held_by_me,
        ),
    )


def available_seats(result: AvailableSeats) -> inventory_pb2.ListAvailableSeatsResponse:
    return inventory_pb2.ListAvailableSeatsResponse(
        show_id=result.show.show_id,
        currency=result.show.currency,
        seats=[_show_seat(seat, SeatView.AVAILABLE, None) for seat in result.seats],
    )


def holds(result: Holds) -> inventory_pb2.HoldSeatsResponse:
    expires_at = timestamp(result.expires_at)
    return inventory_pb2.HoldSeatsResponse(
        holds=[
            inventory_pb2.SeatHold(seat_id=seat.id, expires_at=expires_at) for seat in result.seats
        ],
        expires_in_seconds=round(result.ttl.total_seconds()),
    )


def reservation(result: Reservation) -> inventory_pb2.ReserveSeatsResponse:
    return inventory_pb2.ReserveSeatsResponse(
        booking_id=result.booking_id,
        show_id=result.show.show_id,
        seats=[
            inventory_pb2.ReservedSeat(
                seat_id=seat.id,
                row_label=seat.row_label,
                number=seat.number,
                tier=TIER_TO_PROTO[seat.tier],
                price_minor=seat.price_minor,
            )
            for seat in result.seats
        ],
        total=common_pb2.Money(amount_minor=result.total_minor, currency=result.show.currency),
    )
