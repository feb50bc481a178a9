"""One replica's job runner as its own process: ``python -m tests.support.job_runner URL SCHEMA
JOB RUNNER INTERVAL``. Each run of the job inserts ``(job, runner)`` into ``SCHEMA.job_runs``, so a
test reads from the database which replica led when."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text

from svckit.db import create_engine
from svckit.jobs import PeriodicJob


async def main(url: str, schema: str, job: str, runner: str, interval: float) -> None:
    engine = create_engine(url, pool_size=2, application_name=f"job-runner-{runner}")

    async def record() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text(f'INSERT INTO "{schema}".job_runs (job, runner) VALUES (:job, :runner)'),
                {"job": job, "runner": runner},
            )

    try:
        await PeriodicJob(job, interval, record, engine).run_forever()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    url, schema, job, runner, interval = sys.argv[1:6]
    asyncio.run(main(url, schema, job, runner, float(interval)))
