"""Protobuf messages ⇄ catalog's domain values; no rules, only shapes."""

from __future__ import annotations

from typing import Any

from catalog.domain.errors import InvalidRequest
from catalog.domain.model import (
    LayoutRow,
    LayoutSeat,
    Movie,
    Screen,
    SeatLayout,
    Show,
    Theatre,
    Tier,
    WaitingRoom,
)
from catalog.service_layer.paging import Page
from svckit.proto_values import optional_timestamp, timestamp_field, to_timestamp
from ticketing.catalog.v1 import catalog_pb2
from ticketing.common.v1 import common_pb2

TIER_TO_PROTO = {
    Tier.REGULAR: common_pb2.SEAT_TIER_REGULAR,
    Tier.PREMIUM: common_pb2.SEAT_TIER_PREMIUM,
    Tier.VIP: common_pb2.SEAT_TIER_VIP,
}
TIER_FROM_PROTO = {value: key for key, value in TIER_TO_PROTO.items()}


def _tier(value: int, field: str) -> Tier:
    tier: Tier | None = TIER_FROM_PROTO.get(value)  # type: ignore[call-overload]
    if tier is None:
        raise InvalidRequest(field, f"{field}: a tier (REGULAR, PREMIUM, VIP) is required")
    return tier


def movie_from(request: catalog_pb2.CreateMovieRequest) -> Movie:
    return Movie(
        id="",
        title=request.title,
        duration_minutes=request.duration_minutes,
        rating=request.rating,
        genres=tuple(request.genres),
        language=request.language,
        description=request.description,
        release_date=timestamp_field(request, "release_date"),
    )


def theatre_from(request: catalog_pb2.CreateTheatreRequest) -> Theatre:
    return Theatre(id="", name=request.name, city=request.city, address=request.address)


def layout_from(layout: catalog_pb2.SeatLayout) -> SeatLayout:
    return SeatLayout(
        tuple(
            LayoutRow(
                row.label,
                tuple(LayoutSeat(s.number, _tier(s.tier, "layout")) for s in row.seats),
            )
            for row in layout.rows
        )
    )


def prices_from(request: catalog_pb2.CreateShowRequest) -> list[tuple[Tier, int]]:
    return [(_tier(price.tier, "prices"), price.amount_minor) for price in request.prices]


def waiting_room_from(request: catalog_pb2.CreateShowRequest) -> WaitingRoom | None:
    if not request.HasField("waiting_room"):
        return None
    room = request.waiting_room
    return WaitingRoom(admit_per_minute=room.admit_per_minute, max_active=room.max_active)


def movie(value: Movie) -> catalog_pb2.Movie:
    return catalog_pb2.Movie(
        id=value.id,
        title=value.title,
        duration_minutes=value.duration_minutes,
        rating=value.rating,
        genres=list(value.genres),
        language=value.language,
        description=value.description,
        release_date=optional_timestamp(value.release_date),
    )


def theatre(value: Theatre) -> catalog_pb2.Theatre:
    return catalog_pb2.Theatre(id=value.id, name=value.name, city=value.city, address=value.address)


def screen(value: Screen) -> catalog_pb2.Screen:
    return catalog_pb2.Screen(
        id=value.id,
        theatre_id=value.theatre_id,
        name=value.name,
        capacity=value.layout.capacity,
        layout=catalog_pb2.SeatLayout(
            rows=[
                catalog_pb2.LayoutRow(
                    label=row.label,
                    seats=[
                        catalog_pb2.LayoutSeat(number=s.number, tier=TIER_TO_PROTO[s.tier])
                        for s in row.seats
                    ],
                )
                for row in value.layout.rows
            ]
        ),
    )


def show(value: Show) -> catalog_pb2.Show:
    return catalog_pb2.Show(
        id=value.id,
        movie_id=value.movie_id,
        screen_id=value.screen_id,
        theatre_id=value.theatre_id,
        start_time=to_timestamp(value.start_time),
        end_time=to_timestamp(value.end_time),
        currency=value.currency,
        prices=[
            catalog_pb2.TierPrice(tier=TIER_TO_PROTO[tier], amount_minor=amount)
            for tier, amount in value.prices.items()
        ],
        bookable=value.bookable,
        movie_title=value.movie_title,
        theatre_name=value.theatre_name,
        screen_name=value.screen_name,
        city=value.city,
        capacity=value.capacity,
        on_sale_at=optional_timestamp(value.on_sale_at),
        waiting_room=(
            catalog_pb2.WaitingRoom(
                admit_per_minute=value.waiting_room.admit_per_minute,
                max_active=value.waiting_room.max_active,
            )
            if value.waiting_room is not None
            else None
        ),
    )


def page(value: Page[Any]) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_page_token=value.next_token, total_size=value.total)
