"""Seat maps from a cached show layout plus the taken seats: same answer as every seat read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from inventory.domain import model
from inventory.domain.model import Seat, SeatState, SeatView, Show, Tier
from inventory.entrypoints import proto_mapping
from inventory.service_layer.layouts import LayoutCache, ShowLayout
from inventory.service_layer.services import SeatMap, ViewedSeat
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ALICE, BOB = str(uuid.uuid4()), str(uuid.uuid4())


def layout(seats: int, show_id: str | None = None) -> ShowLayout:
    show = Show(show_id or str(uuid.uuid4()), "INR", NOW + timedelta(days=1), seats)
    return ShowLayout(
        show,
        tuple(
            Seat(
                str(uuid.uuid4()), show.show_id, "A", n, Tier.REGULAR, 100 * n, SeatState.AVAILABLE
            )
            for n in range(1, seats + 1)
        ),
    )


def test_the_summary_counts_only_what_is_taken() -> None:
    views = [SeatView.BOOKED, SeatView.HELD, SeatView.HELD_BY_ME]
    assert model.summarize_taken(views, 10) == model.summarize([*views, *[SeatView.AVAILABLE] * 7])


def test_the_cache_keeps_at_most_its_seats_dropping_the_oldest_show() -> None:
    cache = LayoutCache(max_seats=5)
    first, second = layout(3), layout(2)
    cache.put(first)
    cache.put(second)
    assert cache.get(first.show.show_id) is first
    third = cache.put(layout(2))
    assert cache.get(second.show.show_id) is None
    assert cache.get(first.show.show_id) is first
    assert cache.get(third.show.show_id) is third
    assert cache.get(layout(9).show.show_id) is None


def test_the_encoded_map_is_the_message_built_seat_by_seat() -> None:
    shown = layout(4)
    booked = Seat(**{**_fields(shown.seats[1]), "state": SeatState.SOLD, "booking_id": BOB})
    mine = Seat(
        **{
            **_fields(shown.seats[3]),
            "state": SeatState.HELD,
            "hold_user_id": ALICE,
            "hold_expires_at": NOW + timedelta(minutes=5),
        }
    )
    taken = {1: ViewedSeat(booked, SeatView.BOOKED), 3: ViewedSeat(mine, SeatView.HELD_BY_ME)}
    result = SeatMap(shown, taken, model.summarize_taken([SeatView.BOOKED, SeatView.HELD_BY_ME], 4))

    encoded = proto_mapping.seat_map(result)
    again = proto_mapping.seat_map(result)

    statuses = [seat.status for seat in encoded.seats]
    assert statuses == [
        inventory_pb2.SEAT_STATUS_AVAILABLE,
        inventory_pb2.SEAT_STATUS_BOOKED,
        inventory_pb2.SEAT_STATUS_AVAILABLE,
        inventory_pb2.SEAT_STATUS_HELD_BY_ME,
    ]
    assert [seat.id for seat in encoded.seats] == [seat.id for seat in shown.seats]
    assert encoded.seats[3].hold_expires_at.ToDatetime(tzinfo=UTC) == NOW + timedelta(minutes=5)
    assert not encoded.seats[0].HasField("hold_expires_at")
    assert (encoded.summary.total, encoded.summary.booked, encoded.summary.held_by_me) == (4, 1, 1)
    assert encoded == again


def _fields(seat: Seat) -> dict[str, object]:
    return {name: getattr(seat, name) for name in Seat.__slots__}
