"""Idempotent RabbitMQ consumers: each message id has its effect at most once per consumer.

The broker delivers at-least-once (the outbox relay may republish, a lost ack redelivers), so
the consumer records ``(consumer, message_id)`` in ``<schema>.processed_messages`` in the *same*
transaction as the handler's effect. A duplicate finds the row already there and is acked
without calling the handler; a failure rolls both back and the message is requeued. Quorum
queues count deliveries, so after ``delivery_limit`` failures the broker moves the message to
the DLQ instead of redelivering it forever.

Messages are handled one at a time by default (``concurrency=1``) so events about one entity
are applied in the order they were published; ``prefetch`` still keeps the pipe full.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.amqp import AmqpConnection, declare_queue
from svckit.db import quote_schema
from svckit.logging import get_logger
from svckit.metrics import CONSUMER_MESSAGES

__all__ = ["Handler", "IdempotentConsumer"]

Handler = Callable[[AsyncConnection, str, bytes, str], Awaitable[None]]
"""``async def handle(conn, message_type, body, message_id) -> None``, inside the transaction."""

log = get_logger(__name__)


class IdempotentConsumer:
    """Feeds ``<prefix><queue>`` (bound to ``exchange`` for ``routing_keys``) to ``handler``."""

    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        schema: str,
        amqp: AmqpConnection,
        queue: str,
        exchange: str,
        routing_keys: Sequence[str],
        handler: Handler,
        delivery_limit: int = 5,
        *,
        prefetch: int = 32,
        concurrency: int = 1,
        retry_delay: float = 0.2,
    ) -> None:
        self.name = name
        self._engine = engine
        self._amqp = amqp
        self._queue_name = queue
        self._exchange = exchange
        self._routing_keys = tuple(routing_keys)
        self._handler = handler
        self._delivery_limit = delivery_limit
        self._prefetch = prefetch
        self._slots = asyncio.Semaphore(concurrency)
        self._retry_delay = retry_delay
        self._insert = text(
            f"INSERT INTO {quote_schema(schema)}.processed_messages (consumer, message_id)"
            " VALUES (:consumer, :message_id) ON CONFLICT DO NOTHING"
        )
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Declare the topology and start consuming (returns once consuming)."""
        if self._channel is not None:
            return
        channel = await self._amqp.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._prefetch)
        self._queue = await declare_queue(
            channel,
            self._amqp.prefix,
            self._queue_name,
            self._exchange,
            self._routing_keys,
            delivery_limit=self._delivery_limit,
        )
        self._channel = channel
        self._consumer_tag = await self._queue.consume(self._on_message)
        log.info("consumer.started", consumer=self.name, queue=self._queue.name)

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop taking messages, let those in progress finish, close the channel."""
        channel, self._channel = self._channel, None
        if channel is None:
            return
        if self._queue is not None and self._consumer_tag is not None and not channel.is_closed:
            try:
                await self._queue.cancel(self._consumer_tag)
            except Exception as exc:
                log.warning("consumer.cancel_failed", consumer=self.name, error=repr(exc))
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=drain_seconds)
        if not channel.is_closed:
            try:
                await channel.close()
            except Exception as exc:
                log.warning("consumer.close_failed", consumer=self.name, error=repr(exc))
        self._queue = None
        self._consumer_tag = None
        log.info("consumer.stopped", consumer=self.name)

    async def run(self) -> None:
        """Start, then consume until cancelled, as a task of its own."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.shield(self.stop())

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            async with self._slots:
                await self._handle(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        message_id = message.message_id
        if not message_id:
            log.error("consumer.no_message_id", consumer=self.name, type=message.type)
            CONSUMER_MESSAGES.labels(self.name, "rejected").inc()
            await message.reject(requeue=False)
            return
        try:
            handled = await self._apply(message, message_id)
        except Exception:
            deliveries = _delivery_count(message)
            CONSUMER_MESSAGES.labels(self.name, "failed").inc()
            log.exception(
                "consumer.handler_failed",
                consumer=self.name,
                message_id=message_id,
                type=message.type,
                delivery_count=deliveries,
            )
            # A short, growing pause gives transient causes (lock timeouts) a chance before the
            # broker's delivery limit sends the message to the DLQ.
            await asyncio.sleep(min(self._retry_delay * (deliveries + 1), 5.0))
            await message.nack(requeue=True)
            return
        CONSUMER_MESSAGES.labels(self.name, "processed" if handled else "duplicate").inc()
        await message.ack()

    async def _apply(self, message: AbstractIncomingMessage, message_id: str) -> bool:
        """Record the message id and run the handler in one transaction; False if seen before."""
        async with self._engine.begin() as conn:
            inserted = await conn.execute(
                self._insert, {"consumer": self.name, "message_id": message_id}
            )
            if inserted.rowcount == 0:
                log.info("consumer.duplicate", consumer=self.name, message_id=message_id)
                return False
            await self._handler(conn, message.type or "", message.body, message_id)
        return True


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """How many times the quorum queue delivered this message before (``x-delivery-count``)."""
    value = (message.headers or {}).get("x-delivery-count", 0)
    return value if isinstance(value, int) else 0
