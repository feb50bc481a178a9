"""Timestamps, enum names, pages and money, the same way in every document."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from ticketing.booking.v1 import booking_pb2
from ticketing.common.v1 import common_pb2

__all__ = ["BOOKING_STATUS", "TIERS", "enum_names", "page", "timestamp"]


def enum_names(enum: Any, prefix: str) -> dict[int, str]:
    """``{number: name without prefix}``, e.g. ``{1: "REGULAR"}`` for ``SEAT_TIER_REGULAR``."""
    return {value.number: value.name.removeprefix(prefix) for value in enum.DESCRIPTOR.values}


TIERS = enum_names(common_pb2.SeatTier, "SEAT_TIER_")
BOOKING_STATUS = enum_names(booking_pb2.BookingStatus, "BOOKING_STATUS_")


def timestamp(message: Message, field: str) -> str | None:
    """RFC 3339 in UTC (``2026-01-31T01:00:00Z``), or None when the field is unset."""
    if not message.HasField(field):
        return None
    value: Any = getattr(message, field)
    return str(value.ToJsonString())


def page(response: Any) -> dict[str, Any]:
    """``nextPageToken`` (null on the last page) and ``totalSize`` of a list response."""
    token = response.page.next_page_token
    return {"nextPageToken": token or None, "totalSize": response.page.total_size}


def money(message: Message, field: str) -> tuple[int, str]:
    """``(amount in minor units, currency)`` of a ``Money`` field; ``(0, "")`` when unset."""
    if not message.HasField(field):
        return 0, ""
    value: Any = getattr(message, field)
    return int(value.amount_minor), str(value.currency)
