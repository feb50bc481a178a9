"""Holds and bookings."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AliasChoices, ConfigDict, Field
from pydantic.config import JsonDict

from gateway.schemas.common import (
    EXAMPLE_BOOKING,
    EXAMPLE_MOVIE,
    EXAMPLE_SCREEN,
    EXAMPLE_SEAT_1,
    EXAMPLE_SEAT_2,
    EXAMPLE_SHOW,
    EXAMPLE_THEATRE,
    EXAMPLE_USER,
    TEXT,
    IdempotencyKeyText,
    Page,
    RequestModel,
    ResponseModel,
    SeatIds,
    TierOut,
)

BookingStatus = Literal["PENDING", "CONFIRMED", "CANCELLED", "EXPIRED", "REFUNDED", "UNSPECIFIED"]

_SEAT_IDS_FIELD = Field(
    validation_alias=AliasChoices("showSeatIds", "seatIds"),
    serialization_alias="showSeatIds",
    description="1 to 10 distinct show-seat ids; `seatIds` is accepted as an alias.",
)
_USER_ID_FIELD = Field(
    default=None,
    description="Must be the token's subject unless the caller is an admin; defaults to it.",
)

_SEATS_EXAMPLE: JsonDict = {
    "showId": EXAMPLE_SHOW,
    "userId": EXAMPLE_USER,
    "showSeatIds": [EXAMPLE_SEAT_1, EXAMPLE_SEAT_2],
}


class SeatSelection(RequestModel):
    show_id: UUID
    user_id: UUID | None = _USER_ID_FIELD
    show_seat_ids: SeatIds = _SEAT_IDS_FIELD


class HoldSeatsRequest(SeatSelection):
    """Hold seats for a few minutes; replaces the user's previous holds on the show."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SEATS_EXAMPLE]})


class CreateBookingRequest(SeatSelection):
    """Book seats: a PENDING booking that expires unless paid."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SEATS_EXAMPLE,
                {**_SEATS_EXAMPLE, "idempotencyKey": "5b0c7f0e-4f38-4a8e-9a51-2f1d0c6e7b90"},
            ]
        }
    )

    idempotency_key: IdempotencyKeyText | None = Field(
        default=None,
        description="The seed's spelling of the `Idempotency-Key` header, with the same meaning. "
        "Send one or the other; both with different values → 400.",
    )


class CancelBookingRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"userId": EXAMPLE_USER}, {"reason": "plans changed"}]}
    )

    user_id: UUID | None = _USER_ID_FIELD
    reason: str = Field(default="", max_length=500, pattern=TEXT)


class SeatHoldView(ResponseModel):
    seat_id: str
    expires_at: str | None


class HoldSeatsResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "success": True,
                    "holds": [
                        {"seatId": EXAMPLE_SEAT_1, "expiresAt": "2026-01-31T01:05:00Z"},
                        {"seatId": EXAMPLE_SEAT_2, "expiresAt": "2026-01-31T01:05:00Z"},
                    ],
                    "expiresIn": 300,
                }
            ]
        }
    )

    success: bool
    holds: list[SeatHoldView]
    expires_in: int = Field(description="Seconds until the holds lapse.")


class ReleaseHoldsResponse(ResponseModel):
    released: int = Field(description="How many holds were released.")


class BookingSeatView(ResponseModel):
    id: str
    row: str
    number: int
    tier: TierOut
    price: int


class ShowSnapshotView(ResponseModel):
    id: str
    movie_id: str
    movie: str = Field(description="Movie title.")
    theatre_id: str
    theatre: str = Field(description="Theatre name.")
    city: str
    screen_id: str
    screen: str = Field(description="Screen name.")
    start_time: str | None


class BookingPaymentView(ResponseModel):
    status: str = Field(
        description="NONE, PENDING, SUCCEEDED, FAILED, EXPIRED, REFUNDED or PARTIALLY_REFUNDED."
    )
    amount: int
    refunded_amount: int
    currency: str


class StatusChangeView(ResponseModel):
    from_status: BookingStatus | None = Field(None, description="null for the creation entry")
    to_status: BookingStatus
    reason: str
    at: str | None


class BookingResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_BOOKING,
                    "userId": EXAMPLE_USER,
                    "showId": EXAMPLE_SHOW,
                    "status": "PENDING",
                    "statusReason": "",
                    "totalAmount": 50000,
                    "currency": "INR",
                    "expiresAt": "2026-01-31T01:15:00Z",
                    "createdAt": "2026-01-31T01:00:00Z",
                    "updatedAt": "2026-01-31T01:00:00Z",
                    "seats": [
                        {
                            "id": EXAMPLE_SEAT_1,
                            "row": "A",
                            "number": 1,
                            "tier": "PREMIUM",
                            "price": 25000,
                        },
                        {
                            "id": EXAMPLE_SEAT_2,
                            "row": "A",
                            "number": 2,
                            "tier": "PREMIUM",
                            "price": 25000,
                        },
                    ],
                    "show": {
                        "id": EXAMPLE_SHOW,
                        "movieId": EXAMPLE_MOVIE,
                        "movie": "Interstellar",
                        "theatreId": EXAMPLE_THEATRE,
                        "theatre": "PVR Phoenix",
                        "city": "Mumbai",
                        "screenId": EXAMPLE_SCREEN,
                        "screen": "Audi 1",
                        "startTime": "2026-02-01T14:30:00Z",
                    },
                    "payment": {
                        "status": "NONE",
                        "amount": 0,
                        "refundedAmount": 0,
                        "currency": "INR",
                    },
                    "history": [],
                }
            ]
        }
    )

    id: str
    user_id: str
    show_id: str
    status: BookingStatus
    status_reason: str = Field(description="Why the booking is in its state, when notable.")
    total_amount: int
    currency: str
    expires_at: str | None = Field(description="When a PENDING booking lapses unless paid.")
    created_at: str | None
    updated_at: str | None
    seats: list[BookingSeatView]
    show: ShowSnapshotView | None
    payment: BookingPaymentView | None
    history: list[StatusChangeView]


class BookingListResponse(Page):
    bookings: list[BookingResponse]
