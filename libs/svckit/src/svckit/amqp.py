"""RabbitMQ connection and topology shared by publishers (outbox relay) and consumers.

Topology rules, in one place so every service declares the same shapes:

* exchanges are durable topic exchanges named ``<prefix><name>``;
* queues are quorum queues (replicated, survive a broker node loss) with ``x-delivery-limit``,
  so a message that keeps failing is dead-lettered instead of looping forever;
* dead letters go through one direct exchange ``<prefix>dlx`` into ``<prefix><queue>.dlq``.

The prefix lets test runs (and tenants) share one broker without seeing each other's messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
)

from svckit.logging import get_logger

__all__ = [
    "DLX_NAME",
    "AmqpConnection",
    "Topology",
    "declare_exchange",
    "declare_queue",
    "dlq_name",
    "exchange_name",
    "queue_name",
]

DLX_NAME = "dlx"

log = get_logger(__name__)


def exchange_name(prefix: str, name: str) -> str:
    """The broker-side name of a logical exchange such as ``booking.events``."""
    return f"{prefix}{name}"


def queue_name(prefix: str, queue: str) -> str:
    """The broker-side name of a logical queue such as ``inventory.booking-events``."""
    return f"{prefix}{queue}"


def dlq_name(prefix: str, queue: str) -> str:
    """Where messages of ``queue`` that exhausted their delivery limit end up."""
    return f"{prefix}{queue}.dlq"


async def declare_exchange(channel: AbstractChannel, prefix: str, name: str) -> AbstractExchange:
    """Declare (idempotently) the durable topic exchange for ``name``."""
    return await channel.declare_exchange(
        exchange_name(prefix, name), aio_pika.ExchangeType.TOPIC, durable=True
    )


async def declare_queue(
    channel: AbstractChannel,
    prefix: str,
    queue: str,
    exchange: str,
    routing_keys: Sequence[str],
    delivery_limit: int = 5,
) -> AbstractQueue:
    """Declare a quorum queue bound to ``exchange`` for ``routing_keys``, with its DLQ.

    The dead-letter routing key is the queue's own name, so one ``dlx`` exchange serves every
    queue and each poison message lands in the DLQ of the queue it failed in.
    """
    full_name = queue_name(prefix, queue)
    dlx = await channel.declare_exchange(
        exchange_name(prefix, DLX_NAME), aio_pika.ExchangeType.DIRECT, durable=True
    )
    dead_letters = await channel.declare_queue(
        dlq_name(prefix, queue), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dead_letters.bind(dlx, routing_key=full_name)

    source = await declare_exchange(channel, prefix, exchange)
    declared = await channel.declare_queue(
        full_name,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": dlx.name,
            "x-dead-letter-routing-key": full_name,
        },
    )
    for key in routing_keys:
        await declared.bind(source, routing_key=key)
    return declared


class Topology:
    """Namespace spelling of the declaration functions (``Topology.declare_queue(...)``)."""

    exchange_name = staticmethod(exchange_name)
    queue_name = staticmethod(queue_name)
    dlq_name = staticmethod(dlq_name)
    declare_exchange = staticmethod(declare_exchange)
    declare_queue = staticmethod(declare_queue)


def __getattr__(name: str) -> Any:
    """``from svckit.amqp import IdempotentConsumer`` (the team contract's spelling) keeps
    working although the consumer lives in ``svckit.consumer``, which imports this module."""
    if name == "IdempotentConsumer":
        from svckit.consumer import IdempotentConsumer

        return IdempotentConsumer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class AmqpConnection:
    """One robust connection per process; channels are cheap and taken per publisher/consumer.

    ``aio_pika.connect_robust`` reconnects by itself and restores channels, exchanges, queues
    and consumers. ``connect`` additionally retries the *first* connection, so a service that
    starts before the broker is ready waits instead of crashing.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "",
        *,
        reconnect_interval: float = 2.0,
        connection_name: str = "",
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.reconnect_interval = reconnect_interval
        self.connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None

    @property
    def connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise RuntimeError("AmqpConnection.connect() has not been awaited")
        return self._connection

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def connect(self, *, retry_for: float = 60.0) -> None:
        """Open the robust connection, retrying with backoff for up to ``retry_for`` seconds."""
        if self._connection is not None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + retry_for
        delay = 0.2
        kwargs: dict[str, Any] = {"reconnect_interval": self.reconnect_interval}
        if self.connection_name:
            kwargs["client_properties"] = {"connection_name": self.connection_name}
        while True:
            try:
                self._connection = await aio_pika.connect_robust(self.url, **kwargs)
                return
            except (ConnectionError, OSError, aio_pika.exceptions.AMQPError) as exc:
                if loop.time() + delay > deadline:
                    raise
                log.warning("amqp.connect_failed", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def channel(self, *, publisher_confirms: bool = True) -> AbstractChannel:
        """A new channel; with publisher confirms, ``publish`` returns only once the broker
        has taken responsibility for the message."""
        channel = self.connection.channel(publisher_confirms=publisher_confirms)
        await channel.initialize()
        return channel

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    async def __aenter__(self) -> AmqpConnection:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
