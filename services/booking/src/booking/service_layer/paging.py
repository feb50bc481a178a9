"""Opaque page tokens for newest-first listings: the position after the last item shown."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from booking.domain.errors import InvalidRequest
from booking.service_layer.ports import PageCursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_size(requested: int) -> int:
    """0 means the default; more than the maximum is served as the maximum (AIP-158)."""
    if requested < 0:
        raise InvalidRequest("page.page_size", "page.page_size must not be negative")
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(requested, MAX_PAGE_SIZE)


def encode(cursor: PageCursor | None) -> str:
    if cursor is None:
        return ""
    raw = json.dumps({"t": cursor.created_at.isoformat(), "id": cursor.booking_id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str) -> PageCursor | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        fields = json.loads(base64.urlsafe_b64decode(padded.encode()))
        created_at = datetime.fromisoformat(fields["t"])
        booking_id = str(uuid.UUID(fields["id"]))
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise InvalidRequest(
            "page.page_token", "page.page_token is not a token from a previous page"
        ) from None
    if created_at.tzinfo is None:
        raise InvalidRequest("page.page_token", "page.page_token has no time zone")
    return PageCursor(created_at=created_at, booking_id=booking_id)
