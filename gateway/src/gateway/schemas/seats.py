"""Seat maps and screen layouts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from gateway.schemas.common import (
    EXAMPLE_SCREEN,
    EXAMPLE_SEAT_1,
    EXAMPLE_SEAT_2,
    EXAMPLE_SHOW,
    EXAMPLE_THEATRE,
    ResponseModel,
    TierOut,
)

SeatStatus = Literal["available", "held", "held_by_me", "booked", "unknown"]


class SeatView(ResponseModel):
    id: str
    row: str
    number: int
    price: int = Field(description="Minor units of the seat map's currency.")
    tier: TierOut
    status: SeatStatus = Field(
        description="held: by another user; held_by_me: by the viewer; booked: reserved or sold."
    )
    hold_expires_at: str | None = Field(
        default=None, description="Only on the viewer's own holds (RFC 3339)."
    )


class SeatSummary(ResponseModel):
    total: int
    available: int
    booked: int
    held: int = Field(description="Held by anyone, the viewer included.")
    held_by_me: int


class SeatMapResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "showId": EXAMPLE_SHOW,
                    "currency": "INR",
                    "seats": [
                        {
                            "id": EXAMPLE_SEAT_1,
                            "row": "A",
                            "number": 1,
                            "price": 25000,
                            "tier": "PREMIUM",
                            "status": "held_by_me",
                            "holdExpiresAt": "2026-01-31T01:05:00Z",
                        },
                        {
                            "id": EXAMPLE_SEAT_2,
                            "row": "A",
                            "number": 2,
                            "price": 25000,
                            "tier": "PREMIUM",
                            "status": "available",
                        },
                    ],
                    "summary": {
                        "total": 2,
                        "available": 1,
                        "booked": 0,
                        "held": 1,
                        "heldByMe": 1,
                    },
                }
            ]
        }
    )

    show_id: str
    currency: str
    seats: list[SeatView]
    summary: SeatSummary


class AvailableSeatsResponse(ResponseModel):
    show_id: str
    currency: str
    count: int
    seats: list[SeatView]


class LayoutSeatView(ResponseModel):
    number: int
    tier: TierOut


class LayoutRowView(ResponseModel):
    label: str = Field(description='Row label as printed on the ticket, e.g. "A".')
    seats: list[LayoutSeatView] = Field(description="Missing numbers are gaps (aisles).")


class ScreenLayoutResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "screenId": EXAMPLE_SCREEN,
                    "theatreId": EXAMPLE_THEATRE,
                    "name": "Audi 1",
                    "capacity": 3,
                    "rows": [
                        {
                            "label": "A",
                            "seats": [
                                {"number": 1, "tier": "VIP"},
                                {"number": 2, "tier": "VIP"},
                                {"number": 4, "tier": "VIP"},
                            ],
                        }
                    ],
                }
            ]
        }
    )

    screen_id: str
    theatre_id: str
    name: str
    capacity: int
    rows: list[LayoutRowView]


_ETAG = {
    "description": "Only on an anonymous map: a strong validator of the body; send it back as "
    "`If-None-Match` to be answered 304 while the map has not changed.",
    "schema": {"type": "string", "example": '"5f1c0e9a7b3d2c4e6a8b0d1f"'},
}
_CACHE_CONTROL = {
    "description": "`public, max-age=1` on an anonymous map (any cache may keep it for a "
    "second); `private, no-store` on a viewer's own, which no cache may keep.",
    "schema": {"type": "string", "enum": ["public, max-age=1", "private, no-store"]},
}
_PUBLIC_CACHE_CONTROL = {
    "description": "Any cache may keep the map for a second.",
    "schema": {"type": "string", "enum": ["public, max-age=1"]},
}
_VARY = {
    "description": "`Authorization` on an anonymous map: it is not the map of a viewer with a "
    "token.",
    "schema": {"type": "string"},
}

SEAT_MAP_CACHING: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": _ETAG, "Cache-Control": _CACHE_CONTROL, "Vary": _VARY}},
    304: {
        "description": "Not modified: the anonymous map is still the one `If-None-Match` names.",
        "headers": {"ETag": _ETAG, "Cache-Control": _PUBLIC_CACHE_CONTROL, "Vary": _VARY},
    },
}
"""The seat map's caching headers and its 304, for the OpenAPI document."""
