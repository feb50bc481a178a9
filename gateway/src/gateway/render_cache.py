"""Rendered JSON bodies keyed by the exact bytes of the gRPC reply they were rendered from.

Seat maps are polled by every viewer of a show and change only when a seat does; many polls in
a row get byte-identical replies. Keying on the serialized reply makes the cache correct by
construction (same bytes, same document: no invalidation, no TTL) and turns a repeated seat map
into a dictionary lookup instead of rendering a few hundred seats and encoding them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["RenderCache"]


class RenderCache:
    def __init__(self, max_entries: int = 256) -> None:
        self._max_entries = max_entries
        self._entries: dict[bytes, bytes] = {}

    def render(self, reply: bytes, build: Callable[[bytes], Any]) -> bytes:
        """The JSON body for ``reply``: cached, or ``build(reply)`` encoded and remembered."""
        body = self._entries.get(reply)
        if body is None:
            body = orjson.dumps(build(reply))
            if self._max_entries <= 0:
                return body
            if len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]  # oldest first
            self._entries[reply] = body
        return body

    def __len__(self) -> int:
        return len(self._entries)
