"""Replies that caches may share, and conditional GETs of them (RFC 9110 §8.8.3, §13.1.2).

An anonymous seat map is the same document for everyone who is not signed in, so a CDN or a
browser may keep it briefly and revalidate it with ``If-None-Match``: the answer is then a 304
without the body. A map with a viewer shows that viewer's own holds and must never be shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import Response

from gateway.responses import json_bytes_response

__all__ = ["PRIVATE", "SharedReply", "entity_tag", "none_match"]

# One second: as long as this gateway keeps a show's map itself (gateway.seat_map_cache), so a
# map reused downstream is at most about two seconds behind. A viewer who picks a seat that was
# taken meanwhile is told so when holding it (409 naming the seat); one who follows the seat
# stream applies its events to the map and needs no fresher copy.
PUBLIC_CACHE_CONTROL = "public, max-age=1"
PRIVATE: Mapping[str, str] = {"Cache-Control": "private, no-store"}
"""Headers of a reply that shows one user's own state."""


def entity_tag(body: bytes) -> str:
    """A strong validator of ``body``: the same bytes, the same tag."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as GET asks for) or is ``*``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


@dataclass(frozen=True, slots=True)
class SharedReply:
    """A JSON document any viewer without an identity may be given, from any cache."""

    body: bytes
    etag: str
    headers: Mapping[str, str]

    @classmethod
    def of(cls, body: bytes) -> SharedReply:
        etag = entity_tag(body)
        # Vary: a shared cache must not answer a request that carries a token (its map shows the
        # viewer's own holds) with this one.
        headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE_CONTROL, "Vary": "Authorization"}
        return cls(body, etag, headers)

    def response(self, if_none_match: str | None) -> Response:
        """200 with the body, or 304 without it when the client already has these bytes."""
        if none_match(if_none_match, self.etag):
            return Response(status_code=304, headers=self.headers)
        return json_bytes_response(self.body, headers=self.headers)
