"""Shared replies: a strong ETag derived from the body, 304 for an If-None-Match that names it;
a big reply gzipped once, with a validator of its own."""

from __future__ import annotations

import gzip

import pytest

from gateway.conditional import SharedReply, entity_tag, none_match
from gateway.responses import GZIP_MINIMUM_BYTES, GZIP_THREAD_MINIMUM_BYTES

pytestmark = pytest.mark.unit

BODY = b'{"showId":"s","seats":[]}'


def test_the_tag_is_strong_and_follows_the_bytes() -> None:
    tag = entity_tag(BODY)

    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert entity_tag(BODY) == tag
    assert entity_tag(BODY + b" ") != tag


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ("*", True),
        (" * ", True),
        ("{tag}", True),
        ("W/{tag}", True),
        ('"other", {tag}', True),
        ('"other"', False),
        ("{bare}", False),
    ],
)
def test_if_none_match_is_compared_weakly_against_every_tag_it_lists(
    header: str | None, matches: bool
) -> None:
    tag = entity_tag(BODY)
    if header is not None:
        header = header.format(tag=tag, bare=tag.strip('"'))

    assert none_match(header, tag) is matches


async def test_a_shared_reply_is_public_for_a_second_and_never_for_a_token_holder() -> None:
    reply = SharedReply(BODY)

    response = await reply.response(None)

    assert response.status_code == 200 and response.body == BODY
    assert response.headers["etag"] == entity_tag(BODY)
    assert response.headers["cache-control"] == "public, max-age=1"
    assert response.headers["vary"] == "Authorization"
    assert response.headers["content-type"] == "application/json"


async def test_a_client_that_has_the_bytes_gets_304_without_them() -> None:
    reply = SharedReply(BODY)

    response = await reply.response(reply.etag)

    assert response.status_code == 304 and response.body == b""
    assert response.headers["etag"] == reply.etag
    assert response.headers["cache-control"] == "public, max-age=1"
    assert "content-length" not in response.headers


async def test_a_client_with_an_older_map_gets_the_new_one() -> None:
    older = SharedReply(BODY)
    newer = SharedReply(BODY.replace(b"[]", b'[{"id":"a"}]'))

    response = await newer.response(older.etag)

    assert response.status_code == 200 and response.body == newer.body
    assert response.headers["etag"] == newer.etag != older.etag


def big(size: int) -> bytes:
    seats = b",".join(b'{"id":"%d","status":"available"}' % n for n in range(size // 30))
    return b'{"seats":[' + seats + b"]}"


@pytest.mark.parametrize("size", [GZIP_MINIMUM_BYTES, GZIP_THREAD_MINIMUM_BYTES * 2])
async def test_a_big_reply_is_gzipped_once_for_clients_that_take_gzip_with_a_tag_of_its_own(
    size: int,
) -> None:
    reply = SharedReply(big(size))

    zipped = await reply.response(None, "gzip, deflate, br")
    again = await reply.response(None, "gzip")
    plain = await reply.response(None, "")

    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == reply.body
    assert again.body is zipped.body
    assert zipped.headers["etag"] == entity_tag(zipped.body) != reply.etag
    assert zipped.headers["vary"] == "Authorization, Accept-Encoding"
    assert "content-encoding" not in plain.headers and plain.body == reply.body
    assert plain.headers["etag"] == reply.etag
    not_modified = await reply.response(zipped.headers["etag"], "gzip")
    assert not_modified.status_code == 304
    assert not_modified.headers["vary"] == "Authorization, Accept-Encoding"
    assert "content-encoding" not in not_modified.headers
    assert (await reply.response(reply.etag, "")).status_code == 304


async def test_a_small_reply_is_never_gzipped() -> None:
    reply = SharedReply(BODY)

    response = await reply.response(None, "gzip")

    assert "content-encoding" not in response.headers and response.body == BODY
    assert response.headers["vary"] == "Authorization"
