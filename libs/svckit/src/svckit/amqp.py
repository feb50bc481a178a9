"""RabbitMQ connection and topology shared by publishers (outbox relay) and consumers.

Topology rules, in one place so every service declares the same shapes:

* exchanges are durable topic exchanges named ``<prefix><name>``;
* queues are quorum queues (replicated, survive a broker node loss) with ``x-delivery-limit``,
  so a message that keeps failing is dead-lettered instead of looping forever;
* dead letters go through one direct exchange ``<prefix>dlx`` into ``<prefix><queue>.dlq``.

The prefix lets test runs (and tenants) share one broker without seeing each other's messages.
"""

from __future__ import annotations

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
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_before_delay,
    wait_exponential,
)

from svckit.logging import get_logger

__all__ = [
    "DLX_NAME",
    "AmqpConnection",
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


_CONNECT_ERRORS = (ConnectionError, OSError, aio_pika.exceptions.AMQPError)


def _log_connect_failed(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    retry_in = state.next_action.sleep if state.next_action is not None else None
    log.warning("amqp.connect_failed", error=repr(error), retry_in=retry_in)


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
        kwargs: dict[str, Any] = {"reconnect_interval": self.reconnect_interval}
        if self.connection_name:
            kwargs["client_properties"] = {"connection_name": self.connection_name}
        # 0.2 s, doubling up to 5 s; no pause that would end past ``retry_for``.
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_CONNECT_ERRORS),
            wait=wait_exponential(multiplier=0.2, max=5.0),
            stop=stop_before_delay(retry_for),
            before_sleep=_log_connect_failed,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                self._connection = await aio_pika.connect_robust(self.url, **kwargs)

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
