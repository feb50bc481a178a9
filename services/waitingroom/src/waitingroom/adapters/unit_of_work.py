"""One pooled connection and one transaction per use case; rolled back unless committed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from svckit.unit_of_work import TransactionUnitOfWork
from waitingroom.adapters.repository import SqlQueueRepository


class SqlUnitOfWork(TransactionUnitOfWork):
    queue: SqlQueueRepository

    def _bind(self, conn: AsyncConnection) -> None:
        self.queue = SqlQueueRepository(conn)
