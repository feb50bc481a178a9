"""Protobuf messages ⇄ inventory's domain values; no rules, only shapes."""

from __future__ import annotations

import weakref
from datetime import datetime

from google.protobuf.message import Message

from inventory.domain.errors import InvalidRequest
from inventory.domain.model import Seat, SeatSpec, SeatView, Tier
from inventory.service_layer.layouts import ShowLayout
from inventory.service_layer.seating import BestHold
from inventory.service_layer.services import (
    AvailableSeats,
    Holds,
    Reservation,
    SeatMap,
    ViewedSeat,
)
from svckit.proto_values import optional_timestamp, timestamp_field, to_timestamp
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


def required_time(message: Message, field: str) -> datetime:
    moment = timestamp_field(message, field)
    if moment is None:
        raise InvalidRequest(field, f"{field} is required")
    return moment


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
    return inventory_pb2.ShowSeat(
        id=seat.id,
        row_label=seat.row_label,
        number=seat.number,
        tier=TIER_TO_PROTO[seat.tier],
        price_minor=seat.price_minor,
        status=VIEW_TO_PROTO[view],
        hold_expires_at=optional_timestamp(hold_expires_at),
    )


class _EncodedSeats:
    """Each seat of a layout as an encoded ``SeatMap.seats`` entry, per view.

    Serialized protobuf messages concatenate into their merge, so a seat map is the encoded
    header and summary followed by one entry per seat: the AVAILABLE entries are encoded once per
    layout, the others on first use; only a viewer's own holds (they carry the expiry) are
    encoded per call. Building a 10,000-seat map is then a join, not 10,000 message objects.
    """

    def __init__(self, layout: ShowLayout) -> None:
        self._seats = layout.seats
        self.available = [self._encode(seat, SeatView.AVAILABLE, None) for seat in self._seats]
        self._others: dict[tuple[int, SeatView], bytes] = {}

    @staticmethod
    def _encode(seat: Seat, view: SeatView, hold_expires_at: datetime | None) -> bytes:
        entry = inventory_pb2.SeatMap(seats=[_show_seat(seat, view, hold_expires_at)])
        return bytes(entry.SerializeToString())

    def entry(self, position: int, item: ViewedSeat) -> bytes:
        if item.view is SeatView.HELD_BY_ME:
            return self._encode(self._seats[position], item.view, item.my_hold_expires_at)
        key = (position, item.view)
        encoded = self._others.get(key)
        if encoded is None:
            encoded = self._others[key] = self._encode(self._seats[position], item.view, None)
        return encoded


_ENCODED: weakref.WeakKeyDictionary[ShowLayout, _EncodedSeats] = weakref.WeakKeyDictionary()


def seat_map(result: SeatMap) -> inventory_pb2.SeatMap:
    encoded = _ENCODED.get(result.layout)
    if encoded is None:
        encoded = _ENCODED[result.layout] = _EncodedSeats(result.layout)
    entries = encoded.available
    if result.taken:
        entries = list(entries)
        for position, item in result.taken.items():
            entries[position] = encoded.entry(position, item)
    summary = result.summary
    head = inventory_pb2.SeatMap(
        show_id=result.show.show_id,
        currency=result.show.currency,
        summary=inventory_pb2.SeatMapSummary(
            total=summary.total,
            available=summary.available,
            booked=summary.booked,
            held=summary.held,
            held_by_me=summary.held_by_me,
        ),
        holder_user_ids=sorted(result.holders),
    )
    return inventory_pb2.SeatMap.FromString(head.SerializeToString() + b"".join(entries))


def available_seats(result: AvailableSeats) -> inventory_pb2.ListAvailableSeatsResponse:
    return inventory_pb2.ListAvailableSeatsResponse(
        show_id=result.show.show_id,
        currency=result.show.currency,
        seats=[_show_seat(seat, SeatView.AVAILABLE, None) for seat in result.seats],
    )


def holds(result: Holds) -> inventory_pb2.HoldSeatsResponse:
    expires_at = to_timestamp(result.expires_at)
    return inventory_pb2.HoldSeatsResponse(
        holds=[
            inventory_pb2.SeatHold(seat_id=seat.id, expires_at=expires_at) for seat in result.seats
        ],
        expires_in_seconds=round(result.ttl.total_seconds()),
    )


def tier(value: common_pb2.SeatTier.ValueType) -> Tier | None:
    """A requested tier; unspecified means any."""
    if value == common_pb2.SEAT_TIER_UNSPECIFIED:
        return None
    found = TIER_FROM_PROTO.get(value)
    if found is None:
        raise InvalidRequest("tier", f"unknown seat tier {value}")
    return found


def best_hold(result: BestHold) -> inventory_pb2.HoldBestSeatsResponse:
    expires_at = to_timestamp(result.expires_at)
    ordered = sorted(result.seats, key=lambda seat: seat.number)
    return inventory_pb2.HoldBestSeatsResponse(
        holds=[inventory_pb2.SeatHold(seat_id=seat.id, expires_at=expires_at) for seat in ordered],
        expires_in_seconds=round(result.ttl.total_seconds()),
        seats=[_reserved_seat(seat) for seat in ordered],
        stranded_seats=[seat.label for seat in result.stranded],
    )


def _reserved_seat(seat: Seat) -> inventory_pb2.ReservedSeat:
    return inventory_pb2.ReservedSeat(
        seat_id=seat.id,
        row_label=seat.row_label,
        number=seat.number,
        tier=TIER_TO_PROTO[seat.tier],
        price_minor=seat.price_minor,
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
