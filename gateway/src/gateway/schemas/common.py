"""Model bases, shared field types and the error body."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, field_validator
from pydantic.alias_generators import to_camel

MAX_SEATS_PER_REQUEST = 10

Tier = Literal["REGULAR", "PREMIUM", "VIP"]
TierOut = Literal["REGULAR", "PREMIUM", "VIP", "UNSPECIFIED"]

EXAMPLE_USER = "11111111-1111-4111-8111-111111111111"
EXAMPLE_SHOW = "5d9c2f4e-7a41-4c6b-9b1e-0f6f3d2a9c10"
EXAMPLE_SEAT_1 = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a61"
EXAMPLE_SEAT_2 = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a62"
EXAMPLE_BOOKING = "7f3e9d2c-1b4a-4c5d-8e6f-9a0b1c2d3e4f"
EXAMPLE_MOVIE = "3a1f6c2e-8d4b-4f7a-9c1e-2b3d4e5f6a7b"
EXAMPLE_THEATRE = "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
EXAMPLE_SCREEN = "4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b"


class RequestModel(BaseModel):
    """A request body: camelCase names only, unknown fields are an error (400)."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """NUL cannot be stored in PostgreSQL text: refuse it here rather than fail upstream."""
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        return value


class ResponseModel(BaseModel):
    """A response document (describes what the rendering functions produce)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


def _distinct(values: list[UUID]) -> list[UUID]:
    duplicates = sorted({str(value) for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"duplicate seat ids: {', '.join(duplicates)}")
    return values


SeatIds = Annotated[
    list[UUID],
    Field(min_length=1, max_length=MAX_SEATS_PER_REQUEST),
    AfterValidator(_distinct),
]
"""1 to 10 distinct show-seat ids."""

PageSize = Annotated[int, Field(ge=1, le=100)]

MinorUnits = Annotated[
    StrictInt, Field(ge=0, le=2**53 - 1, description="Minor units of the currency (paise).")
]
"""An amount of money: a whole number of minor units, never a float or a string."""

QUERY_TEXT = r"^[^\x00]*$"
"""Pattern for free-text query parameters (no NUL)."""


class ErrorDetail(ResponseModel):
    code: str = Field(description="Stable machine-readable code, e.g. SEATS_TAKEN, NOT_FOUND.")
    message: str = Field(description="What went wrong, for humans.")
    details: dict[str, str] = Field(
        description="Context: offending fields (validation) or the upstream's error metadata."
    )


class ErrorResponse(ResponseModel):
    """The one error body of every route."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "SEATS_TAKEN",
                        "message": "seats A1, A2 are held by another user",
                        "details": {"seatIds": f"{EXAMPLE_SEAT_1},{EXAMPLE_SEAT_2}"},
                    }
                },
                {
                    "error": {
                        "code": "INVALID_ARGUMENT",
                        "message": "body.showSeatIds: List should have at least 1 item",
                        "details": {"body.showSeatIds": "List should have at least 1 item"},
                    }
                },
            ]
        }
    )

    error: ErrorDetail


class Page(ResponseModel):
    next_page_token: str | None = Field(
        description="Pass as pageToken for the next page; null on the last page."
    )
    total_size: int


_DESCRIPTIONS = {
    400: "Invalid request (shape, types, ids) or a rule the request breaks",
    401: "Missing, invalid or expired bearer token",
    403: "Not yours, or needs the admin role",
    404: "No such resource",
    409: "Conflict: seats taken, wrong state, or the Idempotency-Key is in use",
    422: "The Idempotency-Key was used with a different request",
    429: "Rate limited (see Retry-After)",
    503: "A service is unavailable",
    504: "A service did not answer in time",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries with the error body for ``statuses``."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }
