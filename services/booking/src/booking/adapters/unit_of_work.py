"""One PostgreSQL transaction per use case; queued events go to the outbox in that transaction.

`SqlUnitOfWork` owns its connection and transaction (gRPC use cases, jobs). `bound_to(conn)`
joins a transaction someone else owns — the idempotent consumer's, which also records the
message id — so there `commit()` only writes the events and the consumer commits.
"""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.adapters.event_messages import EXCHANGE, to_message
from booking.adapters.repository import SqlBookingRepository
from booking.adapters.tables import SCHEMA
from booking.domain.errors import BookingBusy
from booking.domain.events import Event
from svckit.unit_of_work import OutboxUnitOfWork


class SqlUnitOfWork(OutboxUnitOfWork[Event]):
    schema = SCHEMA
    exchange = EXCHANGE
    bookings: SqlBookingRepository

    def _bind(self, conn: AsyncConnection) -> None:
        self.bookings = SqlBookingRepository(conn)

    def _to_message(self, event: Event) -> tuple[str, Message]:
        return to_message(event)

    def _busy_error(self) -> Exception:
        return BookingBusy("the booking is being changed by another request; try again")
