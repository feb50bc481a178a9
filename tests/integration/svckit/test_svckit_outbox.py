"""The outbox delivers what was committed, exactly once, and nothing that was rolled back —
also when the broker is unreachable at the time of the commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from google.protobuf.wrappers_pb2 import StringValue
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from yarl import URL

from svckit.amqp import AmqpConnection, declare_exchange
from svckit.outbox import CONTENT_TYPE, OutboxRelay, add_event
from tests.support.broker_names import BrokerNames
from tests.support.tcp_proxy import TcpProxy
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session")
async def probe(
    channel: AbstractChannel, amqp_prefix: str, broker_names: BrokerNames
) -> AsyncIterator[tuple[str, AbstractQueue]]:
    """A fresh exchange and a queue that receives everything published to it."""
    exchange_name = broker_names.exchange()
    exchange = await declare_exchange(channel, amqp_prefix, exchange_name)
    queue_name = broker_names.queue("probe")
    queue = await channel.declare_queue(amqp_prefix + queue_name, durable=True)
    await queue.bind(exchange, routing_key="#")
    yield exchange_name, queue


async def drain(queue: AbstractQueue) -> list[AbstractIncomingMessage]:
    """Everything the queue holds right now (acknowledged)."""
    messages = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        messages.append(message)
    return messages


async def commit_event(engine: AsyncEngine, schema: str, exchange: str, text_value: str) -> str:
    message_id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await add_event(
            conn, schema, exchange, "probe.happened", StringValue(value=text_value), message_id
        )
    return message_id


async def sent_at(engine: AsyncEngine, schema: str, message_id: str) -> object:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(f'SELECT sent_at FROM "{schema}".outbox WHERE message_id = :id'),
                {"id": message_id},
            )
        ).scalar_one()


async def test_committed_event_is_delivered_once_and_rolled_back_one_never(
    engine: AsyncEngine, probe_schema: str, amqp: AmqpConnection, probe: tuple[str, AbstractQueue]
) -> None:
    exchange, queue = probe
    committed_id = await commit_event(engine, probe_schema, exchange, "kept")
    rolled_back_id = str(uuid.uuid4())
    with pytest.raises(RuntimeError, match="state change failed"):
        async with engine.begin() as conn:
            await add_event(
                conn,
                probe_schema,
                exchange,
                "probe.happened",
                StringValue(value="lost"),
                rolled_back_id,
            )
            raise RuntimeError("state change failed after the event was added")

    relay = OutboxRelay(engine, probe_schema, amqp)
    assert await relay.publish_pending() >= 1
    assert await relay.publish_pending() == 0  # nothing left: a second round sends nothing again

    delivered = await drain(queue)
    assert [m.message_id for m in delivered] == [committed_id]
    message = delivered[0]
    assert StringValue.FromString(message.body).value == "kept"
    assert message.type == "google.protobuf.StringValue"
    assert message.content_type == CONTENT_TYPE
    assert message.delivery_mode is not None and message.delivery_mode.value == 2
    assert message.routing_key == "probe.happened"
    assert await sent_at(engine, probe_schema, committed_id) is not None
    async with engine.connect() as conn:
        count = await conn.execute(
            text(f'SELECT count(*) FROM "{probe_schema}".outbox WHERE message_id = :id'),
            {"id": rolled_back_id},
        )
        assert count.scalar_one() == 0


async def test_event_added_through_an_orm_session_is_delivered(
    engine: AsyncEngine, probe_schema: str, amqp: AmqpConnection, probe: tuple[str, AbstractQueue]
) -> None:
    exchange, queue = probe
    message_id = str(uuid.uuid4())
    async with AsyncSession(engine) as session, session.begin():
        await add_event(
            session, probe_schema, exchange, "probe.happened", StringValue(value="orm"), message_id
        )

    await OutboxRelay(engine, probe_schema, amqp).publish_pending()

    assert [m.message_id for m in await drain(queue)] == [message_id]


async def test_two_relays_racing_publish_each_event_once(
    engine: AsyncEngine, probe_schema: str, amqp: AmqpConnection, probe: tuple[str, AbstractQueue]
) -> None:
    exchange, queue = probe
    ids = {await commit_event(engine, probe_schema, exchange, f"event {i}") for i in range(60)}
    first = OutboxRelay(engine, probe_schema, amqp, batch_size=7)
    second = OutboxRelay(engine, probe_schema, amqp, batch_size=7)

    counts = await asyncio.gather(first.publish_pending(), second.publish_pending())

    assert sum(counts) == len(ids)
    delivered = [str(m.message_id) for m in await drain(queue)]
    assert sorted(delivered) == sorted(ids)


async def test_sent_rows_past_retention_are_purged_and_pending_ones_kept(
    engine: AsyncEngine, probe_schema: str, amqp: AmqpConnection, probe: tuple[str, AbstractQueue]
) -> None:
    exchange, queue = probe
    sent_id = await commit_event(engine, probe_schema, exchange, "old news")
    relay = OutboxRelay(engine, probe_schema, amqp, retention_seconds=0)
    await relay.publish_pending()
    pending_id = await commit_event(engine, probe_schema, exchange, "not yet published")

    assert await relay.purge_sent() >= 1

    async with engine.connect() as conn:
        remaining = await conn.execute(
            text(f'SELECT message_id FROM "{probe_schema}".outbox WHERE message_id IN (:a, :b)'),
            {"a": sent_id, "b": pending_id},
        )
        assert remaining.scalars().all() == [pending_id]
    await relay.publish_pending()
    assert sorted(str(m.message_id) for m in await drain(queue)) == sorted([sent_id, pending_id])


async def test_event_committed_while_broker_is_unreachable_is_delivered_when_it_is_back(
    engine: AsyncEngine,
    probe_schema: str,
    amqp_url: str,
    amqp_prefix: str,
    probe: tuple[str, AbstractQueue],
) -> None:
    exchange, queue = probe
    broker = URL(amqp_url)
    proxy = TcpProxy(broker.host or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    relay_amqp = AmqpConnection(
        str(broker.with_port(proxy.port).with_host("127.0.0.1")),
        amqp_prefix,
        reconnect_interval=0.2,
    )
    await relay_amqp.connect()
    relay = OutboxRelay(
        engine, probe_schema, relay_amqp, poll_interval=0.05, publish_timeout=1.0, max_backoff=0.5
    )
    relay_task = asyncio.create_task(relay.run())

    async def relay_failed_since(count: float) -> bool:
        return failures(probe_schema) > count

    async def marked_sent(message_id: str) -> bool:
        return await sent_at(engine, probe_schema, message_id) is not None

    try:
        before_outage = await commit_event(engine, probe_schema, exchange, "before")
        seen = await eventually(lambda: drain(queue), message="event delivered before the outage")
        assert [m.message_id for m in seen] == [before_outage]

        await proxy.stop()
        failures_before = failures(probe_schema)
        during_outage = await commit_event(engine, probe_schema, exchange, "during")
        await eventually(
            lambda: relay_failed_since(failures_before), message="relay noticed the outage"
        )
        assert await sent_at(engine, probe_schema, during_outage) is None
        assert await drain(queue) == []

        await proxy.start()
        delivered = await eventually(
            lambda: drain(queue), timeout=15, message="event delivered after the outage"
        )
        assert [m.message_id for m in delivered] == [during_outage]
        await eventually(lambda: marked_sent(during_outage), message="row marked sent")
        assert await relay.publish_pending() == 0
        assert await drain(queue) == []
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        await relay_amqp.close()
        await proxy.stop()


def failures(schema: str) -> float:
    """Relay rounds that failed so far for ``schema`` (the relay's own metric)."""
    return REGISTRY.get_sample_value("outbox_publish_failures_total", {"schema": schema}) or 0.0


async def listening(engine: AsyncEngine, schema: str) -> list[int]:
    """Backend pids of the schema's relays that have run LISTEN and wait for notifications."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :name"
                " AND state = 'idle' AND query LIKE 'LISTEN %'"
            ),
            {"name": f"{schema}-outbox-listener"},
        )
        return list(rows.scalars())


async def test_a_commit_wakes_the_idle_relay_without_waiting_for_its_poll(
    engine: AsyncEngine, probe_schema: str, amqp: AmqpConnection, probe: tuple[str, AbstractQueue]
) -> None:
    """With a one-minute poll, only the commit's notification can publish within seconds; and
    after the listening connection is killed the relay listens again by itself."""
    exchange, queue = probe
    relay = OutboxRelay(engine, probe_schema, amqp, poll_interval=60.0, max_backoff=0.5)
    relay_task = asyncio.create_task(relay.run())

    async def delivered_alone(message_id: str) -> bool:
        messages = await drain(queue)
        assert [m.message_id for m in messages] in ([], [message_id])
        return bool(messages)

    async def listener_pid() -> int | None:
        pids = await listening(engine, probe_schema)
        return pids[0] if pids else None

    try:
        first_listener = await eventually(listener_pid, message="relay listens for commits")
        for attempt in ("first", "second"):
            message_id = await commit_event(engine, probe_schema, exchange, attempt)
            await eventually(
                lambda: delivered_alone(message_id),  # noqa: B023 - awaited in this iteration
                timeout=10,
                message=f"{attempt} event published on its commit, not on the 60 s poll",
            )

        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_listener})

        async def listens_again() -> int | None:
            pid = await listener_pid()
            return pid if pid not in (None, first_listener) else None

        await eventually(listens_again, message="relay listens again after losing its connection")
        message_id = await commit_event(engine, probe_schema, exchange, "after reconnect")
        await eventually(
            lambda: delivered_alone(message_id),
            timeout=10,
            message="event published on its commit after the listener reconnected",
        )

        async def marked_sent() -> bool:
            return await sent_at(engine, probe_schema, message_id) is not None

        await eventually(marked_sent, message="the published row is marked sent")
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)

    async def stopped_listening() -> bool:
        return await listening(engine, probe_schema) == []

    await eventually(stopped_listening, message="a stopped relay closes its listening connection")
