"""Movies, theatres, screens, shows."""

from __future__ import annotations

from typing import Any

from gateway.rendering.common import TIERS, page, timestamp
from gateway.rendering.seats import layout_rows
from svckit.proto_values import timestamp_field
from ticketing.catalog.v1 import catalog_pb2


def movie(reply: catalog_pb2.Movie) -> dict[str, Any]:
    released = timestamp_field(reply, "release_date")
    release = released.date().isoformat() if released is not None else None
    return {
        "id": reply.id,
        "title": reply.title,
        "durationMinutes": reply.duration_minutes,
        "rating": reply.rating,
        "genres": list(reply.genres),
        "language": reply.language,
        "description": reply.description,
        "releaseDate": release,
    }


def movie_list(reply: catalog_pb2.ListMoviesResponse) -> dict[str, Any]:
    return {"movies": [movie(item) for item in reply.movies], **page(reply)}


def theatre(reply: catalog_pb2.Theatre) -> dict[str, Any]:
    return {"id": reply.id, "name": reply.name, "city": reply.city, "address": reply.address}


def theatre_list(reply: catalog_pb2.ListTheatresResponse) -> dict[str, Any]:
    return {"theatres": [theatre(item) for item in reply.theatres], **page(reply)}


def screen(reply: catalog_pb2.Screen) -> dict[str, Any]:
    return {
        "id": reply.id,
        "theatreId": reply.theatre_id,
        "name": reply.name,
        "capacity": reply.capacity,
        "layout": {"rows": layout_rows(reply.layout)},
    }


def screen_list(reply: catalog_pb2.ListScreensResponse) -> dict[str, Any]:
    return {"screens": [screen(item) for item in reply.screens]}


def show(reply: catalog_pb2.Show) -> dict[str, Any]:
    return {
        "id": reply.id,
        "movieId": reply.movie_id,
        "movieTitle": reply.movie_title,
        "theatreId": reply.theatre_id,
        "theatreName": reply.theatre_name,
        "screenId": reply.screen_id,
        "screenName": reply.screen_name,
        "city": reply.city,
        "startTime": timestamp(reply, "start_time"),
        "endTime": timestamp(reply, "end_time"),
        "currency": reply.currency,
        "prices": [
            {"tier": TIERS.get(price.tier, "UNSPECIFIED"), "amount": price.amount_minor}
            for price in reply.prices
        ],
        "bookable": reply.bookable,
        "capacity": reply.capacity,
        "onSaleAt": timestamp(reply, "on_sale_at"),
        "waitingRoom": (
            {
                "admitPerMinute": reply.waiting_room.admit_per_minute,
                "maxActive": reply.waiting_room.max_active,
            }
            if reply.HasField("waiting_room")
            else None
        ),
    }


def show_list(reply: catalog_pb2.ListShowsResponse) -> dict[str, Any]:
    return {"shows": [show(item) for item in reply.shows], **page(reply)}
