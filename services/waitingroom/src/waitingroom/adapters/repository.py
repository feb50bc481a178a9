"""The queue in PostgreSQL (schema ``waitingroom``): rooms and their entries.

Positions are counted on the partial index of waiting entries, in queue order
(show_id, queue_key, user_id), so "how many are ahead of me" is an index-only range count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from waitingroom.domain.model import Credit, Entry, RoomSettings

_ENTRY_COLUMNS = (
    "show_id::text, user_id::text, joined_at, queue_key, in_lottery, admitted_at, pass_expires_at"
)
_ROOM_COLUMNS = "show_id::text, on_sale_at, admit_per_minute, max_active"


def _entry(row: Any) -> Entry:
    return Entry(*row)


def _room(row: Any) -> RoomSettings:
    return RoomSettings(*row)


class SqlQueueRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def save_room(self, room: RoomSettings) -> None:
        """Two statements, so that joins do not queue up on the room's row: the insert leaves an
        existing row alone (unlocked), and the update touches it only when catalog's settings
        changed."""
        params = {
            "show_id": room.show_id,
            "on_sale_at": room.on_sale_at,
            "rate": room.admit_per_minute,
            "cap": room.max_active,
        }
        await self._conn.execute(
            text(
                """INSERT INTO waitingroom.rooms (show_id, on_sale_at, admit_per_minute, max_active)
                   VALUES (:show_id, :on_sale_at, :rate, :cap)
                   ON CONFLICT (show_id) DO NOTHING"""
            ),
            params,
        )
        await self._conn.execute(
            text(
                """UPDATE waitingroom.rooms
                   SET on_sale_at = :on_sale_at, admit_per_minute = :rate, max_active = :cap,
                       updated_at = now()
                   WHERE show_id = :show_id
                     AND (on_sale_at, admit_per_minute, max_active)
                         IS DISTINCT FROM (CAST(:on_sale_at AS timestamptz), :rate, :cap)"""
            ),
            params,
        )

    async def add_entry(self, entry: Entry) -> None:
        await self._conn.execute(
            text(
                """INSERT INTO waitingroom.entries
                       (show_id, user_id, joined_at, queue_key, in_lottery)
                   VALUES (:show_id, :user_id, :joined_at, :queue_key, :in_lottery)
                   ON CONFLICT (show_id, user_id) DO NOTHING"""
            ),
            {
                "show_id": entry.show_id,
                "user_id": entry.user_id,
                "joined_at": entry.joined_at,
                "queue_key": entry.queue_key,
                "in_lottery": entry.in_lottery,
            },
        )

    async def requeue(self, entry: Entry, now: datetime) -> None:
        await self._conn.execute(
            text(
                """UPDATE waitingroom.entries
                   SET joined_at = :joined_at, queue_key = :queue_key, in_lottery = :in_lottery,
                       admitted_at = NULL, pass_expires_at = NULL, admission_no = NULL
                   WHERE show_id = :show_id AND user_id = :user_id AND pass_expires_at <= :now"""
            ),
            {
                "show_id": entry.show_id,
                "user_id": entry.user_id,
                "joined_at": entry.joined_at,
                "queue_key": entry.queue_key,
                "in_lottery": entry.in_lottery,
                "now": now,
            },
        )

    async def get_entry(self, show_id: str, user_id: str) -> Entry | None:
        row = (
            await self._conn.execute(
                text(
                    f"""SELECT {_ENTRY_COLUMNS} FROM waitingroom.entries
                        WHERE show_id = :show_id AND user_id = :user_id"""
                ),
                {"show_id": show_id, "user_id": user_id},
            )
        ).first()
        return _entry(row) if row is not None else None

    async def get_room(self, show_id: str) -> RoomSettings | None:
        row = (
            await self._conn.execute(
                text(f"SELECT {_ROOM_COLUMNS} FROM waitingroom.rooms WHERE show_id = :show_id"),
                {"show_id": show_id},
            )
        ).first()
        return _room(row) if row is not None else None

    async def people_ahead(self, entry: Entry) -> int:
        if entry.admitted_at is not None:
            return 0
        return int(
            (
                await self._conn.execute(
                    text(
                        """SELECT count(*) FROM waitingroom.entries
                           WHERE show_id = :show_id AND admitted_at IS NULL
                             AND (queue_key, user_id) < (:queue_key, CAST(:user_id AS uuid))"""
                    ),
                    {
                        "show_id": entry.show_id,
                        "queue_key": entry.queue_key,
                        "user_id": entry.user_id,
                    },
                )
            ).scalar_one()
        )

    async def rooms_with_waiting(self, now: datetime) -> list[str]:
        rows = await self._conn.execute(
            text(
                """SELECT r.show_id::text FROM waitingroom.rooms r
                   WHERE r.on_sale_at <= :now AND EXISTS (
                       SELECT 1 FROM waitingroom.entries e
                       WHERE e.show_id = r.show_id AND e.admitted_at IS NULL)
                   ORDER BY r.on_sale_at"""
            ),
            {"now": now},
        )
        return [row[0] for row in rows]

    async def lock_room(self, show_id: str) -> tuple[RoomSettings, Credit] | None:
        """NO KEY UPDATE: joins (whose foreign key takes KEY SHARE on the room) go on meanwhile."""
        row = (
            await self._conn.execute(
                text(
                    f"""SELECT {_ROOM_COLUMNS}, admit_credit, credited_at FROM waitingroom.rooms
                        WHERE show_id = :show_id FOR NO KEY UPDATE"""
                ),
                {"show_id": show_id},
            )
        ).first()
        if row is None:
            return None
        return _room(row[:4]), Credit(float(row[4]), row[5])

    async def count_active(self, show_id: str, now: datetime) -> int:
        return int(
            (
                await self._conn.execute(
                    text(
                        """SELECT count(*) FROM waitingroom.entries
                           WHERE show_id = :show_id AND admitted_at IS NOT NULL
                             AND pass_expires_at > :now"""
                    ),
                    {"show_id": show_id, "now": now},
                )
            ).scalar_one()
        )

    async def count_waiting(self, show_id: str) -> int:
        return int(
            (
                await self._conn.execute(
                    text(
                        """SELECT count(*) FROM waitingroom.entries
                           WHERE show_id = :show_id AND admitted_at IS NULL"""
                    ),
                    {"show_id": show_id},
                )
            ).scalar_one()
        )

    async def admit_next(
        self, show_id: str, count: int, now: datetime, pass_expires_at: datetime
    ) -> Sequence[str]:
        if count <= 0:
            return []
        rows = await self._conn.execute(
            text(
                """WITH next AS (
                       SELECT user_id,
                              row_number() OVER (ORDER BY queue_key, user_id) AS n
                       FROM waitingroom.entries
                       WHERE show_id = :show_id AND admitted_at IS NULL
                       ORDER BY queue_key, user_id
                       LIMIT :count
                   ), counted AS (
                       UPDATE waitingroom.rooms SET admitted_total = admitted_total + :count
                       WHERE show_id = :show_id
                       RETURNING admitted_total - :count AS base
                   )
                   UPDATE waitingroom.entries e
                   SET admitted_at = :now, pass_expires_at = :expires,
                       admission_no = counted.base + next.n
                   FROM next, counted
                   WHERE e.show_id = :show_id AND e.user_id = next.user_id
                   RETURNING e.user_id::text, e.admission_no"""
            ),
            {"show_id": show_id, "count": count, "now": now, "expires": pass_expires_at},
        )
        return [user_id for user_id, _ in sorted(rows, key=lambda row: row[1])]

    async def save_credit(self, show_id: str, credit: Credit) -> None:
        await self._conn.execute(
            text(
                """UPDATE waitingroom.rooms SET admit_credit = :amount, credited_at = :at
                   WHERE show_id = :show_id"""
            ),
            {"show_id": show_id, "amount": credit.amount, "at": credit.credited_at},
        )
