"""Verified tokens are reused until they expire, exactly as a fresh verification would decide."""

from __future__ import annotations

import time
import uuid

import pytest

from gateway.auth import TokenSettings, authenticate, issue_token
from gateway.errors import ApiError
from gateway.verified_tokens import VerifiedTokens
from svckit.identity import Caller

pytestmark = pytest.mark.unit

SETTINGS = TokenSettings("unit-test-secret-0123456789abcdef", "ticketing", "ticketing-api", 0)


def test_a_cached_token_is_refused_once_it_expires() -> None:
    tokens = VerifiedTokens()
    caller = Caller(user_id=str(uuid.uuid4()))
    tokens.put("t", caller, time.time() + 60)
    assert tokens.get("t", 0) is caller
    tokens.put("old", caller, time.time() - 1)
    assert tokens.get("old", 0) is None
    assert tokens.get("old", 30) is None  # evicted: the next check verifies it again


def test_the_cache_is_bounded() -> None:
    tokens = VerifiedTokens(max_tokens=2)
    caller = Caller(user_id=str(uuid.uuid4()))
    for name in ("a", "b", "c"):
        tokens.put(name, caller, time.time() + 60)
    assert tokens.get("a", 0) is None
    assert tokens.get("c", 0) is caller


def test_an_expired_token_is_a_401_even_after_it_was_accepted() -> None:
    user = str(uuid.uuid4())
    token = issue_token(SETTINGS, user, ttl_seconds=1)
    assert authenticate(SETTINGS, token).user_id == user
    assert authenticate(SETTINGS, token).user_id == user  # now served from the cache
    deadline = time.monotonic() + 10
    while True:  # poll until its `exp` passes; the cached acceptance must not outlive it
        try:
            authenticate(SETTINGS, token)
        except ApiError as refused:
            assert refused.status == 401
            break
        assert time.monotonic() < deadline, "the token was still accepted 10 s after it expired"
        time.sleep(0.05)
