"""One PostgreSQL transaction per use case; queued events go to the outbox in that transaction.

`SqlUnitOfWork(engine)` owns its connection and transaction (gRPC use cases, jobs).
`bound_to(conn)` joins a transaction someone else owns — the idempotent consumer's, which also
records the message id — so there `commit()` only writes the events and the consumer commits.
"""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from payment.adapters.event_messages import EXCHANGE, to_message
from payment.adapters.repository import SqlPaymentRepository, SqlRefundRepository
from payment.adapters.tables import SCHEMA
from payment.adapters.webhook_event_log import SqlWebhookEventLog
from payment.domain.errors import PaymentBusy
from payment.domain.events import Event
from svckit.unit_of_work import OutboxUnitOfWork


class SqlUnitOfWork(OutboxUnitOfWork[Event]):
    schema = SCHEMA
    exchange = EXCHANGE
    payments: SqlPaymentRepository
    refunds: SqlRefundRepository
    webhook_events: SqlWebhookEventLog

    def _bind(self, conn: AsyncConnection) -> None:
        self.payments = SqlPaymentRepository(conn)
        self.refunds = SqlRefundRepository(conn)
        self.webhook_events = SqlWebhookEventLog(conn)

    def _to_message(self, event: Event) -> tuple[str, Message]:
        return to_message(event)

    def _busy_error(self) -> Exception:
        return PaymentBusy("the payment is being changed by another request; try again")
