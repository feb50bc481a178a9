"""Movies, theatres, screens (with seat layouts) and shows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from gateway.schemas.common import (
    EXAMPLE_MOVIE,
    EXAMPLE_SCREEN,
    EXAMPLE_SHOW,
    EXAMPLE_THEATRE,
    JSON_NUMBER,
    JSON_TEXT,
    TEXT,
    IsoDate,
    MinorUnits,
    Page,
    RequestModel,
    ResponseModel,
    Tier,
    TierOut,
)
from gateway.schemas.seats import LayoutRowView

ShortText = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT)]


class CreateMovieRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Interstellar",
                    "durationMinutes": 169,
                    "rating": "UA",
                    "genres": ["Sci-Fi", "Drama"],
                    "language": "English",
                    "description": "A team travels through a wormhole in search of a new home.",
                    "releaseDate": "2014-11-07",
                }
            ]
        }
    )

    title: ShortText
    duration_minutes: Annotated[int, Field(ge=1, le=1440), JSON_NUMBER]
    rating: str = Field(default="", max_length=20, pattern=TEXT)
    # NUL in a genre is refused for the whole list (``body.genres``, by RequestModel's check);
    # the pattern tells the document's readers the same.
    genres: list[
        Annotated[str, Field(min_length=1, max_length=50, json_schema_extra={"pattern": TEXT})]
    ] = Field(default_factory=list, max_length=20)
    language: str = Field(default="", max_length=50, pattern=TEXT)
    description: str = Field(default="", max_length=5000, pattern=TEXT)
    release_date: IsoDate | None = None


class CreateTheatreRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "PVR Phoenix", "city": "Mumbai", "address": "Lower Parel"}]
        }
    )

    name: ShortText
    city: Annotated[str, Field(min_length=1, max_length=100, pattern=TEXT)]
    address: str = Field(default="", max_length=500, pattern=TEXT)


class LayoutSeatInput(RequestModel):
    number: Annotated[int, Field(ge=1, le=999), JSON_NUMBER]
    tier: Tier


class LayoutRowInput(RequestModel):
    label: Annotated[str, Field(min_length=1, max_length=5, pattern=TEXT)]
    seats: list[LayoutSeatInput] = Field(min_length=1, max_length=200)


class LayoutInput(RequestModel):
    rows: list[LayoutRowInput] = Field(min_length=1, max_length=100)


class CreateScreenRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Audi 1",
                    "layout": {
                        "rows": [
                            {
                                "label": "A",
                                "seats": [
                                    {"number": 1, "tier": "VIP"},
                                    {"number": 2, "tier": "VIP"},
                                ],
                            },
                            {
                                "label": "B",
                                "seats": [
                                    {"number": 1, "tier": "REGULAR"},
                                    {"number": 2, "tier": "REGULAR"},
                                ],
                            },
                        ]
                    },
                }
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=TEXT)]
    layout: LayoutInput


class PriceInput(RequestModel):
    tier: Tier
    amount: MinorUnits


class WaitingRoomInput(RequestModel):
    admit_per_minute: Annotated[int, Field(ge=1, le=1_000_000), JSON_NUMBER] = Field(
        description="People let in per minute, in queue order, from onSaleAt."
    )
    max_active: Annotated[int, Field(ge=1, le=1_000_000), JSON_NUMBER] = Field(
        description="Most people holding a valid admission pass at once (hosted waiting rooms "
        "advise about 75 % of what the system can serve)."
    )


class CreateShowRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "movieId": EXAMPLE_MOVIE,
                    "screenId": EXAMPLE_SCREEN,
                    "startTime": "2026-02-01T14:30:00Z",
                    "currency": "INR",
                    "prices": [
                        {"tier": "REGULAR", "amount": 20000},
                        {"tier": "VIP", "amount": 45000},
                    ],
                }
            ]
        }
    )

    movie_id: UUID
    screen_id: UUID
    start_time: Annotated[AwareDatetime, JSON_TEXT] = Field(
        description="RFC 3339 with a UTC offset."
    )

    @field_validator("start_time", mode="after")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("is out of range") from None

    currency: str = Field(default="INR", pattern=r"^[A-Z]{3}$")
    prices: list[PriceInput] = Field(min_length=1, max_length=3)
    on_sale_at: Annotated[AwareDatetime, JSON_TEXT] | None = Field(
        default=None,
        description="When the seats go on sale (RFC 3339 with a UTC offset); needed by a "
        "waiting room.",
    )
    waiting_room: WaitingRoomInput | None = Field(
        default=None,
        description="Guard the on-sale with a waiting room: holds and bookings then need an "
        "admission pass from `POST /shows/{showId}/queue`. Without one the show behaves as "
        "any other.",
    )

    @field_validator("on_sale_at", mode="after")
    @classmethod
    def _on_sale_in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        try:
            return value.astimezone(dt.UTC) if value is not None else None
        except OverflowError:
            raise ValueError("is out of range") from None


class MovieResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_MOVIE,
                    "title": "Interstellar",
                    "durationMinutes": 169,
                    "rating": "UA",
                    "genres": ["Sci-Fi", "Drama"],
                    "language": "English",
                    "description": "A team travels through a wormhole in search of a new home.",
                    "releaseDate": "2014-11-07",
                }
            ]
        }
    )

    id: str
    title: str
    duration_minutes: int
    rating: str
    genres: list[str]
    language: str
    description: str
    release_date: str | None = Field(description="YYYY-MM-DD.")


class MovieListResponse(Page):
    movies: list[MovieResponse]


class TheatreResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_THEATRE,
                    "name": "PVR Phoenix",
                    "city": "Mumbai",
                    "address": "Lower Parel",
                }
            ]
        }
    )

    id: str
    name: str
    city: str
    address: str


class TheatreListResponse(Page):
    theatres: list[TheatreResponse]


class LayoutView(ResponseModel):
    rows: list[LayoutRowView]


class ScreenResponse(ResponseModel):
    id: str
    theatre_id: str
    name: str
    capacity: int
    layout: LayoutView


class ScreenListResponse(ResponseModel):
    screens: list[ScreenResponse]


class PriceView(ResponseModel):
    tier: TierOut
    amount: int


class WaitingRoomView(ResponseModel):
    admit_per_minute: int
    max_active: int


class ShowResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_SHOW,
                    "movieId": EXAMPLE_MOVIE,
                    "movieTitle": "Interstellar",
                    "theatreId": EXAMPLE_THEATRE,
                    "theatreName": "PVR Phoenix",
                    "screenId": EXAMPLE_SCREEN,
                    "screenName": "Audi 1",
                    "city": "Mumbai",
                    "startTime": "2026-02-01T14:30:00Z",
                    "endTime": "2026-02-01T17:19:00Z",
                    "currency": "INR",
                    "prices": [
                        {"tier": "REGULAR", "amount": 20000},
                        {"tier": "VIP", "amount": 45000},
                    ],
                    "bookable": True,
                    "capacity": 120,
                }
            ]
        }
    )

    id: str
    movie_id: str
    movie_title: str
    theatre_id: str
    theatre_name: str
    screen_id: str
    screen_name: str
    city: str
    start_time: str | None
    end_time: str | None
    currency: str
    prices: list[PriceView]
    bookable: bool = Field(description="Seats are open for booking.")
    capacity: int
    on_sale_at: str | None = Field(default=None, description="When the seats go on sale.")
    waiting_room: WaitingRoomView | None = Field(
        default=None, description="Set when a waiting room guards the on-sale."
    )


class ShowListResponse(Page):
    shows: list[ShowResponse]
