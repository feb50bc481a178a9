"""Delete what a whole system declared on RabbitMQ under one name prefix.

Every test run and every system started by tests or the benchmark uses a prefix of its own; its
quorum queues would otherwise pile up on the broker run after run (each one is a Raft group that
costs the broker memory and time). The names are the services' own, imported from them.
"""

from __future__ import annotations

import asyncio
import threading

import aio_pika

from booking.adapters.event_messages import EXCHANGE as BOOKING_EVENTS
from booking.entrypoints.consumers import QUEUE as BOOKING_QUEUE
from inventory.entrypoints.consumers import QUEUE as INVENTORY_QUEUE
from payment.adapters.event_messages import EXCHANGE as PAYMENT_EVENTS
from payment.entrypoints.consumers import QUEUE as PAYMENT_QUEUE
from svckit.amqp import DLX_NAME, dlq_name

SYSTEM_QUEUES = (BOOKING_QUEUE, INVENTORY_QUEUE, PAYMENT_QUEUE)
SYSTEM_EXCHANGES = (BOOKING_EVENTS, PAYMENT_EVENTS, DLX_NAME)


async def delete_topology(amqp_url: str, prefix: str) -> None:
    """Delete the system's queues (with their DLQs) and exchanges named under ``prefix``."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        for queue in SYSTEM_QUEUES:
            for name in (prefix + queue, dlq_name(prefix, queue)):
                await channel.queue_delete(name)  # deleting a missing queue is a no-op
        for exchange in SYSTEM_EXCHANGES:
            await channel.exchange_delete(prefix + exchange)


def delete_topology_sync(amqp_url: str, prefix: str) -> None:
    """``delete_topology`` from synchronous code, also when an event loop runs in this thread."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(delete_topology(amqp_url, prefix))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    worker = threading.Thread(target=run, name="broker-cleanup")
    worker.start()
    worker.join(30)
    if failure:
        raise failure[0]
