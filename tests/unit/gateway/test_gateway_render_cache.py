"""Seat maps rendered once per distinct reply."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.render_cache import RenderCache

pytestmark = pytest.mark.unit


def counting() -> tuple[list[bytes], Any]:
    built: list[bytes] = []

    def build(reply: bytes) -> dict[str, str]:
        built.append(reply)
        return {"reply": reply.decode()}

    return built, build


def test_identical_replies_are_rendered_once() -> None:
    cache = RenderCache(8)
    built, build = counting()

    first = cache.render(b"seat-map-1", build)
    again = cache.render(b"seat-map-1", build)
    other = cache.render(b"seat-map-2", build)

    assert first == again == orjson.dumps({"reply": "seat-map-1"})
    assert other == orjson.dumps({"reply": "seat-map-2"})
    assert built == [b"seat-map-1", b"seat-map-2"]


def test_the_oldest_entry_is_dropped_when_full() -> None:
    cache = RenderCache(2)
    built, build = counting()
    for reply in (b"a", b"b", b"c", b"a"):
        cache.render(reply, build)

    assert len(cache) == 2
    assert built == [b"a", b"b", b"c", b"a"]


def test_size_zero_disables_caching() -> None:
    cache = RenderCache(0)
    built, build = counting()
    cache.render(b"a", build)
    cache.render(b"a", build)

    assert built == [b"a", b"a"]
    assert len(cache) == 0
