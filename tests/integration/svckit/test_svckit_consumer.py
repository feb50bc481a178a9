"""Idempotent consumers: a redelivered message has one effect; a poison message ends in the DLQ."""

from __future__ import annotations

import uuid

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.amqp import AmqpConnection, declare_exchange, dlq_name, queue_name
from svckit.consumer import IdempotentConsumer
from tests.support.broker_names import BrokerNames
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


def consumed(consumer: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "amqp_consumer_messages_total", {"consumer": consumer, "outcome": outcome}
    )
    return value or 0.0


async def effects(engine: AsyncEngine, schema: str, message_id: str) -> int:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(f'SELECT count(*) FROM "{schema}".effects WHERE message_id = :id'),
            {"id": message_id},
        )
        return int(result.scalar_one())


async def publish(
    channel: AbstractChannel, prefix: str, exchange: str, body: bytes, message_id: str
) -> None:
    target = await declare_exchange(channel, prefix, exchange)
    await target.publish(
        aio_pika.Message(body, message_id=message_id, type="svckit.test.Probe"),
        routing_key="probe.happened",
    )


async def test_message_delivered_twice_has_one_effect(
    engine: AsyncEngine,
    probe_schema: str,
    amqp: AmqpConnection,
    channel: AbstractChannel,
    broker_names: BrokerNames,
) -> None:
    exchange, queue = broker_names.exchange(), broker_names.queue()
    name = f"probe-{uuid.uuid4().hex[:8]}"
    seen_types: list[str] = []

    async def record(
        conn: AsyncConnection, message_type: str, body: bytes, message_id: str
    ) -> None:
        seen_types.append(message_type)
        await conn.execute(
            text(f'INSERT INTO "{probe_schema}".effects (message_id, body) VALUES (:id, :body)'),
            {"id": message_id, "body": body},
        )

    consumer = IdempotentConsumer(
        name, engine, probe_schema, amqp, queue, exchange, ["probe.*"], record
    )
    await consumer.start()
    try:
        message_id = str(uuid.uuid4())
        await publish(channel, amqp.prefix, exchange, b"first copy", message_id)
        await publish(channel, amqp.prefix, exchange, b"second copy", message_id)

        async def both_handled() -> bool:
            return consumed(name, "processed") == 1 and consumed(name, "duplicate") == 1

        await eventually(both_handled, message="one processed and one duplicate")
        assert await effects(engine, probe_schema, message_id) == 1
        assert seen_types == ["svckit.test.Probe"]
        declared = await channel.declare_queue(queue_name(amqp.prefix, queue), passive=True)
        assert declared.declaration_result.message_count == 0
    finally:
        await consumer.stop()


async def test_message_whose_handler_always_fails_ends_in_the_dlq(
    engine: AsyncEngine,
    probe_schema: str,
    amqp: AmqpConnection,
    channel: AbstractChannel,
    broker_names: BrokerNames,
) -> None:
    exchange, queue = broker_names.exchange(), broker_names.queue()
    name = f"poison-{uuid.uuid4().hex[:8]}"
    attempts: list[str] = []

    async def explode(
        conn: AsyncConnection, message_type: str, body: bytes, message_id: str
    ) -> None:
        attempts.append(message_id)
        await conn.execute(
            text(f'INSERT INTO "{probe_schema}".effects (message_id, body) VALUES (:id, :body)'),
            {"id": message_id, "body": body},
        )
        raise RuntimeError("handler bug")

    consumer = IdempotentConsumer(
        name,
        engine,
        probe_schema,
        amqp,
        queue,
        exchange,
        ["probe.happened"],
        explode,
        delivery_limit=2,
        retry_delay=0.0,
    )
    await consumer.start()
    try:
        message_id = str(uuid.uuid4())
        await publish(channel, amqp.prefix, exchange, b"poison", message_id)
        dlq = await channel.declare_queue(dlq_name(amqp.prefix, queue), passive=True)

        dead = await eventually(
            lambda: dlq.get(no_ack=True, fail=False), message="message dead-lettered"
        )
        assert dead is not None
        assert dead.message_id == message_id
        assert dead.body == b"poison"
        assert len(attempts) >= 2
        assert set(attempts) == {message_id}
        # Every attempt rolled back: neither the effect nor the processed marker remains.
        assert await effects(engine, probe_schema, message_id) == 0
        async with engine.connect() as conn:
            marker = await conn.execute(
                text(
                    f'SELECT count(*) FROM "{probe_schema}".processed_messages'
                    " WHERE consumer = :consumer"
                ),
                {"consumer": name},
            )
            assert marker.scalar_one() == 0
        declared = await channel.declare_queue(queue_name(amqp.prefix, queue), passive=True)
        assert declared.declaration_result.message_count == 0
    finally:
        await consumer.stop()
