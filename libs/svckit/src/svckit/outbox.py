"""Transactional outbox: events are rows written with the state change, published afterwards.

Writing the event in the same transaction as the change is what makes "nothing published for a
rolled-back change, nothing committed ever lost" true: there is no moment where the change is
committed but the event exists only in memory. The relay then publishes pending rows with
publisher confirms and marks a row sent only after the broker confirmed it. Delivery is
therefore at-least-once (a crash between confirm and commit republishes), which idempotent
consumers (``svckit.consumer``) turn into exactly-once effects.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several relay replicas share the work
instead of publishing the same row twice. The ``exchange`` column holds the logical name
(``booking.events``); the relay adds the deployment's AMQP prefix.

Adding an event also sends a NOTIFY on the schema's channel (:func:`outbox_channel`), which
PostgreSQL delivers only when the transaction commits. Every relay of the schema LISTENs on it
and publishes at once, so an event leaves within milliseconds of its commit instead of waiting
for the next poll; polling stays as the safety net for a lost listening connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any, Protocol

import aio_pika
import aiormq.abc
import psycopg
from aio_pika.abc import AbstractChannel, AbstractExchange
from google.protobuf.message import Message
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.amqp import AmqpConnection, declare_exchange
from svckit.db import libpq_url, quote_schema
from svckit.logging import get_logger
from svckit.metrics import OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED

__all__ = [
    "CONTENT_TYPE",
    "OutboxPublishError",
    "OutboxRelay",
    "add_event",
    "outbox_channel",
]

CONTENT_TYPE = "application/x-protobuf"
_LISTEN_CONNECT_TIMEOUT_S = 10

log = get_logger(__name__)


class _Executes(Protocol):
    """An ``AsyncConnection`` or ``AsyncSession``: both run statements in their transaction."""

    async def execute(self, statement: Any, parameters: Any = ..., /) -> Any: ...


class OutboxPublishError(RuntimeError):
    """Some rows of a batch could not be published; they stay pending and will be retried."""


async def add_event(
    conn_or_session: _Executes,
    schema: str,
    exchange: str,
    routing_key: str,
    message: Message,
    message_id: str,
) -> None:
    """Record ``message`` for publication when — and only if — the caller's transaction commits
    (and wake the schema's relays then: NOTIFY is delivered on commit, never on rollback)."""
    await conn_or_session.execute(
        text(
            f"WITH added AS (INSERT INTO {quote_schema(schema)}.outbox"
            " (id, exchange, routing_key, message_type, payload, message_id)"
            " VALUES (:id, :exchange, :routing_key, :message_type, :payload, :message_id)"
            " RETURNING id) SELECT pg_notify(:channel, '') FROM added"
        ),
        {
            "channel": outbox_channel(schema),
            "id": uuid.uuid4(),
            "exchange": exchange,
            "routing_key": routing_key,
            "message_type": message.DESCRIPTOR.full_name,
            "payload": message.SerializeToString(),
            "message_id": message_id,
        },
    )


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel on which a commit says ``schema``'s outbox has new rows (at
    most 63 characters, PostgreSQL's limit for a channel name)."""
    quote_schema(schema)  # the same validation: a plain lower-case identifier
    return f"{schema}_outbox"[:63]


class OutboxRelay:
    """Publishes committed outbox rows of one schema; survives broker and database outages.

    A failed round leaves its rows pending and retries after an exponential backoff (capped at
    ``max_backoff``); the robust AMQP connection reconnects underneath.

    While it runs, a connection of its own LISTENs on the schema's channel and starts a round as
    soon as a transaction that added events commits; ``poll_interval`` is only the longest wait
    when no notification comes (the listening connection was lost).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        schema: str,
        amqp: AmqpConnection,
        *,
        poll_interval: float = 0.5,
        batch_size: int = 100,
        publish_timeout: float = 10.0,
        initial_backoff: float = 0.2,
        max_backoff: float = 10.0,
        retention_seconds: float = 7 * 24 * 3600,
        purge_interval: float = 3600.0,
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._table = f"{quote_schema(schema)}.outbox"
        self._amqp = amqp
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._publish_timeout = publish_timeout
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._retention_seconds = retention_seconds
        self._purge_interval = purge_interval
        self._notified = asyncio.Event()
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}

    async def run(self) -> None:
        """Publish forever: on every commit notification or poll, back off on failure. Cancel
        to stop."""
        loop = asyncio.get_running_loop()
        backoff = self._initial_backoff
        next_purge = loop.time() + self._purge_interval
        listener = asyncio.create_task(self._listen_for_commits())
        try:
            while True:
                # Cleared before the round: a commit notified during it starts the next one.
                self._notified.clear()
                try:
                    await self.publish_pending()
                    if loop.time() >= next_purge:
                        await self.purge_sent()
                        next_purge = loop.time() + self._purge_interval
                except Exception as exc:
                    OUTBOX_PUBLISH_FAILURES.labels(self._schema).inc()
                    log.warning(
                        "outbox.publish_failed",
                        schema=self._schema,
                        error=repr(exc),
                        retry_in=backoff,
                    )
                    await self._drop_channel()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._max_backoff)
                    continue
                backoff = self._initial_backoff
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._notified.wait(), self._poll_interval)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await self._drop_channel()

    async def _listen_for_commits(self) -> None:
        """Set ``_notified`` on every NOTIFY of the schema's channel; reconnect after a failure
        (polling carries on meanwhile)."""
        url = libpq_url(self._engine.url.render_as_string(hide_password=False))
        listen = f'LISTEN "{outbox_channel(self._schema)}"'
        backoff = self._initial_backoff
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    url,
                    autocommit=True,
                    connect_timeout=_LISTEN_CONNECT_TIMEOUT_S,
                    application_name=f"{self._schema}-outbox-listener",
                ) as conn:
                    await conn.execute(listen)
                    backoff = self._initial_backoff
                    self._notified.set()  # whatever was committed while nobody listened
                    async for _ in conn.notifies():
                        self._notified.set()
            except (psycopg.Error, OSError) as exc:
                log.warning(
                    "outbox.listen_failed", schema=self._schema, error=repr(exc), retry_in=backoff
                )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def publish_pending(self) -> int:
        """Publish every row pending now; return how many were confirmed."""
        total = 0
        while True:
            published = await self._publish_batch()
            total += published
            if published < self._batch_size:
                return total

    async def purge_sent(self) -> int:
        """Delete rows sent longer than the retention ago (kept for a while for debugging)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                text(
                    f"DELETE FROM {self._table} WHERE sent_at IS NOT NULL"
                    " AND sent_at < now() - make_interval(secs => :seconds)"
                ),
                {"seconds": self._retention_seconds},
            )
        return int(result.rowcount)

    async def _publish_batch(self) -> int:
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, exchange, routing_key, message_type, payload, message_id,"
                        f" created_at FROM {self._table} WHERE sent_at IS NULL"
                        " ORDER BY created_at, id LIMIT :limit FOR UPDATE SKIP LOCKED"
                    ),
                    {"limit": self._batch_size},
                )
            ).all()
            if not rows:
                return 0
            # Declare exchanges one by one first: concurrent first use would open two channels.
            exchanges = {
                name: await self._exchange(name) for name in {row.exchange for row in rows}
            }
            outcomes = await asyncio.gather(
                *(self._publish(exchanges[row.exchange], row) for row in rows),
                return_exceptions=True,
            )
            sent = [row.id for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
            if sent:
                await conn.execute(
                    text(f"UPDATE {self._table} SET sent_at = now() WHERE id = ANY(:ids)"),
                    {"ids": sent},
                )
        OUTBOX_PUBLISHED.labels(self._schema).inc(len(sent))
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise OutboxPublishError(
                f"{len(failures)} of {len(rows)} outbox rows not confirmed: {failures[0]!r}"
            ) from failures[0]
        return len(rows)

    async def _publish(self, exchange: AbstractExchange, row: Row[Any]) -> None:
        message = aio_pika.Message(
            bytes(row.payload),
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=row.message_id,
            type=row.message_type,
            timestamp=row.created_at,
            app_id=self._schema,
        )
        result = await exchange.publish(
            message, routing_key=row.routing_key, mandatory=True, timeout=self._publish_timeout
        )
        if isinstance(result, aiormq.abc.DeliveredMessage):
            # Confirmed but no queue is bound for this key: nobody subscribes (yet). Counted as
            # sent, as the broker accepted it; the warning makes a missing binding visible.
            log.warning(
                "outbox.unroutable",
                exchange=exchange.name,
                routing_key=row.routing_key,
                message_id=row.message_id,
            )

    async def _exchange(self, name: str) -> AbstractExchange:
        exchange = self._exchanges.get(name)
        if exchange is None:
            channel = await self._ensure_channel()
            exchange = await asyncio.wait_for(
                declare_exchange(channel, self._amqp.prefix, name), self._publish_timeout
            )
            self._exchanges[name] = exchange
        return exchange

    async def _ensure_channel(self) -> AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            self._exchanges.clear()
            self._channel = await asyncio.wait_for(self._amqp.channel(), self._publish_timeout)
        return self._channel

    async def _drop_channel(self) -> None:
        """Forget the channel after a failure; the next round opens a fresh one."""
        channel, self._channel = self._channel, None
        self._exchanges.clear()
        if channel is not None and not channel.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(channel.close(), 2.0)
