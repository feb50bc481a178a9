"""Catalog rows ⇄ domain objects. Layouts and prices are JSON documents: always read and
written whole, never queried inside."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

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


def layout_to_json(layout: SeatLayout) -> str:
    return json.dumps(
        {
            "rows": [
                {
                    "label": row.label,
                    "seats": [{"number": s.number, "tier": s.tier.value} for s in row.seats],
                }
                for row in layout.rows
            ]
        }
    )


def layout_from_json(document: Mapping[str, Any]) -> SeatLayout:
    return SeatLayout(
        tuple(
            LayoutRow(
                row["label"],
                tuple(LayoutSeat(seat["number"], Tier(seat["tier"])) for seat in row["seats"]),
            )
            for row in document["rows"]
        )
    )


def movie_from_row(row: Row[Any]) -> Movie:
    return Movie(
        id=str(row.id),
        title=row.title,
        duration_minutes=row.duration_minutes,
        rating=row.rating,
        genres=tuple(row.genres),
        language=row.language,
        description=row.description,
        release_date=row.release_date,
    )


def theatre_from_row(row: Row[Any]) -> Theatre:
    return Theatre(id=str(row.id), name=row.name, city=row.city, address=row.address)


def screen_from_row(row: Row[Any]) -> Screen:
    return Screen(str(row.id), str(row.theatre_id), row.name, layout_from_json(row.layout))


def show_from_row(row: Row[Any]) -> Show:
    return Show(
        id=str(row.id),
        movie_id=str(row.movie_id),
        screen_id=str(row.screen_id),
        theatre_id=str(row.theatre_id),
        start_time=row.start_time,
        end_time=row.end_time,
        currency=row.currency,
        prices={tier: row.prices[tier.value] for tier in Tier if tier.value in row.prices},
        bookable=row.bookable,
        movie_title=row.movie_title,
        theatre_name=row.theatre_name,
        screen_name=row.screen_name,
        city=row.city,
        capacity=row.capacity,
        on_sale_at=row.on_sale_at,
        waiting_room=(
            WaitingRoom(row.admit_per_minute, row.max_active)
            if row.admit_per_minute is not None
            else None
        ),
    )


def prices_to_json(prices: Mapping[Tier, int]) -> str:
    return json.dumps({tier.value: amount for tier, amount in prices.items()})
