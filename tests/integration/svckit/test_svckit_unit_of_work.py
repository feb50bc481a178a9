"""Units of work: only what is committed stays; with the outbox, the effect and its events commit
together or not at all, a lock timeout becomes the service's retryable error, and a bound unit
of work leaves the commit to its owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from google.protobuf.message import Message
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.unit_of_work import OutboxUnitOfWork, TransactionUnitOfWork

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Happened:
    body: str
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class Busy(Exception):
    pass


class ProbeUnitOfWork(OutboxUnitOfWork[Happened]):
    schema = "svckit_probe"
    exchange = "probe"
    conn: AsyncConnection

    def _bind(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _to_message(self, event: Happened) -> tuple[str, Message]:
        return "probe.happened", StringValue(value=event.body)

    def _busy_error(self) -> Exception:
        return Busy("try again")

    async def record(self, event: Happened) -> None:
        await self.conn.execute(
            text("INSERT INTO svckit_probe.effects (message_id, body) VALUES (:id, :body)"),
            {"id": event.event_id, "body": event.body.encode()},
        )
        self.publish(event)


async def stored(engine: AsyncEngine, event: Happened) -> tuple[int, int]:
    async with engine.connect() as conn:
        effects = await conn.scalar(
            text("SELECT count(*) FROM svckit_probe.effects WHERE message_id = :id"),
            {"id": event.event_id},
        )
        outbox = await conn.scalar(
            text("SELECT count(*) FROM svckit_probe.outbox WHERE message_id = :id"),
            {"id": event.event_id},
        )
    return int(effects or 0), int(outbox or 0)


async def test_effect_and_event_commit_together(engine: AsyncEngine, probe_schema: str) -> None:
    event = Happened("kept")
    async with ProbeUnitOfWork(engine) as uow:
        await uow.record(event)
        await uow.commit()
    assert await stored(engine, event) == (1, 1)


async def test_leaving_without_commit_keeps_neither(engine: AsyncEngine, probe_schema: str) -> None:
    event = Happened("dropped")
    with pytest.raises(RuntimeError):
        async with ProbeUnitOfWork(engine) as uow:
            await uow.record(event)
            raise RuntimeError("the use case failed after its write")
    assert await stored(engine, event) == (0, 0)


async def test_bound_unit_of_work_leaves_the_commit_to_its_owner(
    engine: AsyncEngine, probe_schema: str
) -> None:
    event = Happened("bound")
    async with engine.connect() as conn:
        await conn.begin()
        async with ProbeUnitOfWork.bound_to(conn) as uow:
            await uow.record(event)
            await uow.commit()
        assert conn.in_transaction()
        await conn.rollback()  # the owner decides: nothing of it stays
    assert await stored(engine, event) == (0, 0)


async def test_lock_timeout_becomes_the_services_busy_error(
    engine: AsyncEngine, probe_schema: str
) -> None:
    async with engine.connect() as holder:
        await holder.begin()
        await holder.execute(text("LOCK TABLE svckit_probe.effects IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(Busy):
            async with ProbeUnitOfWork(engine) as uow:
                await uow.conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
                await uow.record(Happened("blocked"))
        await holder.rollback()


class PlainUnitOfWork(TransactionUnitOfWork):
    conn: AsyncConnection

    def _bind(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def record(self, body: str) -> str:
        message_id = str(uuid.uuid4())
        await self.conn.execute(
            text("INSERT INTO svckit_probe.effects (message_id, body) VALUES (:id, :body)"),
            {"id": message_id, "body": body.encode()},
        )
        return message_id


async def effects(engine: AsyncEngine, message_id: str) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM svckit_probe.effects WHERE message_id = :id"),
            {"id": message_id},
        )
    return int(count or 0)


async def test_transaction_unit_of_work_keeps_only_what_it_commits(
    engine: AsyncEngine, probe_schema: str
) -> None:
    async with PlainUnitOfWork(engine) as uow:
        kept = await uow.record("kept")
        await uow.commit()
    async with PlainUnitOfWork(engine) as uow:
        dropped = await uow.record("dropped")
    assert (await effects(engine, kept), await effects(engine, dropped)) == (1, 0)
    with pytest.raises(RuntimeError, match="outside the unit of work"):
        await PlainUnitOfWork(engine).commit()


async def test_read_only_unit_of_work_runs_without_a_transaction(
    engine: AsyncEngine, probe_schema: str
) -> None:
    async with PlainUnitOfWork(engine, read_only=True) as uow:
        assert not uow.conn.in_transaction()
        assert await uow.conn.scalar(text("SELECT 1")) == 1
