"""Background jobs of inventory, one replica at a time (svckit.jobs.PeriodicJob)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.service_layer.services import SeatService
from svckit.jobs import PeriodicJob
from svckit.logging import get_logger

log = get_logger(__name__)


def hold_cleanup_job(
    seats: SeatService, engine: AsyncEngine, interval_seconds: float
) -> PeriodicJob:
    """Turns expired holds back into plain AVAILABLE rows. Expired holds already count as free
    everywhere, so this is garbage collection that keeps the holder index small."""

    async def clean() -> None:
        cleaned = await seats.free_expired_holds()
        if cleaned:
            log.info("holds.cleaned", seats=cleaned)

    return PeriodicJob("inventory.hold-cleanup", interval_seconds, clean, engine)
