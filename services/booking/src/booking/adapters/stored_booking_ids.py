"""Which booking ids booking has a row for: one indexed read by primary key."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

_STORED = sa.text("SELECT id::text FROM booking.bookings WHERE id = ANY(CAST(:ids AS uuid[]))")


class PgStoredBookingIds:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stored(self, booking_ids: Sequence[str]) -> set[str]:
        if not booking_ids:
            return set()
        async with self._engine.connect() as conn:
            rows = await conn.execute(_STORED, {"ids": list(booking_ids)})
        return {str(row[0]) for row in rows}
