"""svckit.pg: psycopg's own pool and transactions for the hot paths. Only what is committed
stays, read-only units run outside a transaction, a failed COMMIT is translated, the timeouts
of create_engine apply, a unit can join a SQLAlchemy-owned transaction, and a pool that cannot
hand out a connection in time says "database unavailable"."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from psycopg import pq
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import database_unavailable, is_lock_timeout
from svckit.pg import PgUnitOfWork, create_pool, driver_connection

pytestmark = pytest.mark.integration

Pool = AsyncConnectionPool[psycopg.AsyncConnection[Any]]


class Refused(Exception):
    pass


class ProbeUnitOfWork(PgUnitOfWork):
    conn: psycopg.AsyncConnection[Any]

    def _bind(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    def _translate(self, exc: psycopg.Error) -> Exception:
        return Refused(exc.sqlstate)

    async def record(self, body: str) -> str:
        message_id = str(uuid.uuid4())
        await self.conn.execute(
            "INSERT INTO svckit_probe.effects (message_id, body) VALUES (%(id)s, %(body)s)",
            {"id": message_id, "body": body.encode()},
        )
        return message_id


@pytest_asyncio.fixture(loop_scope="session")
async def pool(database_url: str, probe_schema: str) -> AsyncIterator[Pool]:
    pool = create_pool(database_url, size=2, lock_timeout_ms=300, application_name="svckit-pg")
    await pool.open()
    yield pool
    await pool.close()


async def effects(pool: Pool, message_id: str) -> int:
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM svckit_probe.effects WHERE message_id = %(id)s",
            {"id": message_id},
        )
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def test_only_what_is_committed_stays(pool: Pool) -> None:
    async with ProbeUnitOfWork(pool) as uow:
        kept = await uow.record("kept")
        await uow.commit()
    async with ProbeUnitOfWork(pool) as uow:
        dropped = await uow.record("dropped")
    with pytest.raises(RuntimeError, match="boom"):
        async with ProbeUnitOfWork(pool) as uow:
            failed = await uow.record("failed")
            raise RuntimeError("boom")
    assert [await effects(pool, m) for m in (kept, dropped, failed)] == [1, 0, 0]
    with pytest.raises(RuntimeError, match="outside the unit of work"):
        await ProbeUnitOfWork(pool).commit()
    # Every connection went back to the pool idle, outside any transaction.
    assert pool.get_stats()["pool_available"] == pool.get_stats()["pool_size"]


async def test_read_only_units_run_outside_a_transaction(pool: Pool) -> None:
    async with ProbeUnitOfWork(pool, read_only=True) as uow:
        await uow.conn.execute("SELECT 1")
        assert uow.conn.info.transaction_status is pq.TransactionStatus.IDLE


async def test_a_failed_commit_is_translated(pool: Pool) -> None:
    message_id = str(uuid.uuid4())
    with pytest.raises(Refused, match="23505"):
        async with ProbeUnitOfWork(pool) as uow:
            await uow.conn.execute("SET CONSTRAINTS ALL DEFERRED")
            await uow.conn.execute(
                "CREATE TEMP TABLE once (id text PRIMARY KEY DEFERRABLE INITIALLY DEFERRED)"
                " ON COMMIT DROP"
            )
            await uow.conn.execute("INSERT INTO once VALUES (%(id)s), (%(id)s)", {"id": message_id})
            await uow.commit()


async def test_connections_carry_the_lock_timeout(pool: Pool) -> None:
    async with pool.connection() as holder:
        await holder.execute("BEGIN")
        await holder.execute("LOCK TABLE svckit_probe.effects IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(psycopg.errors.LockNotAvailable) as raised:
            async with ProbeUnitOfWork(pool) as uow:
                await uow.record("blocked")
        await holder.execute("ROLLBACK")
    assert is_lock_timeout(raised.value)


async def test_a_unit_can_join_a_transaction_sqlalchemy_owns(
    pool: Pool, engine: AsyncEngine
) -> None:
    message_id = str(uuid.uuid4())
    async with engine.connect() as conn:
        await conn.begin()
        driver = await driver_connection(conn)
        await driver.execute(
            "INSERT INTO svckit_probe.effects (message_id, body) VALUES (%(id)s, 'x')",
            {"id": message_id},
        )
        await conn.rollback()  # the owner's decision covers the joined statement
    assert await effects(pool, message_id) == 0


async def test_an_exhausted_pool_is_database_unavailable(database_url: str) -> None:
    pool = create_pool(database_url, size=1, timeout_s=0.2, application_name="svckit-pg-full")
    await pool.open()
    try:
        async with ProbeUnitOfWork(pool, read_only=True):
            with pytest.raises(PoolTimeout) as raised:
                async with ProbeUnitOfWork(pool, read_only=True):
                    pass
        assert database_unavailable(raised.value)
    finally:
        await pool.close()
