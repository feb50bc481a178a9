"""Background jobs of catalog, one replica at a time (svckit.jobs.PeriodicJob)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.service_layer.services import CatalogService
from svckit.jobs import PeriodicJob
from svckit.logging import get_logger

log = get_logger(__name__)


def show_opener_job(
    catalog: CatalogService, engine: AsyncEngine, interval_seconds: float
) -> PeriodicJob:
    """Opens the seats of future shows that were created while inventory was unreachable, so
    every show converges to bookable without anyone creating it again."""

    async def open_shows() -> None:
        opened = await catalog.open_unopened_shows()
        if opened:
            log.info("shows.opened", shows=opened)

    return PeriodicJob("catalog.show-opener", interval_seconds, open_shows, engine)
