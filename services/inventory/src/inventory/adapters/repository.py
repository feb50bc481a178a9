"""The seat rows in PostgreSQL: the row locks and the set-based writes live here.

Every statement that takes or frees seats locks the rows it changes with ``FOR UPDATE`` in id
order before writing, so two transactions contending for overlapping seat sets queue on the same
first row instead of deadlocking; how long a lock may be waited for is the connection's
``lock_timeout`` (svckit.db.create_engine). Each step is one statement (CTEs combine the seat
update with the ``seat_sales`` write) so a reservation costs four round trips: BEGIN, lock, write,
COMMIT. Statements are plain SQL text; psycopg prepares them after a few executions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.domain.errors import ConcurrentUpdate, SeatsBusy
from inventory.domain.model import Seat, SeatSpec, SeatState, Show, Tier
from svckit.db import is_lock_timeout, is_serialization_or_deadlock

# Ids come back as text (no uuid.UUID round trip) and rows are read by position: a show's layout
# (every seat) is read once per process and its taken seats on every seat map, so per-row cost
# matters.
_SHOW_COLUMNS = "sh.show_id::text, sh.currency, sh.start_time, sh.seat_count"
_SEAT_COLUMNS = """s.id::text, s.show_id::text, s.row_label, s.number, s.tier, s.price_minor,
    s.status, s.hold_user_id::text, s.hold_expires_at, s.booking_id::text"""

INSERT_SHOW = text(
    """INSERT INTO inventory.shows (show_id, screen_id, currency, start_time, seat_count)
    VALUES (:show_id, :screen_id, :currency, :start_time, :seat_count)
    ON CONFLICT (show_id) DO NOTHING"""
)
INSERT_SEATS = text(
    """INSERT INTO inventory.show_seats (show_id, row_label, number, ordinal, tier, price_minor)
    SELECT :show_id, x.row_label, x.number, x.ordinal, x.tier, x.price_minor
    FROM unnest(CAST(:rows AS text[]), CAST(:numbers AS integer[]), CAST(:tiers AS text[]),
                CAST(:prices AS bigint[])) WITH ORDINALITY
         AS x(row_label, number, tier, price_minor, ordinal)"""
)
GET_SHOW = text(f"SELECT {_SHOW_COLUMNS} FROM inventory.shows sh WHERE sh.show_id = :show_id")
OPENED_SEATS = text(
    f"""SELECT {_SHOW_COLUMNS}, s.id::text, s.show_id::text, s.row_label, s.number, s.tier,
        s.price_minor, 'AVAILABLE', NULL, NULL, NULL
    FROM inventory.shows sh LEFT JOIN inventory.show_seats s ON s.show_id = sh.show_id
    WHERE sh.show_id = :show_id
    ORDER BY s.ordinal"""
)
# Served by the partial index show_seats_taken_idx: cost follows the seats taken, not the show.
TAKEN_SEATS = text(
    f"""SELECT NULL, NULL, NULL, NULL, {_SEAT_COLUMNS}
    FROM inventory.show_seats s
    WHERE s.show_id = :show_id AND s.status <> 'AVAILABLE'"""
)
AVAILABLE_SEATS = text(
    f"""SELECT {_SHOW_COLUMNS}, {_SEAT_COLUMNS}
    FROM inventory.shows sh LEFT JOIN inventory.show_seats s
      ON s.show_id = sh.show_id
     AND (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.hold_expires_at <= :now))
    WHERE sh.show_id = :show_id
    ORDER BY s.ordinal"""
)
LOCK_SEATS = text(
    f"""SELECT {_SHOW_COLUMNS}, {_SEAT_COLUMNS}
    FROM inventory.show_seats s JOIN inventory.shows sh ON sh.show_id = s.show_id
    WHERE s.id = ANY(CAST(:ids AS uuid[]))
       OR (s.hold_user_id = CAST(:holder AS uuid) AND s.show_id = CAST(:show_id AS uuid))
    ORDER BY s.id
    FOR UPDATE OF s"""
)
HOLD = text(
    """UPDATE inventory.show_seats SET
        status = CASE WHEN id = ANY(CAST(:hold AS uuid[])) THEN 'HELD' ELSE 'AVAILABLE' END,
        hold_user_id = CASE WHEN id = ANY(CAST(:hold AS uuid[])) THEN CAST(:user_id AS uuid) END,
        hold_expires_at = CASE WHEN id = ANY(CAST(:hold AS uuid[]))
                               THEN CAST(:expires_at AS timestamptz) END,
        updated_at = :now
    WHERE id = ANY(CAST(:ids AS uuid[]))"""
)
RESERVE = text(
    """WITH reserved AS (
        UPDATE inventory.show_seats SET status = 'RESERVED', booking_id = :booking_id,
            hold_user_id = NULL, hold_expires_at = NULL, updated_at = :now
        WHERE id = ANY(CAST(:reserve AS uuid[]))
        RETURNING id, show_id
    ), released AS (
        UPDATE inventory.show_seats SET status = 'AVAILABLE',
            hold_user_id = NULL, hold_expires_at = NULL, updated_at = :now
        WHERE id = ANY(CAST(:release AS uuid[]))
    )
    INSERT INTO inventory.seat_sales (show_seat_id, booking_id, show_id, created_at)
    SELECT id, :booking_id, show_id, :now FROM reserved"""
)
CONFIRM = text(
    """WITH booked AS (
        SELECT id, status FROM inventory.show_seats WHERE booking_id = :booking_id
        ORDER BY id FOR UPDATE
    ), sold AS (
        UPDATE inventory.show_seats s SET status = 'SOLD', updated_at = :now
        FROM booked WHERE s.id = booked.id AND booked.status = 'RESERVED'
    )
    SELECT count(*) FROM booked"""
)
RELEASE = text(
    """WITH booked AS (
        SELECT id FROM inventory.show_seats WHERE booking_id = :booking_id
        ORDER BY id FOR UPDATE
    ), freed AS (
        UPDATE inventory.show_seats s SET status = 'AVAILABLE', booking_id = NULL,
            updated_at = :now
        FROM booked WHERE s.id = booked.id
        RETURNING s.id
    ), unsold AS (
        DELETE FROM inventory.seat_sales WHERE booking_id = :booking_id
    )
    SELECT count(*) FROM freed"""
)
_RELEASE_HOLDS = """WITH mine AS (
        SELECT id, hold_expires_at FROM inventory.show_seats
        WHERE hold_user_id = :user_id {show_filter}
        ORDER BY id FOR UPDATE
    ), freed AS (
        UPDATE inventory.show_seats s SET status = 'AVAILABLE', hold_user_id = NULL,
            hold_expires_at = NULL, updated_at = :now
        FROM mine WHERE s.id = mine.id
    )
    SELECT count(*) FROM mine WHERE hold_expires_at > :now"""
RELEASE_HOLDS = text(_RELEASE_HOLDS.format(show_filter=""))
RELEASE_HOLDS_OF_SHOW = text(_RELEASE_HOLDS.format(show_filter="AND show_id = :show_id"))
DELETE_EXPIRED_HOLDS = text(
    """UPDATE inventory.show_seats s SET status = 'AVAILABLE', hold_user_id = NULL,
        hold_expires_at = NULL, updated_at = :now
    WHERE s.id IN (
        SELECT id FROM inventory.show_seats
        WHERE status = 'HELD' AND hold_expires_at <= :now
        ORDER BY id LIMIT :batch_size FOR UPDATE SKIP LOCKED
    ) AND s.status = 'HELD' AND s.hold_expires_at <= :now"""
)


_TIERS = {tier.value: tier for tier in Tier}
_STATES = {state.value: state for state in SeatState}


def _show(row: Sequence[Any]) -> Show:
    return Show(show_id=row[0], currency=row[1], start_time=row[2], seat_count=row[3])


def _seat(row: Sequence[Any]) -> Seat:
    """A seat from the columns after the four show columns."""
    return Seat(
        row[4],
        row[5],
        row[6],
        row[7],
        _TIERS[row[8]],
        row[9],
        _STATES[row[10]],
        row[11],
        row[12],
        row[13],
    )


def _ids(seats: Sequence[Seat]) -> list[uuid.UUID]:
    return [uuid.UUID(seat.id) for seat in seats]


def translate(exc: DBAPIError) -> Exception:
    """The domain error for a failure a caller can act on, else ``exc`` itself."""
    if is_lock_timeout(exc):
        return SeatsBusy()
    if is_serialization_or_deadlock(exc):
        return ConcurrentUpdate()
    return exc


class SqlSeatRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _execute(self, statement: Any, params: Mapping[str, Any]) -> Any:
        try:
            return await self._conn.execute(statement, params)
        except DBAPIError as exc:
            raise translate(exc) from exc

    async def add_show(self, show: Show, screen_id: str, seats: Sequence[SeatSpec]) -> bool:
        inserted = await self._execute(
            INSERT_SHOW,
            {
                "show_id": show.show_id,
                "screen_id": screen_id,
                "currency": show.currency,
                "start_time": show.start_time,
                "seat_count": len(seats),
            },
        )
        if inserted.rowcount == 0:
            return False
        await self._execute(
            INSERT_SEATS,
            {
                "show_id": show.show_id,
                "rows": [seat.row_label for seat in seats],
                "numbers": [seat.number for seat in seats],
                "tiers": [seat.tier.value for seat in seats],
                "prices": [seat.price_minor for seat in seats],
            },
        )
        return True

    async def get_show(self, show_id: str) -> Show | None:
        row = (await self._execute(GET_SHOW, {"show_id": show_id})).first()
        return None if row is None else _show(row)

    async def opened_seats(self, show_id: str) -> tuple[Show | None, list[Seat]]:
        return self._show_and_seats(await self._execute(OPENED_SEATS, {"show_id": show_id}))

    async def taken_seats(self, show_id: str) -> list[Seat]:
        result = await self._execute(TAKEN_SEATS, {"show_id": show_id})
        return [_seat(row) for row in result.all()]

    async def available_seats(self, show_id: str, now: datetime) -> tuple[Show | None, list[Seat]]:
        result = await self._execute(AVAILABLE_SEATS, {"show_id": show_id, "now": now})
        return self._show_and_seats(result)

    @staticmethod
    def _show_and_seats(result: Any) -> tuple[Show | None, list[Seat]]:
        rows = result.all()
        if not rows:
            return None, []
        return _show(rows[0]), [_seat(row) for row in rows if row[4] is not None]

    async def lock_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        result = await self._execute(
            LOCK_SEATS,
            {
                "ids": [uuid.UUID(seat_id) for seat_id in seat_ids],
                "holder": holder_id,
                "show_id": show_id,
            },
        )
        show: Show | None = None
        seats: list[Seat] = []
        for row in result:
            seat = _seat(row)
            seats.append(seat)
            if show is None and seat.show_id == show_id:
                show = _show(row)
        return show, seats

    async def hold(
        self,
        user_id: str,
        hold: Sequence[Seat],
        release: Sequence[Seat],
        expires_at: datetime,
        now: datetime,
    ) -> None:
        if not hold and not release:
            return
        await self._execute(
            HOLD,
            {
                "hold": _ids(hold),
                "ids": _ids([*hold, *release]),
                "user_id": user_id,
                "expires_at": expires_at,
                "now": now,
            },
        )

    async def reserve(
        self, booking_id: str, reserve: Sequence[Seat], release: Sequence[Seat], now: datetime
    ) -> None:
        await self._execute(
            RESERVE,
            {
                "booking_id": booking_id,
                "reserve": _ids(reserve),
                "release": _ids(release),
                "now": now,
            },
        )

    async def confirm(self, booking_id: str, now: datetime) -> int:
        result = await self._execute(CONFIRM, {"booking_id": booking_id, "now": now})
        return int(result.scalar_one())

    async def release(self, booking_id: str, now: datetime) -> int:
        result = await self._execute(RELEASE, {"booking_id": booking_id, "now": now})
        return int(result.scalar_one())

    async def release_holds(self, user_id: str, show_id: str | None, now: datetime) -> int:
        params: dict[str, Any] = {"user_id": user_id, "now": now}
        statement = RELEASE_HOLDS
        if show_id is not None:
            params["show_id"] = show_id
            statement = RELEASE_HOLDS_OF_SHOW
        return int((await self._execute(statement, params)).scalar_one())

    async def delete_expired_holds(self, now: datetime, batch_size: int) -> int:
        result = await self._execute(DELETE_EXPIRED_HOLDS, {"now": now, "batch_size": batch_size})
        return int(result.rowcount)
