"""Two replicas' outbox relays and two replicas' consumers on one schema and one queue: every
committed event is published once and applied once, even when rows are republished (a relay
that died between the broker's confirm and its commit) — read from the broker and the tables."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel, AbstractQueue
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.amqp import AmqpConnection, declare_exchange
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.outbox import OutboxRelay, add_event
from tests.support.broker_names import BrokerNames
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

EVENTS = 400
WRITERS = 8
REPUBLISHED = 50


class Replica:
    """What one service process owns: its pool, its broker connection, a relay and a consumer."""

    def __init__(self, engine: AsyncEngine, amqp: AmqpConnection) -> None:
        self.engine = engine
        self.amqp = amqp
        self.tasks: list[asyncio.Task[None]] = []


@pytest_asyncio.fixture(loop_scope="session")
async def replicas(
    database_url: str, probe_schema: str, amqp_url: str, amqp_prefix: str
) -> AsyncIterator[list[Replica]]:
    pair = []
    for name in ("a", "b"):
        amqp = AmqpConnection(amqp_url, amqp_prefix, reconnect_interval=0.2, connection_name=name)
        await amqp.connect()
        pair.append(Replica(create_engine(database_url, pool_size=4), amqp))
    yield pair
    for replica in pair:
        for task in replica.tasks:
            task.cancel()
        await asyncio.gather(*replica.tasks, return_exceptions=True)
        await replica.amqp.close()
        await replica.engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def tap(
    channel: AbstractChannel, amqp_prefix: str, broker_names: BrokerNames
) -> tuple[str, AbstractQueue]:
    """The exchange under test and a queue that sees every message published to it."""
    exchange = broker_names.exchange()
    queue = await channel.declare_queue(amqp_prefix + broker_names.queue("tap"), durable=True)
    await queue.bind(await declare_exchange(channel, amqp_prefix, exchange), routing_key="#")
    return exchange, queue


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def test_two_relays_and_two_consumers_deliver_every_event_once_in_effect(
    engine: AsyncEngine,
    probe_schema: str,
    replicas: list[Replica],
    tap: tuple[str, AbstractQueue],
    broker_names: BrokerNames,
) -> None:
    exchange, tap_queue = tap
    queue = broker_names.queue()
    consumer_name = f"replicas-{uuid.uuid4().hex[:8]}"
    schema = f'"{probe_schema}"'

    async def apply(conn: AsyncConnection, message_type: str, body: bytes, message_id: str) -> None:
        await conn.execute(
            text(f"INSERT INTO {schema}.effects (message_id, body) VALUES (:id, :body)"),
            {"id": message_id, "body": body},
        )

    consumers = [
        IdempotentConsumer(
            consumer_name, r.engine, probe_schema, r.amqp, queue, exchange, ["#"], apply
        )
        for r in replicas
    ]
    for replica, consumer in zip(replicas, consumers, strict=True):
        await consumer.start()
        relay = OutboxRelay(replica.engine, probe_schema, replica.amqp, batch_size=16)
        replica.tasks += [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]

    ids: list[str] = []

    async def writer(number: int) -> None:
        # Each commit NOTIFYs both relays, which race for the same rows.
        for i in range(EVENTS // WRITERS):
            message_id = str(uuid.uuid4())
            async with engine.begin() as conn:
                await add_event(
                    conn, probe_schema, exchange, "probe.happened",
                    StringValue(value=f"{number}-{i}"), message_id,
                )  # fmt: skip
            ids.append(message_id)

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))

    async def all_sent() -> bool:
        pending = await scalar(
            engine,
            f"SELECT count(*) FROM {schema}.outbox"
            " WHERE message_id = ANY(:ids) AND sent_at IS NULL",
            ids=ids,
        )
        return pending == 0

    await eventually(all_sent, timeout=60, message="every event sent")
    # A relay that died after the broker confirmed but before its commit publishes these again.
    async with engine.begin() as conn:
        await conn.execute(
            text(f"UPDATE {schema}.outbox SET sent_at = NULL WHERE message_id = ANY(:ids)"),
            {"ids": ids[:REPUBLISHED]},
        )
        await conn.execute(text(f"SELECT pg_notify('{probe_schema}_outbox', '')"))

    published: list[str] = []

    async def tap_saw_everything() -> bool:
        while (message := await tap_queue.get(no_ack=True, fail=False)) is not None:
            published.append(str(message.message_id))
        return len(published) >= EVENTS + REPUBLISHED

    await eventually(tap_saw_everything, timeout=60, message="every publication reached the tap")

    async def all_applied() -> bool:
        inbox = await scalar(
            engine,
            f"SELECT count(*) FROM {schema}.processed_messages WHERE consumer = :consumer",
            consumer=consumer_name,
        )
        return inbox == EVENTS

    await eventually(all_applied, timeout=60, message="every event in the inbox")
    # The republished copies have been consumed too (as duplicates) once the queue is empty.
    await eventually(
        lambda: _queue_empty(replicas[0].amqp, queue), timeout=60, message="queue drained"
    )

    assert sorted(set(published)) == sorted(ids)
    assert len(published) == EVENTS + REPUBLISHED  # once each, the republished twice
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f"SELECT message_id, count(*) FROM {schema}.effects"
                " WHERE message_id = ANY(:ids) GROUP BY message_id"
            ),
            {"ids": ids},
        )
        applied = dict(rows.all())
    assert len(applied) == EVENTS
    assert set(applied.values()) == {1}, "an event took effect twice"


async def _queue_empty(amqp: AmqpConnection, queue: str) -> bool:
    channel = await amqp.channel()
    try:
        declared = await channel.declare_queue(amqp.prefix + queue, passive=True)
        return declared.declaration_result.message_count == 0
    finally:
        await channel.close()
