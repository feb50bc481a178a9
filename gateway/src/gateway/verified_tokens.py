"""Tokens the gateway has already verified, so a client's next request skips the HMAC and JSON.

A client sends the same bearer token on every request until it expires; verifying it (base64,
HMAC-SHA256, two JSON documents, claim checks) was the largest single cost of a seat-map poll in
the gateway. A token that verified once stays valid until its ``exp`` (the secret is fixed for
the life of the process), so the cache keeps the caller with that expiry and checks it on every
hit exactly as PyJWT does. Only successful verifications are kept; bounded, oldest out first.
"""

from __future__ import annotations

import time

from svckit.identity import Caller

__all__ = ["VerifiedTokens"]

DEFAULT_MAX_TOKENS = 10_000


class VerifiedTokens:
    def __init__(self, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self._max_tokens = max_tokens
        self._entries: dict[str, tuple[Caller, float]] = {}

    def get(self, token: str, leeway_seconds: float) -> Caller | None:
        """The caller of a verified, unexpired token; None when it must be verified (again)."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        caller, expires_at = entry
        if expires_at <= time.time() - leeway_seconds:
            del self._entries[token]
            return None
        return caller

    def put(self, token: str, caller: Caller, expires_at: float) -> None:
        if self._max_tokens <= 0:
            return
        if len(self._entries) >= self._max_tokens:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (caller, expires_at)
