"""One PostgreSQL transaction per use case; queued events go to the outbox in that transaction.

`SqlUnitOfWork(engine)` owns its connection and transaction (gRPC use cases, jobs).
`bound_to(conn)` joins a transaction someone else owns — the idempotent consumer's, which also
records the message id — so there `commit()` only writes the events and the consumer commits.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from payment.adapters.event_messages import EXCHANGE, to_message
from payment.adapters.repository import SqlPaymentRepository, SqlRefundRepository
from payment.adapters.tables import SCHEMA
from payment.adapters.webhook_event_log import SqlWebhookEventLog
from payment.domain.errors import PaymentBusy
from payment.domain.events import Event
from svckit.db import is_lock_timeout
from svckit.outbox import add_event


class SqlUnitOfWork:
    payments: SqlPaymentRepository
    refunds: SqlRefundRepository
    webhook_events: SqlWebhookEventLog

    def __init__(self, engine: AsyncEngine | None, conn: AsyncConnection | None = None) -> None:
        self._engine = engine
        self._conn = conn
        self._owns_transaction = conn is None
        self._events: list[Event] = []
        if conn is not None:
            self._bind(conn)

    @classmethod
    def bound_to(cls, conn: AsyncConnection) -> SqlUnitOfWork:
        return cls(None, conn)

    def _bind(self, conn: AsyncConnection) -> None:
        self.payments = SqlPaymentRepository(conn)
        self.refunds = SqlRefundRepository(conn)
        self.webhook_events = SqlWebhookEventLog(conn)

    async def __aenter__(self) -> Self:
        if self._owns_transaction:
            assert self._engine is not None
            self._conn = await self._engine.connect()
            await self._conn.begin()
            self._bind(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events.clear()
        if self._owns_transaction and self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                if conn.in_transaction():
                    await conn.rollback()
            except Exception:
                if exc is None:
                    raise
            finally:
                await conn.close()
        if isinstance(exc, DBAPIError) and is_lock_timeout(exc):
            raise PaymentBusy("the payment is being changed by another request; try again") from exc

    def publish(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        events, self._events = self._events, []
        for event in events:
            routing_key, message = to_message(event)
            await add_event(self._conn, SCHEMA, EXCHANGE, routing_key, message, event.event_id)
        if self._owns_transaction:
            await self._conn.commit()
