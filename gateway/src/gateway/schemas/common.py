"""Model bases, shared field types and the error body."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
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

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
IdempotencyKeyText = Annotated[
    str, Field(min_length=1, max_length=255, pattern=IDEMPOTENCY_KEY_PATTERN)
]
"""An Idempotency-Key: 1 to 255 visible ASCII characters (a UUID is ideal)."""


def _json_number(value: Any) -> Any:
    """A JSON integer is any number without a fraction (``169`` or ``169.0``), never ``"169"``."""
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON number, not a string or boolean")
    return value


JSON_NUMBER = BeforeValidator(_json_number)
"""Put after a ``Field`` with bounds (``Annotated[int, Field(ge=1), JSON_NUMBER]``): an integer as
JSON Schema means it, ``2`` and ``2.0`` yes, ``2.5``, ``"2"`` and ``true`` no. After the bounds,
so that they stay in the document as ``minimum``/``maximum``."""

MinorUnits = Annotated[
    int,
    Field(ge=0, le=2**53 - 1, description="Minor units of the currency (paise)."),
    JSON_NUMBER,
]
"""An amount of money: a whole number of minor units, never a string."""


def _text(value: Any) -> Any:
    """A date or time in JSON is text (pydantic alone also takes a number as a Unix time)."""
    if not isinstance(value, str | dt.date):
        raise ValueError("must be a string in RFC 3339 / ISO 8601 form")
    return value


JSON_TEXT = BeforeValidator(_text)

QUERY_TEXT = r"^[^\x00]*$"
"""Pattern for free-text query parameters (no NUL)."""

TEXT = QUERY_TEXT
"""Pattern of every free-text body field: NUL cannot be stored in PostgreSQL text, and the
document says so rather than leaving it to a 400 the schema does not predict."""

PAGE_TOKEN_PATTERN = r"^[A-Za-z0-9_\-]*$"
"""A page token is opaque base64url text: the ``nextPageToken`` of the page before."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: Any) -> Any:
    """``YYYY-MM-DD`` and nothing else (pydantic alone also takes ``0`` as 1970-01-01)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _json_boolean(value: Any) -> Any:
    """``true`` or ``false``, as the document says (pydantic alone also takes 0, yes, off ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
JsonBoolean = Annotated[bool, BeforeValidator(_json_boolean)]


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
    400: "Invalid request (shape, types, ids, a pageToken that is not this list's "
    "nextPageToken) or a rule the request breaks",
    401: "Missing, invalid or expired bearer token",
    403: "Not yours, or needs the admin role",
    404: "No such resource",
    409: "Conflict: seats taken, wrong state; or IDEMPOTENCY_KEY_IN_USE, which is retryable: "
    "the first request with this key is still running (or its gateway died: the key is free "
    "again once that request's deadline has passed); retry with the same key after Retry-After",
    422: "The Idempotency-Key was used with a different request",
    429: "Rate limited: retry after Retry-After seconds",
    503: "A service (or the idempotency store) is unavailable: retry after Retry-After",
    504: "A service did not answer in time",
}

_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {
        "code": "INVALID_ARGUMENT",
        "message": "body.showSeatIds: List should have at least 1 item",
        "details": {"body.showSeatIds": "List should have at least 1 item"},
    },
    401: {"code": "UNAUTHENTICATED", "message": "the token has expired", "details": {}},
    403: {
        "code": "PERMISSION_DENIED",
        "message": "you may act only for your own user id",
        "details": {"userId": "22222222-2222-4222-8222-222222222222"},
    },
    404: {
        "code": "BOOKING_NOT_FOUND",
        "message": f"booking {EXAMPLE_BOOKING} not found",
        "details": {"bookingId": EXAMPLE_BOOKING},
    },
    409: {
        "code": "SEATS_UNAVAILABLE",
        "message": "seats A1, A2 are held by another user",
        "details": {"seatIds": f"{EXAMPLE_SEAT_1},{EXAMPLE_SEAT_2}"},
    },
    422: {
        "code": "IDEMPOTENCY_KEY_REUSED",
        "message": "this Idempotency-Key was used for a different request",
        "details": {"idempotencyKey": "5b0c7f0e-4f38-4a8e-9a51-2f1d0c6e7b90"},
    },
    429: {
        "code": "RATE_LIMITED",
        "message": "too many bookings requests; try again in 1 s",
        "details": {"limitPerMinute": "120", "group": "bookings"},
    },
    503: {
        "code": "UNAVAILABLE",
        "message": "the booking service is unavailable; try again shortly",
        "details": {"service": "booking"},
    },
    504: {
        "code": "DEADLINE_EXCEEDED",
        "message": "the booking service did not answer within 5 s",
        "details": {"service": "booking"},
    },
}

_IN_USE_EXAMPLE = {
    "code": "IDEMPOTENCY_KEY_IN_USE",
    "message": "a request with this Idempotency-Key is still being processed; "
    "retry with the same key and body in 1 s",
    "details": {"idempotencyKey": "5b0c7f0e-4f38-4a8e-9a51-2f1d0c6e7b90", "retryable": "true"},
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_RETRYABLE = frozenset({409, 429, 503})


def _response(status: int) -> dict[str, Any]:
    examples = {"error": {"value": {"error": _EXAMPLES[status]}}}
    if status == 409:
        examples["idempotencyKeyInUse"] = {"value": {"error": _IN_USE_EXAMPLE}}
    response: dict[str, Any] = {
        "model": ErrorResponse,
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"examples": examples}},
    }
    if status in _RETRYABLE:
        response["headers"] = _RETRY_AFTER
    return response


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries with the error body and an example for ``statuses``."""
    return {status: _response(status) for status in statuses}
