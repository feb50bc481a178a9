"""Background jobs run on exactly one replica per tick, and another takes over when it stops."""

from __future__ import annotations

import asyncio
import subprocess
import sys
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


TAKEOVER_INTERVAL_S = 0.5
# One interval after the lock is freed, plus room for a loaded 2-core machine.
TAKEOVER_BOUND_S = TAKEOVER_INTERVAL_S + 5.0


def start_runner(url: str, schema: str, job: str, name: str) -> subprocess.Popen[bytes]:
    command = ["-m", "tests.support.job_runner", url, schema, job, name, str(TAKEOVER_INTERVAL_S)]
    return subprocess.Popen([sys.executable, *command])


async def test_a_follower_process_takes_over_within_an_interval_when_the_leader_is_killed(
    engine: AsyncEngine, database_url: str, probe_schema: str
) -> None:
    job = f"probe.kill-{uuid.uuid4().hex[:8]}"
    runners = {name: start_runner(database_url, probe_schema, job, name) for name in "ab"}
    try:

        async def a_few_runs() -> dict[str, int]:
            runs = await runs_by_runner(engine, probe_schema, job)
            return runs if sum(runs.values()) >= 4 else {}

        runs = await eventually(a_few_runs, timeout=60, message="the leader runs")
        assert len(runs) == 1, f"two leaders at once: {runs}"
        (leader,) = runs
        (follower,) = set(runners) - {leader}

        async with engine.connect() as conn:
            killed_at = (await conn.execute(text("SELECT clock_timestamp()"))).scalar_one()
        runners[leader].kill()  # SIGKILL: no unlock, no clean close
        runners[leader].wait()

        async def follower_ran() -> float:
            async with engine.connect() as conn:
                first = (
                    await conn.execute(
                        text(
                            f'SELECT min(ran_at) FROM "{probe_schema}".job_runs'
                            " WHERE job = :job AND runner = :runner"
                        ),
                        {"job": job, "runner": follower},
                    )
                ).scalar_one()
            return 0.0 if first is None else max((first - killed_at).total_seconds(), 1e-6)

        takeover = await eventually(follower_ran, timeout=60, message="the follower takes over")
        print(f"\njob leader SIGKILLed: follower ran {takeover:.3f} s later")
        assert takeover < TAKEOVER_BOUND_S
    finally:
        for process in runners.values():
            if process.poll() is None:
                process.kill()
                process.wait()
