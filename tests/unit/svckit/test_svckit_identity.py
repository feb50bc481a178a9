"""Caller identity survives the trip through gRPC metadata."""

from __future__ import annotations

import pytest

from svckit.identity import (
    ANONYMOUS,
    Caller,
    caller_from_metadata,
    caller_metadata,
    reset_request_id,
    set_request_id,
)

pytestmark = pytest.mark.unit


def test_round_trip() -> None:
    caller = Caller("5f0c6b8e-0000-4000-8000-000000000001", frozenset({"admin", "staff"}))
    metadata = caller_metadata(caller, request_id="r-1")
    assert dict(metadata) == {
        "x-user-id": caller.user_id,
        "x-user-roles": "admin,staff",
        "x-request-id": "r-1",
    }
    assert caller_from_metadata(metadata) == caller
    assert caller_from_metadata(metadata).is_admin


def test_no_headers_means_anonymous() -> None:
    assert caller_from_metadata(()) == ANONYMOUS
    assert caller_from_metadata(None).is_anonymous
    assert not caller_from_metadata([("x-user-roles", " , ")]).roles


def test_bytes_values_and_contexts_are_accepted() -> None:
    class Context:
        def invocation_metadata(self) -> tuple[tuple[str, bytes], ...]:
            return (("x-user-id", b"u1"),)

    assert caller_from_metadata(Context()) == Caller("u1")


def test_request_id_being_served_is_forwarded_by_default() -> None:
    token = set_request_id("served-1")
    try:
        assert ("x-request-id", "served-1") in caller_metadata(ANONYMOUS)
    finally:
        reset_request_id(token)
    assert caller_metadata(ANONYMOUS) == ()
