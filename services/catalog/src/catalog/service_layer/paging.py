"""Opaque page tokens: the position after a page's last item, in the list's sort order.

Keyset pagination (not offsets) so a page never repeats or skips an item when rows are added
meanwhile. The token names its list, so one list's token is refused by another.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from catalog.domain.errors import InvalidRequest
from catalog.service_layer.ports import Cursor

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str
    total: int


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidRequest("page.page_size", "page_size must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode(kind: str, cursor: Cursor) -> str:
    raw = json.dumps([kind, *cursor], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, token: str) -> Cursor | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or value[0] != kind
        or not all(isinstance(part, str) for part in value[1:])
    ):
        raise InvalidRequest("page.page_token", "page_token is not a token of this list")
    return value[1], value[2]
