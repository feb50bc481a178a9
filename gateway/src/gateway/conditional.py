"""Replies that caches may share, and conditional GETs of them (RFC 9110 §8.8.3, §13.1.2).

An anonymous seat map is the same document for everyone who is not signed in, so a CDN or a
browser may keep it briefly and revalidate it with ``If-None-Match``: the answer is then a 304
without the body. A map with a viewer shows that viewer's own holds and must never be shared.

A big map travels gzipped to clients that accept it. The gzipped bytes are another
representation, so they have a strong validator of their own; and a shared reply is compressed
once, when first asked for gzipped, rather than by the middleware on every request (a
10,000-seat map takes about 15 ms to compress).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections.abc import Mapping

from starlette.responses import Response

from gateway.responses import GZIP_LEVEL, GZIP_MINIMUM_BYTES, GZIP_THREAD_MINIMUM_BYTES

__all__ = ["PRIVATE", "SharedReply", "entity_tag", "none_match"]

# One second: as long as this gateway keeps a show's map itself (gateway.seat_map_cache), so a
# map reused downstream is at most about two seconds behind. A viewer who picks a seat that was
# taken meanwhile is told so when holding it (409 naming the seat); one who follows the seat
# stream applies its events to the map and needs no fresher copy.
PUBLIC_CACHE_CONTROL = "public, max-age=1"
PRIVATE: Mapping[str, str] = {"Cache-Control": "private, no-store"}
"""Headers of a reply that shows one user's own state."""

MEDIA_TYPE = "application/json"


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


class _Representation:
    """One encoding of a shared reply: its bytes and the headers of its 200 and of its 304."""

    __slots__ = ("body", "etag", "full", "not_modified")

    def __init__(self, body: bytes, vary: str, content_encoding: str | None = None) -> None:
        self.body = body
        self.etag = entity_tag(body)
        # Vary: a shared cache must not answer a request that carries a token (its map shows
        # the viewer's own holds) with this one, nor a client that takes no gzip with gzip.
        self.not_modified = {"ETag": self.etag, "Cache-Control": PUBLIC_CACHE_CONTROL, "Vary": vary}
        self.full = dict(self.not_modified)
        if content_encoding is not None:
            self.full["Content-Encoding"] = content_encoding

    def response(self, if_none_match: str | None) -> Response:
        if none_match(if_none_match, self.etag):
            return Response(status_code=304, headers=self.not_modified)
        return Response(self.body, headers=self.full, media_type=MEDIA_TYPE)


class SharedReply:
    """A JSON document any viewer without an identity may be given, from any cache."""

    __slots__ = ("_gzipped", "_identity", "compressible", "holders")

    def __init__(self, body: bytes, holders: frozenset[str] = frozenset()) -> None:
        """``holders``: the users whose own view of the document differs from it."""
        self.holders = holders
        self.compressible = len(body) >= GZIP_MINIMUM_BYTES
        # The gateway's GZipMiddleware adds ", Accept-Encoding" to a big identity reply itself.
        self._identity = _Representation(body, "Authorization")
        if self.compressible:
            self._identity.not_modified["Vary"] = "Authorization, Accept-Encoding"
        self._gzipped: asyncio.Future[_Representation] | None = None

    @property
    def body(self) -> bytes:
        return self._identity.body

    @property
    def etag(self) -> str:
        """The validator of the identity (uncompressed) representation."""
        return self._identity.etag

    async def response(self, if_none_match: str | None, accept_encoding: str = "") -> Response:
        """200 with the body, or 304 without it when the client already has these bytes."""
        if self.compressible and "gzip" in accept_encoding:
            if self._gzipped is None:  # compressed once, for every client that takes gzip
                self._gzipped = asyncio.ensure_future(self._compress())
            gzipped = await asyncio.shield(self._gzipped)
            return gzipped.response(if_none_match)
        return self._identity.response(if_none_match)

    async def _compress(self) -> _Representation:
        # mtime=0: the same map compresses to the same bytes, and so to the same tag.
        compress = functools.partial(gzip.compress, compresslevel=GZIP_LEVEL, mtime=0)
        if len(self.body) >= GZIP_THREAD_MINIMUM_BYTES:
            body = await asyncio.to_thread(compress, self.body)  # zlib lets go of the GIL
        else:
            body = compress(self.body)
        return _Representation(body, "Authorization, Accept-Encoding", "gzip")
