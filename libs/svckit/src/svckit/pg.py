"""psycopg without a SQL toolkit in between, for the hot paths of the seat services.

SQLAlchemy Core costs Python time on every statement (compiled-cache lookup, result metadata,
the greenlet bridge to asyncio) and on every checkout, begin and commit. On the seat paths that
is most of the work: a lock + update transaction costs 0.85 ms of CPU through an
``AsyncEngine`` and 0.42 ms through a psycopg pool; one autocommit read 0.48 ms and 0.21 ms.
A service that needs it keeps its SQL as plain text with ``%(name)s`` parameters, takes
connections from :func:`create_pool` and runs its transactions with :class:`PgUnitOfWork`.

The connections get the same per-connection timeouts as :func:`svckit.db.create_engine`'s, so a
row lock is never waited on for longer than ``lock_timeout_ms`` whichever path took it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import pq
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncConnection as SaConnection

from svckit.db import database_unavailable, libpq_url
from svckit.logging import get_logger

__all__ = ["PgUnitOfWork", "create_pool", "driver_connection"]

log = get_logger(__name__)

# Connections opened when the pool opens; the rest up to ``size`` on demand, kept for
# ``_MAX_IDLE_S`` once opened (no churn under sustained load, no idle backends at rest).
_MIN_CONNECTIONS = 2
_MAX_IDLE_S = 600.0
_IN_TRANSACTION = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


def create_pool(
    url: str,
    *,
    size: int,
    timeout_s: float = 10.0,
    lock_timeout_ms: int = 2000,
    statement_timeout_ms: int = 10000,
    application_name: str = "",
) -> AsyncConnectionPool[psycopg.AsyncConnection[Any]]:
    """A closed pool of autocommit connections (``await pool.open()`` in the service's loop).

    Waiting longer than ``timeout_s`` for a connection raises ``PoolTimeout``, which
    :func:`svckit.db.database_unavailable` counts as "database unavailable" (503).
    """
    options = f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}"
    kwargs: dict[str, Any] = {"autocommit": True, "options": options}
    if application_name:
        kwargs["application_name"] = application_name
    return AsyncConnectionPool(
        libpq_url(url),
        min_size=min(_MIN_CONNECTIONS, size),
        max_size=size,
        timeout=timeout_s,
        max_idle=_MAX_IDLE_S,
        kwargs=kwargs,
        name=application_name or None,
        open=False,
    )


async def driver_connection(conn: SaConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under a SQLAlchemy one, to run plain statements inside the
    transaction its owner (e.g. svckit's idempotent consumer) began."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError(f"not a psycopg connection: {type(driver).__name__}")
    return driver


class PgUnitOfWork:
    """A pooled connection and one transaction (BEGIN … COMMIT), rolled back unless committed.
    Read-only units run their statements in autocommit instead (no BEGIN/ROLLBACK round trips).

    A service subclasses it, creating its repositories on the connection in ``_bind`` and, if
    it wants, turning database errors into domain errors in ``_translate``.
    """

    def __init__(
        self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]], *, read_only: bool = False
    ) -> None:
        self._pool = pool
        self._read_only = read_only
        self._conn: psycopg.AsyncConnection[Any] | None = None

    def _bind(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Create the repositories on ``conn``."""
        raise NotImplementedError

    def _translate(self, exc: psycopg.Error) -> Exception:
        """What a failed COMMIT (e.g. a deferred constraint) becomes for the caller."""
        return exc

    async def __aenter__(self) -> Self:
        conn = await self._pool.getconn()
        try:
            if not self._read_only:
                await conn.execute("BEGIN")
        except BaseException:
            await self._pool.putconn(conn)
            raise
        self._conn = conn
        self._bind(conn)
        return self

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        if self._read_only:
            return
        try:
            await self._conn.execute("COMMIT")
        except psycopg.Error as exc:
            raise self._translate(exc) from exc

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.info.transaction_status in _IN_TRANSACTION:
                await conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a broken connection: the pool discards it below
        finally:
            await self._pool.putconn(conn)
        if exc is not None and database_unavailable(exc):
            # Like SQLAlchemy's pool invalidation: after a restart of the database every idle
            # connection is dead too; find them now rather than one failed request each.
            _check_soon(self._pool)


_checking: dict[int, asyncio.Task[None]] = {}


def _check_soon(pool: AsyncConnectionPool[Any]) -> None:
    """Check the idle connections of ``pool`` in the background, once at a time."""
    if id(pool) in _checking:
        return
    task = asyncio.ensure_future(_check(pool))
    _checking[id(pool)] = task
    task.add_done_callback(lambda _: _checking.pop(id(pool), None))


async def _check(pool: AsyncConnectionPool[Any]) -> None:
    try:
        await pool.check()
    except Exception:  # the pool reconnects by itself; this only hurries it
        log.warning("db.pool_check_failed", exc_info=True)
