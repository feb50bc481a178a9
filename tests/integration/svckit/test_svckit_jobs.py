"""Background jobs run on exactly one replica per tick, and another takes over when it stops."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import create_engine
from svckit.jobs import PeriodicJob
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session")
async def replica_engines(database_url: str, probe_schema: str) -> AsyncIterator[list[AsyncEngine]]:
    """One engine (connection pool) per simulated replica."""
    engines = [create_engine(database_url, pool_size=2) for _ in range(2)]
    yield engines
    for engine in engines:
        await engine.dispose()


def recorder(
    engine: AsyncEngine, schema: str, job: str, runner: str
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text(f'INSERT INTO "{schema}".job_runs (job, runner) VALUES (:job, :runner)'),
                {"job": job, "runner": runner},
            )

    return run


async def runs_by_runner(engine: AsyncEngine, schema: str, job: str) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f'SELECT runner, count(*) FROM "{schema}".job_runs WHERE job = :job GROUP BY runner'
            ),
            {"job": job},
        )
        return {runner: count for runner, count in rows.all()}


async def test_two_replicas_racing_run_the_job_once_per_tick(
    replica_engines: list[AsyncEngine], probe_schema: str
) -> None:
    job = f"probe.tick-{uuid.uuid4().hex[:8]}"
    a, b = (
        PeriodicJob(job, 60.0, recorder(engine, probe_schema, job, runner), engine)
        for engine, runner in zip(replica_engines, "ab", strict=True)
    )
    try:
        for _ in range(5):
            ran = await asyncio.gather(a.run_once(), b.run_once())
            assert sorted(ran) == [False, True]
        runs = await runs_by_runner(replica_engines[0], probe_schema, job)
        assert sum(runs.values()) == 5
        assert len(runs) == 1  # the same leader every tick

        leader, follower = (a, b) if "a" in runs else (b, a)
        await leader.close()
        assert await follower.run_once() is True
        assert await leader.run_once() is False
    finally:
        await a.close()
        await b.close()


async def test_run_forever_on_two_replicas_runs_on_one_only(
    replica_engines: list[AsyncEngine], probe_schema: str
) -> None:
    job = f"probe.forever-{uuid.uuid4().hex[:8]}"
    jobs = [
        PeriodicJob(job, 0.02, recorder(engine, probe_schema, job, runner), engine)
        for engine, runner in zip(replica_engines, "ab", strict=True)
    ]
    tasks = [asyncio.create_task(j.run_forever()) for j in jobs]

    async def ten_runs() -> dict[str, int]:
        runs = await runs_by_runner(replica_engines[0], probe_schema, job)
        return runs if sum(runs.values()) >= 10 else {}

    try:
        runs = await eventually(ten_runs, message="ten runs")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert len(runs) == 1, runs

    # Both loops released the lock when cancelled: whichever asks next leads.
    assert await jobs[1].run_once() is True
    await jobs[1].close()


async def test_a_failing_run_does_not_stop_the_schedule(
    engine: AsyncEngine, probe_schema: str
) -> None:
    job = f"probe.flaky-{uuid.uuid4().hex[:8]}"
    record = recorder(engine, probe_schema, job, "only")
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls % 2:
            raise RuntimeError("transient")
        await record()

    periodic = PeriodicJob(job, 0.01, flaky, engine)
    task = asyncio.create_task(periodic.run_forever())

    async def three_successes() -> bool:
        return (await runs_by_runner(engine, probe_schema, job)).get("only", 0) >= 3

    try:
        await eventually(three_successes, message="runs after failures")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert calls >= 6
