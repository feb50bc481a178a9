"""Admission, one replica at a time (svckit.jobs.PeriodicJob holds the leader's advisory lock).

Every tick admits, in each room on sale, as many people as the room's rate and cap allow. The
queue and the room's credit live in the database, so a restart or a new leader carries on where
the last one stopped; the room's row lock would keep two admitters apart even without the lease.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.jobs import PeriodicJob
from svckit.logging import get_logger
from waitingroom.service_layer.services import QueueService

log = get_logger(__name__)


def admission_job(queue: QueueService, engine: AsyncEngine, interval_seconds: float) -> PeriodicJob:
    async def admit() -> None:
        admitted = await queue.admit_due()
        if admitted:
            log.info("queue.admitted", people=admitted)

    return PeriodicJob("waitingroom.admission", interval_seconds, admit, engine)
