"""Reservations older than a cutoff, read across every show for booking's housekeeping.

The read is served by the partial index ``show_seats_reserved_since_idx`` (migration 0007) on
the RESERVED seats by ``updated_at``, which a RESERVED seat keeps from the moment it was
reserved (nothing else writes a reserved seat until it is sold or released). In normal operation
almost no reservation outlives its booking's lifetime, so the range below the cutoff holds a few
rows whatever the size of the seats table, and grouping and sorting them costs nothing.

It is a plain read (no row lock), so on Citus it may span shards; the one correlated subquery
matches on ``show_id`` as well as the booking, so each shard answers it alone.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from inventory.service_layer.housekeeping import StaleReservation

# Booking ids above the nil uuid: every booking id, for the first page.
_FIRST = uuid.UUID(int=0)

STALE_RESERVATIONS = """SELECT s.booking_id::text, min(s.show_id::text), count(*),
        min(s.updated_at)
    FROM inventory.show_seats s
    WHERE s.status = 'RESERVED' AND s.updated_at < %(before)s
      AND s.booking_id > %(after)s
      AND NOT EXISTS (
          SELECT 1 FROM inventory.show_seats sold
          WHERE sold.show_id = s.show_id AND sold.booking_id = s.booking_id
            AND sold.status = 'SOLD')
    GROUP BY s.booking_id
    ORDER BY s.booking_id
    LIMIT %(limit)s"""


class PgStaleReservations:
    """The stale-reservation read on a connection of inventory's pool (autocommit)."""

    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]]) -> None:
        self._pool = pool

    async def reserved_before(
        self, cutoff: datetime, *, after: str | None, limit: int
    ) -> list[StaleReservation]:
        params = {
            "before": cutoff,
            "after": uuid.UUID(after) if after else _FIRST,
            "limit": limit,
        }
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(STALE_RESERVATIONS, params)).fetchall()
        return [
            StaleReservation(booking_id=row[0], show_id=row[1], seats=row[2], reserved_at=row[3])
            for row in rows
        ]
