"""The expiry sweeper and the archival job, each run by one replica at a time (svckit.jobs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from booking.service_layer import housekeeping
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.ports import Clock, UnitOfWork
from svckit.jobs import DailyJob, PeriodicJob
from svckit.logging import get_logger

EXPIRY_JOB = "booking.expiry"
ARCHIVAL_JOB = "booking.archival"

log = get_logger(__name__)


def expiry_job(
    engine: AsyncEngine,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    every_seconds: float,
    batch_size: int,
    hot_seats: HotSeats | None = None,
) -> PeriodicJob:
    async def sweep() -> None:
        expired = await housekeeping.expire_overdue(
            uow, clock, batch_size=batch_size, hot_seats=hot_seats
        )
        if expired:
            log.info("booking.expired", count=expired)

    return PeriodicJob(EXPIRY_JOB, every_seconds, sweep, engine)


def archival_job(
    engine: AsyncEngine,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    at: str,
    after_days: float,
) -> DailyJob:
    async def archive() -> None:
        archived = await housekeeping.archive_closed(
            uow, clock, older_than=timedelta(days=after_days)
        )
        log.info("booking.archived", count=archived)

    return DailyJob(ARCHIVAL_JOB, at, archive, engine)
