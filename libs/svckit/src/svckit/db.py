"""The async SQLAlchemy engine every service uses, and classification of PostgreSQL failures.

Timeouts are set per connection (libpq ``options``) rather than per statement so that no code
path can forget them: a seat transaction that waits on a row lock gives up after
``lock_timeout_ms`` and the caller can answer "seat taken, try again" instead of hanging.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "advisory_lock_key",
    "create_engine",
    "is_lock_timeout",
    "is_serialization_or_deadlock",
    "is_unique_violation",
    "libpq_url",
    "psycopg_url",
    "quote_schema",
    "sqlstate_of",
]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

LOCK_NOT_AVAILABLE = "55P03"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
UNIQUE_VIOLATION = "23505"


def psycopg_url(url: str) -> URL:
    """``url`` with the psycopg (v3) driver, whatever PostgreSQL spelling it came in."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+psycopg")


def libpq_url(url: str) -> str:
    """``postgresql://…`` for libpq (psycopg's own connections) from any spelling ``url`` took."""
    return psycopg_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def quote_schema(schema: str) -> str:
    """The schema name, validated, for interpolation into DDL and queries.

    Schema names come from code, never from users, but they end up inside SQL text, so only
    plain lower-case identifiers are accepted.
    """
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}: use lower-case letters, digits, _")
    return f'"{schema}"'


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` derived from a readable name.

    Hashing (not Python's salted ``hash``) keeps the key equal across processes and replicas.
    """
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 0,
    pool_timeout_s: float = 10.0,
    lock_timeout_ms: int = 2000,
    statement_timeout_ms: int = 10000,
    application_name: str = "",
    **engine_kwargs: Any,
) -> AsyncEngine:
    """An async engine on psycopg 3 with bounded lock and statement waits.

    No ``pool_pre_ping``: it would cost a ``SELECT 1`` round trip on every checkout, i.e. on every
    transaction of every hot path. A restarted database is noticed anyway: the first statement
    that fails with a disconnect error makes SQLAlchemy invalidate the whole pool (every
    connection older than the failure is replaced on its next checkout), so a restart costs one
    failed request per process, not one per pooled connection.

    Pools are small on purpose: on a few cores more connections only queue inside PostgreSQL
    (and every process of every service shares its ``max_connections``). A request that waits
    longer than ``pool_timeout_s`` for a connection fails as "database unavailable" (503).

    No overflow by default: under sustained load an overflow connection is closed as soon as it
    is returned and opened again for the next request, so every burst above ``pool_size`` paid
    for new PostgreSQL backends (a fork and a login each; the benchmark saw ~8 per second per
    service). Waiting a moment for a pooled connection is far cheaper.
    """
    connect_args: dict[str, Any] = {
        "options": f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}",
    }
    if application_name:
        connect_args["application_name"] = application_name
    return create_async_engine(
        psycopg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=False,
        connect_args=connect_args,
        **engine_kwargs,
    )


def sqlstate_of(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind ``exc``, looking through SQLAlchemy wrappers and causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
            continue
        current = current.__cause__ or current.__context__
    return None


def is_lock_timeout(exc: BaseException) -> bool:
    """True when a row lock was not granted within ``lock_timeout`` (or ``NOWAIT``)."""
    return sqlstate_of(exc) == LOCK_NOT_AVAILABLE


def is_serialization_or_deadlock(exc: BaseException) -> bool:
    """True for failures that a retry of the whole transaction can fix."""
    return sqlstate_of(exc) in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED)


def is_unique_violation(exc: BaseException) -> bool:
    """True when a unique constraint (the second guard behind row locks) rejected a write."""
    return sqlstate_of(exc) == UNIQUE_VIOLATION


# SQLSTATE classes that mean "the database cannot serve now", not "this request is wrong":
# connection exceptions, insufficient resources (too many connections), operator intervention.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or could not take the work:
    a failed or lost connection, an exhausted pool, "too many clients", a shutdown. Callers answer
    UNAVAILABLE (retry later) instead of treating it as a bug."""
    if isinstance(exc, sa_exc.TimeoutError | PoolTimeout):  # no pooled connection came free
        return True
    if isinstance(exc, psycopg.Error):  # raised by psycopg itself (svckit.pg), not wrapped
        return _unavailable_driver_error(exc)
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is None:  # failed before the server said anything: connect or network error
        return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def _unavailable_driver_error(exc: psycopg.Error) -> bool:
    if exc.sqlstate is None:  # failed before the server said anything: connect or network error
        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
    return exc.sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)
