"""Transactions for the use cases: one of their own, or the one an event consumer already runs."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.repository import SqlSeatRepository, translate
from svckit.pg import PgUnitOfWork, driver_connection


class SqlUnitOfWork(PgUnitOfWork):
    """A pooled psycopg connection and one transaction; rolled back unless committed. Read-only
    units run their single statement in autocommit mode instead (no BEGIN/ROLLBACK round trips).

    Deferred constraints (the seat ↔ sale foreign keys) are checked at COMMIT, so commit
    translates database errors the same way statements do.
    """

    retryable = True
    seats: SqlSeatRepository

    def _bind(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.seats = SqlSeatRepository(conn)

    def _translate(self, exc: psycopg.Error) -> Exception:
        return translate(exc)


class JoinedUnitOfWork:
    """Runs inside a transaction someone else owns (the idempotent consumer's, which also
    records the message id); committing is theirs, so a deadlock cannot be retried here — the
    message is redelivered instead."""

    retryable = False
    seats: SqlSeatRepository

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def __aenter__(self) -> Self:
        self.seats = SqlSeatRepository(await driver_connection(self._conn))
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
