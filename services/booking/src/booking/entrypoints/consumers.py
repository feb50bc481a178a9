"""The `booking.payment-events` consumer: payment outcomes decoded by their AMQP `type`.

svckit's IdempotentConsumer calls `handle` inside the transaction that records the message id,
so the booking change, its outbox events and "message seen" commit together or not at all.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from booking.adapters.unit_of_work import SqlUnitOfWork
from booking.domain import commands
from booking.domain.values import Money
from booking.service_layer.payment_events import PaymentEvents
from svckit.logging import get_logger
from svckit.proto_values import from_money
from ticketing.common.v1 import common_pb2
from ticketing.events.v1 import events_pb2

QUEUE = "booking.payment-events"
EXCHANGE = "payment.events"
ROUTING_KEYS = ("payment.succeeded", "payment.failed", "payment.expired", "payment.refunded")

log = get_logger(__name__)


class PaymentEventsHandler:
    def __init__(self, reactions: PaymentEvents) -> None:
        self._reactions = reactions

    async def __call__(
        self, conn: AsyncConnection, message_type: str, body: bytes, message_id: str
    ) -> None:
        uow = SqlUnitOfWork.bound_to(conn)
        descriptor = events_pb2.DESCRIPTOR.message_types_by_name
        if message_type == descriptor["PaymentSucceeded"].full_name:
            succeeded = events_pb2.PaymentSucceeded.FromString(body)
            await self._reactions.succeeded(
                uow,
                commands.PaymentSucceeded(
                    booking_id=succeeded.booking_id,
                    payment_id=succeeded.payment_id,
                    user_id=succeeded.user_id,
                    amount=_money(succeeded.amount),
                ),
            )
        elif message_type == descriptor["PaymentFailed"].full_name:
            failed = events_pb2.PaymentFailed.FromString(body)
            await self._reactions.failed(
                uow,
                commands.PaymentFailed(
                    booking_id=failed.booking_id,
                    payment_id=failed.payment_id,
                    amount=_money(failed.amount),
                    reason=failed.reason,
                ),
            )
        elif message_type == descriptor["PaymentExpired"].full_name:
            expired = events_pb2.PaymentExpired.FromString(body)
            await self._reactions.expired(
                uow, commands.PaymentExpired(expired.booking_id, expired.payment_id)
            )
        elif message_type == descriptor["PaymentRefunded"].full_name:
            refunded = events_pb2.PaymentRefunded.FromString(body)
            await self._reactions.refunded(
                uow,
                commands.PaymentRefunded(
                    booking_id=refunded.booking_id,
                    payment_id=refunded.payment_id,
                    refund_id=refunded.refund_id,
                    amount=from_money(refunded.amount, Money),
                    percent=refunded.percent,
                    reason=refunded.reason,
                    automatic=refunded.automatic,
                ),
            )
        else:
            log.warning("booking.unknown_message", type=message_type, message_id=message_id)


def _money(money: common_pb2.Money) -> Money | None:
    if not money.currency and money.amount_minor == 0:
        return None
    return from_money(money, Money)
