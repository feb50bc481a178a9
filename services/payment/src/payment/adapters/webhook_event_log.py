"""Provider webhook event ids already processed: the record that makes redeliveries harmless."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from payment.adapters.tables import webhook_events


class SqlWebhookEventLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, event_id: str, event_type: str, payload: bytes, now: datetime) -> bool:
        # RETURNING, not rowcount: SQLAlchemy reports -1 as the rowcount of Core inserts.
        inserted = await self._conn.execute(
            insert(webhook_events)
            .values(
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                outcome="",
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=[webhook_events.c.event_id])
            .returning(webhook_events.c.event_id)
        )
        return inserted.first() is not None

    async def set_outcome(self, event_id: str, outcome: str) -> None:
        await self._conn.execute(
            sa.update(webhook_events)
            .where(webhook_events.c.event_id == event_id)
            .values(outcome=outcome)
        )
