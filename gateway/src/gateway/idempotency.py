"""``Idempotency-Key`` for the calls that create things (bookings, payments, refunds).

A key is scoped to (user, method + path). The first request claims it with an ``in_flight`` row
and a lease; when the upstream answers, the response (status and exact body bytes) is stored and
every later request with the same key and the same body gets it replayed with
``Idempotent-Replayed: true`` without reaching the upstream. The same key with another body is a
client bug (422); the same key while the first request is still running is 409
IDEMPOTENCY_KEY_IN_USE, which is retryable (``Retry-After``). 5xx answers and 429s are not stored:
the key is released so the client can retry with it.

The claim's lease is the owner's own deadline: its one upstream call has ``deadline`` seconds, and
the lease runs out ``LEASE_GRACE_SECONDS`` after that. A gateway killed mid-request leaves its key
``in_flight``; once the lease has run out, the next request with the same body takes the key over
and runs it, so a client retrying with its key gets through about a deadline after the crash. A
live owner is always done by then: its upstream call has been answered or timed out.

Rows are kept ``ttl`` (24 h); older ones count as absent and a periodic delete removes them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from gateway.errors import (
    ApiError,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyStoreUnavailable,
    error_response,
)
from gateway.responses import json_bytes_response
from svckit.db import quote_schema
from svckit.logging import get_logger

__all__ = [
    "LEASE_GRACE_SECONDS",
    "IdempotencyStore",
    "KeyScope",
    "StoredResponse",
    "request_fingerprint",
]

log = get_logger(__name__)

REPLAYED_HEADER = "Idempotent-Replayed"
_CLAIM_ATTEMPTS = 3
LEASE_GRACE_SECONDS = 1.0
"""How long past its upstream deadline an owner keeps its key: time to store the answer."""


@dataclass(frozen=True, slots=True)
class KeyScope:
    user_id: str
    route: str
    key: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes


def request_fingerprint(route: str, body: Any) -> str:
    """A hash of what the request asks for: the validated body in canonical JSON.

    Hashing the parsed body (not the raw bytes) makes ``seatIds`` and ``showSeatIds`` or a
    reformatted document count as the same request.
    """
    canonical = orjson.dumps([route, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _storable(status: int) -> bool:
    return status < 500 and status != 429


class IdempotencyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl_seconds: float,
        deadline_seconds: float,
        schema: str = "gateway",
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._lease = deadline_seconds + LEASE_GRACE_SECONDS
        table = f"{quote_schema(schema)}.idempotency_keys"
        self._claim_sql = text(
            f"""
            INSERT INTO {table} AS k
                (user_id, route, key, request_hash, state, locked_until, created_at)
            VALUES (:user_id, :route, :key, :hash, 'in_flight',
                    now() + make_interval(secs => :lock), now())
            ON CONFLICT (user_id, route, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, state = 'in_flight',
                locked_until = EXCLUDED.locked_until, created_at = now(),
                response_status = NULL, response_body = NULL
            WHERE k.created_at < now() - make_interval(secs => :ttl)
               OR (k.state = 'in_flight' AND k.locked_until < now()
                   AND k.request_hash = EXCLUDED.request_hash)
            RETURNING 1
            """
        )
        self._select_sql = text(
            f"""
            SELECT request_hash, state, response_status, response_body FROM {table}
            WHERE user_id = :user_id AND route = :route AND key = :key
            """
        )
        self._complete_sql = text(
            f"""
            UPDATE {table} SET state = 'done', response_status = :status, response_body = :body
            WHERE user_id = :user_id AND route = :route AND key = :key AND request_hash = :hash
            """
        )
        self._release_sql = text(
            f"""
            DELETE FROM {table}
            WHERE user_id = :user_id AND route = :route AND key = :key AND request_hash = :hash
              AND state = 'in_flight'
            """
        )
        self._expire_sql = text(
            f"DELETE FROM {table} WHERE created_at < now() - make_interval(secs => :ttl)"
        )

    @staticmethod
    def _key(scope: KeyScope) -> dict[str, str]:
        return {"user_id": scope.user_id, "route": scope.route, "key": scope.key}

    async def claim(self, scope: KeyScope, request_hash: str) -> StoredResponse | None:
        """None when this request now owns the key; the stored response to replay otherwise.

        Raises 422 for another body under the same key and 409 while it is in flight.
        """
        params = {**self._key(scope), "hash": request_hash, "lock": self._lease, "ttl": self._ttl}
        for _ in range(_CLAIM_ATTEMPTS):
            async with self._engine.begin() as conn:
                if (await conn.execute(self._claim_sql, params)).first() is not None:
                    return None
                row = (await conn.execute(self._select_sql, self._key(scope))).first()
            if row is None:
                continue  # released between the two statements: claim again
            stored_hash, state, status, body = row
            if stored_hash != request_hash:
                raise IdempotencyKeyReused(scope.key)
            if state == "done":
                return StoredResponse(int(status), bytes(body))
            raise IdempotencyKeyInUse(scope.key)
        raise IdempotencyKeyInUse(scope.key)

    async def complete(self, scope: KeyScope, request_hash: str, status: int, body: bytes) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                self._complete_sql,
                {**self._key(scope), "hash": request_hash, "status": status, "body": body},
            )

    async def release(self, scope: KeyScope, request_hash: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(self._release_sql, {**self._key(scope), "hash": request_hash})

    async def delete_expired(self) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(self._expire_sql, {"ttl": self._ttl})
        return int(result.rowcount or 0)

    async def run(
        self,
        scope: KeyScope,
        request_hash: str,
        call: Callable[[], Awaitable[Response]],
    ) -> Response:
        """Answer with the stored response, or run ``call`` once and store what it answered.

        ``call`` returns a Starlette response with a ``body``; an ``ApiError`` it raises is an
        answer too (a 409 "seats taken" is replayed like a 201).
        """
        try:
            stored = await self.claim(scope, request_hash)
        except SQLAlchemyError as exc:
            log.warning("idempotency.store_unavailable", error=repr(exc))
            raise IdempotencyStoreUnavailable() from None
        if stored is not None:
            return json_bytes_response(stored.body, stored.status, {REPLAYED_HEADER: "true"})
        try:
            try:
                response = await call()
            except ApiError as error:
                response = error_response(error)
        except BaseException:
            await asyncio.shield(self._release_quietly(scope, request_hash))
            raise
        if _storable(response.status_code):
            try:
                await self.complete(scope, request_hash, response.status_code, bytes(response.body))
            except SQLAlchemyError as exc:
                log.error("idempotency.complete_failed", key=scope.key, error=repr(exc))
        else:
            await self._release_quietly(scope, request_hash)
        return response

    async def _release_quietly(self, scope: KeyScope, request_hash: str) -> None:
        try:
            await self.release(scope, request_hash)
        except SQLAlchemyError as exc:
            log.warning("idempotency.release_failed", key=scope.key, error=repr(exc))

    async def expire_forever(self, interval_seconds: float) -> None:
        """Delete keys older than the TTL every ``interval_seconds``."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                deleted = await self.delete_expired()
                if deleted:
                    log.info("idempotency.expired", deleted=deleted)
            except SQLAlchemyError as exc:
                log.warning("idempotency.expire_failed", error=repr(exc))
