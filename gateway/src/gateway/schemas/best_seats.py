"""Best-available holds, a show's seat rules and the seat-change stream."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool

from gateway.schemas.bookings import SeatHoldView
from gateway.schemas.common import (
    EXAMPLE_SEAT_1,
    EXAMPLE_SEAT_2,
    EXAMPLE_SHOW,
    EXAMPLE_USER,
    MAX_SEATS_PER_REQUEST,
    RequestModel,
    ResponseModel,
    Tier,
    TierOut,
    error_responses,
)


class HoldBestSeatsRequest(RequestModel):
    """Hold the best adjacent seats in one row; replaces the user's previous holds on the show."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"showId": EXAMPLE_SHOW, "count": 2},
                {"showId": EXAMPLE_SHOW, "userId": EXAMPLE_USER, "count": 4, "tier": "PREMIUM"},
            ]
        }
    )

    show_id: UUID
    user_id: UUID | None = Field(
        default=None,
        description="Must be the token's subject unless the caller is an admin; defaults to it.",
    )
    count: int = Field(ge=1, le=MAX_SEATS_PER_REQUEST, description="How many seats, together.")
    tier: Tier | None = Field(default=None, description="Only seats of this tier; any if absent.")


class BestSeatView(ResponseModel):
    id: str
    row: str
    number: int
    tier: TierOut
    price: int


class HoldBestSeatsResponse(ResponseModel):
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
                    "seats": [
                        {
                            "id": EXAMPLE_SEAT_1,
                            "row": "H",
                            "number": 7,
                            "tier": "REGULAR",
                            "price": 20000,
                        },
                        {
                            "id": EXAMPLE_SEAT_2,
                            "row": "H",
                            "number": 8,
                            "tier": "REGULAR",
                            "price": 20000,
                        },
                    ],
                    "strandsSeats": False,
                    "strandedSeats": [],
                }
            ]
        }
    )

    success: bool
    holds: list[SeatHoldView]
    expires_in: int = Field(description="Seconds until the holds lapse.")
    seats: list[BestSeatView] = Field(description="The held seats, in seat order.")
    strands_seats: bool = Field(
        description="True when the hold leaves a single free seat stranded beside it (given on "
        "a no-orphan show only when no block that strands nothing was left)."
    )
    stranded_seats: list[str] = Field(description="Labels of the seats it strands, e.g. `H6`.")


class ShowRulesRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"noOrphanSeats": True}]})

    no_orphan_seats: StrictBool = Field(  # JSON true/false only: 0 and "yes" are 400
        description="Refuse (409) holds and bookings that leave a single free seat stranded "
        "between taken seats or against a row's end or an aisle, unless no block of as many "
        "adjacent seats could avoid it."
    )


class ShowRulesResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"showId": EXAMPLE_SHOW, "noOrphanSeats": True}]}
    )

    show_id: str
    no_orphan_seats: bool


SeatChangeKind = Literal["held", "released", "reserved", "sold", "freed"]


class SeatChangeView(ResponseModel):
    seat_id: str
    row: str
    number: int
    change: SeatChangeKind
    status: Literal["available", "held", "booked"] = Field(description="As on the seat map.")
    hold_expires_at: str | None


class SeatChangesEvent(ResponseModel):
    """The data of one `seats` event of the stream."""

    id: int = Field(description="The event id, also sent as the SSE `id:` field.")
    show_id: str
    seats: list[SeatChangeView]


_NO_ADJACENT = {
    "code": "NO_ADJACENT_SEATS",
    "message": "no 4 adjacent seats left in one row",
    "details": {"count": "4"},
}
_STRANDED = {
    "code": "SEAT_WOULD_BE_STRANDED",
    "message": "seat H6 would be left alone between taken seats; choose seats that leave no "
    "single seat free, or include it",
    "details": {"seatId": EXAMPLE_SEAT_1, "seat": "H6"},
}


def hold_best_responses() -> dict[int | str, dict[str, Any]]:
    responses = error_responses(400, 401, 403, 404, 409, 429, 503, 504)
    responses[409] = {
        **responses[409],
        "description": "No N adjacent seats left (of the tier) in any row.",
        "content": {
            "application/json": {
                "examples": {"noAdjacentSeats": {"value": {"error": _NO_ADJACENT}}}
            }
        },
    }
    return responses


def with_stranding(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """``responses`` whose 409 also shows the refusal of a hold or booking on a no-orphan show."""
    conflict = responses[409]
    content = conflict["content"]["application/json"]
    examples = {**content["examples"], "seatWouldBeStranded": {"value": {"error": _STRANDED}}}
    responses[409] = {
        **conflict,
        "content": {"application/json": {**content, "examples": examples}},
    }
    return responses


SEAT_STREAM_EXAMPLE = (
    "retry: 2000\n\n"
    'event: ready\ndata: {"showId":"' + EXAMPLE_SHOW + '"}\n\n'
    "id: 42\nevent: seats\n"
    'data: {"id":42,"showId":"' + EXAMPLE_SHOW + '","seats":[{"seatId":"' + EXAMPLE_SEAT_1 + '",'
    '"row":"H","number":7,"change":"held","status":"held",'
    '"holdExpiresAt":"2026-01-31T01:05:00.000Z"}]}\n\n'
    'event: reload\ndata: {"reason":"the changes after event 17 are no longer kept"}\n\n'
)
