"""Background jobs of payment, one replica at a time (svckit.jobs.PeriodicJob)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from payment.service_layer.refunds import Refunds
from svckit.jobs import PeriodicJob

REFUND_RETRY_JOB = "payment.refund-retry"


def refund_retry_job(refunds: Refunds, engine: AsyncEngine, interval_seconds: float) -> PeriodicJob:
    """Settles PENDING refunds whose next attempt is due, so a refund the provider could not
    take at once is paid back later, with backoff, instead of being lost."""

    async def settle_due_refunds() -> None:
        await refunds.settle_due()

    return PeriodicJob(REFUND_RETRY_JOB, interval_seconds, settle_due_refunds, engine)
