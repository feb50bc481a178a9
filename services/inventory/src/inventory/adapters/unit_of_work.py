"""Transactions for the use cases: one of their own, or the one an event consumer already runs."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.repository import SqlSeatRepository, translate
from svckit.unit_of_work import TransactionUnitOfWork


class SqlUnitOfWork(TransactionUnitOfWork):
    """A pooled connection and one transaction; rolled back unless committed. Read-only units
    run their single statement in autocommit mode instead (no BEGIN/ROLLBACK round trips).

    Deferred constraints (the seat ↔ sale foreign keys) are checked at COMMIT, so commit
    translates database errors the same way statements do.
    """

    retryable = True
    seats: SqlSeatRepository

    def _bind(self, conn: AsyncConnection) -> None:
        self.seats = SqlSeatRepository(conn)

    async def commit(self) -> None:
        try:
            await super().commit()
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
