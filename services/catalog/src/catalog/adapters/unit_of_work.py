"""One pooled connection and one transaction per use case step; rolled back unless committed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repository import SqlCatalogRepository
from svckit.unit_of_work import TransactionUnitOfWork


class SqlUnitOfWork(TransactionUnitOfWork):
    catalog: SqlCatalogRepository

    def _bind(self, conn: AsyncConnection) -> None:
        self.catalog = SqlCatalogRepository(conn)
