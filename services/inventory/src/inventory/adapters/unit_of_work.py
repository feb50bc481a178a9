"""Transactions for the use cases: one of their own, or the one an event consumer already runs."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inventory.adapters.repository import SqlSeatRepository, translate


class SqlUnitOfWork:
    """A pooled connection and one transaction; rolled back unless committed. Read-only units
    run their single statement in autocommit mode instead (no BEGIN/ROLLBACK round trips).

    Deferred constraints (the seat ↔ sale foreign keys) are checked at COMMIT, so commit
    translates database errors the same way statements do.
    """

    retryable = True

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: AsyncConnection | None = None
        self.seats: SqlSeatRepository

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if self._read_only:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            await conn.begin()
        self._conn = conn
        self.seats = SqlSeatRepository(conn)
        return self

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
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        try:
            await self._conn.commit()
        except DBAPIError as exc:
            raise translate(exc) from exc


class JoinedUnitOfWork:
    """Runs inside a transaction someone else owns (the idempotent consumer's, which also
    records the message id); committing is theirs, so a deadlock cannot be retried here — the
    message is redelivered instead."""

    retryable = False

    def __init__(self, conn: AsyncConnection) -> None:
        self.seats = SqlSeatRepository(conn)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        return None
