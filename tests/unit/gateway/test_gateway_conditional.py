"""Shared replies: a strong ETag derived from the body, 304 for an If-None-Match that names it."""

from __future__ import annotations

import pytest

from gateway.conditional import SharedReply, entity_tag, none_match

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


def test_a_shared_reply_is_public_for_a_second_and_never_for_a_token_holder() -> None:
    reply = SharedReply.of(BODY)

    response = reply.response(None)

    assert response.status_code == 200 and response.body == BODY
    assert response.headers["etag"] == entity_tag(BODY)
    assert response.headers["cache-control"] == "public, max-age=1"
    assert response.headers["vary"] == "Authorization"
    assert response.headers["content-type"] == "application/json"


def test_a_client_that_has_the_bytes_gets_304_without_them() -> None:
    reply = SharedReply.of(BODY)

    response = reply.response(reply.etag)

    assert response.status_code == 304 and response.body == b""
    assert response.headers["etag"] == reply.etag
    assert response.headers["cache-control"] == "public, max-age=1"
    assert "content-length" not in response.headers


def test_a_client_with_an_older_map_gets_the_new_one() -> None:
    older = SharedReply.of(BODY)
    newer = SharedReply.of(BODY.replace(b"[]", b'[{"id":"a"}]'))

    response = newer.response(older.etag)

    assert response.status_code == 200 and response.body == newer.body
    assert response.headers["etag"] == newer.etag != older.etag
