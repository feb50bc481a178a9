"""The seat rows in PostgreSQL: the row locks and the set-based writes live here.

Every statement that takes or frees seats locks the rows it changes with ``FOR UPDATE`` in id
order before writing, so two transactions contending for overlapping seat sets queue on the same
first row instead of deadlocking; how long a lock may be waited for is the connection's
``lock_timeout`` (svckit.db.create_engine). Each step is one statement (CTEs combine the seat
update with the ``seat_sales`` write) so a reservation costs four round trips: BEGIN, lock, write,
COMMIT. Statements are plain SQL text run by psycopg itself (see svckit.pg), which prepares them
after a few executions.

Every statement on seats of one show names the show (``show_id = …``): the keys lead with
show_id (migration 0003), so the show picks the partition or Citus shard and the key index, and
the row locks stay what they were, the show's seats in id order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg

from inventory.domain.errors import ConcurrentUpdate, SeatsBusy
from inventory.domain.model import Seat, SeatSpec, SeatState, Show, Tier
from svckit.db import is_lock_timeout, is_serialization_or_deadlock

# Ids come back as text (no uuid.UUID round trip) and rows are read by position: a show's layout
# (every seat) is read once per process and its taken seats on every seat map, so per-row cost
# matters.
_SHOW_COLUMNS = "sh.show_id::text, sh.currency, sh.start_time, sh.seat_count"
_SEAT_COLUMNS = """s.id::text, s.show_id::text, s.row_label, s.number, s.tier, s.price_minor,
    s.status, s.hold_user_id::text, s.hold_expires_at, s.booking_id::text"""

INSERT_SHOW = """INSERT INTO inventory.shows
        (show_id, screen_id, currency, start_time, seat_count, guarded)
    VALUES (%(show_id)s, %(screen_id)s, %(currency)s, %(start_time)s, %(seat_count)s, %(guarded)s)
    ON CONFLICT (show_id) DO NOTHING"""
# Opening an open show again can only turn its guard on: a show opened before revision 0006
# (stored unguarded) is guarded once catalog opens it again.
GUARD_SHOW = """UPDATE inventory.shows SET guarded = true
    WHERE show_id = %(show_id)s AND NOT guarded"""
INSERT_SEATS = """INSERT INTO inventory.show_seats
        (show_id, row_label, number, ordinal, tier, price_minor)
    SELECT %(show_id)s, x.row_label, x.number, x.ordinal, x.tier, x.price_minor
    FROM unnest(CAST(%(rows)s AS text[]), CAST(%(numbers)s AS integer[]),
                CAST(%(tiers)s AS text[]), CAST(%(prices)s AS bigint[])) WITH ORDINALITY
         AS x(row_label, number, tier, price_minor, ordinal)"""
GET_SHOW = f"""SELECT {_SHOW_COLUMNS}, sh.no_orphan_seats, sh.guarded
    FROM inventory.shows sh WHERE sh.show_id = %(show_id)s"""
SET_SHOW_RULES = f"""UPDATE inventory.shows sh SET no_orphan_seats = %(no_orphan_seats)s
    WHERE sh.show_id = %(show_id)s RETURNING {_SHOW_COLUMNS}, sh.no_orphan_seats, sh.guarded"""
OPENED_SEATS = f"""SELECT {_SHOW_COLUMNS}, s.id::text, s.show_id::text, s.row_label, s.number,
        s.tier, s.price_minor, 'AVAILABLE', NULL, NULL, NULL, sh.guarded
    FROM inventory.shows sh LEFT JOIN inventory.show_seats s ON s.show_id = sh.show_id
    WHERE sh.show_id = %(show_id)s
    ORDER BY s.ordinal"""
# Served by the partial index show_seats_taken_idx: cost follows the seats taken, not the show.
TAKEN_SEATS = f"""SELECT NULL, NULL, NULL, NULL, {_SEAT_COLUMNS}
    FROM inventory.show_seats s
    WHERE s.show_id = %(show_id)s AND s.status <> 'AVAILABLE'"""
AVAILABLE_SEATS = f"""SELECT {_SHOW_COLUMNS}, {_SEAT_COLUMNS}
    FROM inventory.shows sh LEFT JOIN inventory.show_seats s
      ON s.show_id = sh.show_id
     AND (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.hold_expires_at <= %(now)s))
    WHERE sh.show_id = %(show_id)s
    ORDER BY s.ordinal"""
_LOCK_SEATS = f"""SELECT {_SHOW_COLUMNS}, {_SEAT_COLUMNS}, sh.no_orphan_seats, sh.guarded
    FROM inventory.show_seats s JOIN inventory.shows sh ON sh.show_id = s.show_id
    WHERE s.show_id = CAST(%(show_id)s AS uuid)
      AND (s.id = ANY(CAST(%(ids)s AS uuid[])) OR s.hold_user_id = CAST(%(holder)s AS uuid))
    ORDER BY s.id
    FOR UPDATE OF s"""
LOCK_SEATS = _LOCK_SEATS
# A batch (service_layer/batches.py): every seat its requests name and every hold of its users.
LOCK_FOR_BATCH = f"""SELECT {_SHOW_COLUMNS}, {_SEAT_COLUMNS}, sh.no_orphan_seats, sh.guarded
    FROM inventory.show_seats s JOIN inventory.shows sh ON sh.show_id = s.show_id
    WHERE s.show_id = CAST(%(show_id)s AS uuid)
      AND (s.id = ANY(CAST(%(ids)s AS uuid[])) OR s.hold_user_id = ANY(CAST(%(holders)s AS uuid[])))
    ORDER BY s.id
    FOR UPDATE OF s"""
# Best available: a block whose rows another request has locked is someone else's; skip it.
LOCK_FREE_SEATS = _LOCK_SEATS + " SKIP LOCKED"
# Requested ids that are not seats of the show: seats of other shows, read (not locked) only to
# name them in the refusal. Served by show_seats_id_idx.
SEATS_OF_OTHER_SHOWS = f"""SELECT NULL, NULL, NULL, NULL, {_SEAT_COLUMNS}
    FROM inventory.show_seats s
    WHERE s.id = ANY(CAST(%(ids)s AS uuid[])) AND s.show_id <> CAST(%(show_id)s AS uuid)"""
HOLD = """UPDATE inventory.show_seats SET
        status = CASE WHEN id = ANY(CAST(%(hold)s AS uuid[])) THEN 'HELD' ELSE 'AVAILABLE' END,
        hold_user_id = CASE WHEN id = ANY(CAST(%(hold)s AS uuid[]))
                            THEN CAST(%(user_id)s AS uuid) END,
        hold_expires_at = CASE WHEN id = ANY(CAST(%(hold)s AS uuid[]))
                               THEN CAST(%(expires_at)s AS timestamptz) END,
        updated_at = %(now)s
    WHERE show_id = %(show_id)s AND id = ANY(CAST(%(ids)s AS uuid[]))"""
RESERVE = """WITH reserved AS (
        UPDATE inventory.show_seats SET status = 'RESERVED', booking_id = %(booking_id)s,
            hold_user_id = NULL, hold_expires_at = NULL, updated_at = %(now)s
        WHERE show_id = %(show_id)s AND id = ANY(CAST(%(reserve)s AS uuid[]))
        RETURNING id, show_id
    ), released AS (
        UPDATE inventory.show_seats SET status = 'AVAILABLE',
            hold_user_id = NULL, hold_expires_at = NULL, updated_at = %(now)s
        WHERE show_id = %(show_id)s AND id = ANY(CAST(%(release)s AS uuid[]))
    )
    INSERT INTO inventory.seat_sales (show_seat_id, booking_id, show_id, created_at)
    SELECT id, %(booking_id)s, show_id, %(now)s FROM reserved"""
# A batch's seats, each set to what its request decided, and the seat_sales of those it reserved:
# one statement (one seat-change notification) for the whole batch.
WRITE_SEATS = """WITH decided AS (
        SELECT * FROM unnest(
            CAST(%(ids)s AS uuid[]), CAST(%(states)s AS text[]), CAST(%(holders)s AS uuid[]),
            CAST(%(expiries)s AS timestamptz[]), CAST(%(bookings)s AS uuid[])
        ) AS d(id, status, hold_user_id, hold_expires_at, booking_id)
    ), written AS (
        UPDATE inventory.show_seats s SET status = d.status, hold_user_id = d.hold_user_id,
            hold_expires_at = d.hold_expires_at, booking_id = d.booking_id, updated_at = %(now)s
        FROM decided d
        WHERE s.show_id = %(show_id)s AND s.id = d.id
    )
    INSERT INTO inventory.seat_sales (show_seat_id, booking_id, show_id, created_at)
    SELECT sale.seat_id, sale.booking_id, %(show_id)s, %(now)s
    FROM unnest(CAST(%(sold)s AS uuid[]), CAST(%(sold_to)s AS uuid[]))
        AS sale(seat_id, booking_id)"""
CONFIRM = """WITH booked AS (
        SELECT show_id, id, status FROM inventory.show_seats WHERE booking_id = %(booking_id)s
        ORDER BY id FOR UPDATE
    ), sold AS (
        UPDATE inventory.show_seats s SET status = 'SOLD', updated_at = %(now)s
        FROM booked
        WHERE s.show_id = booked.show_id AND s.id = booked.id AND booked.status = 'RESERVED'
    )
    SELECT count(*) FROM booked"""
RELEASE = """WITH booked AS (
        SELECT show_id, id FROM inventory.show_seats WHERE booking_id = %(booking_id)s
        ORDER BY id FOR UPDATE
    ), freed AS (
        UPDATE inventory.show_seats s SET status = 'AVAILABLE', booking_id = NULL,
            updated_at = %(now)s
        FROM booked WHERE s.show_id = booked.show_id AND s.id = booked.id
        RETURNING s.id
    ), unsold AS (
        DELETE FROM inventory.seat_sales WHERE booking_id = %(booking_id)s
    )
    SELECT count(*) FROM freed"""
_RELEASE_HOLDS = """WITH mine AS (
        SELECT show_id, id, hold_expires_at FROM inventory.show_seats
        WHERE hold_user_id = %(user_id)s {show_filter}
        ORDER BY id FOR UPDATE
    ), freed AS (
        UPDATE inventory.show_seats s SET status = 'AVAILABLE', hold_user_id = NULL,
            hold_expires_at = NULL, updated_at = %(now)s
        FROM mine WHERE s.show_id = mine.show_id AND s.id = mine.id
    )
    SELECT count(*) FROM mine WHERE hold_expires_at > %(now)s"""
RELEASE_HOLDS = _RELEASE_HOLDS.format(show_filter="")
RELEASE_HOLDS_OF_SHOW = _RELEASE_HOLDS.format(show_filter="AND show_id = %(show_id)s")
FREE_EXPIRED_HOLDS = """UPDATE inventory.show_seats s
    SET status = 'AVAILABLE', hold_user_id = NULL, hold_expires_at = NULL, updated_at = %(now)s
    WHERE (s.show_id, s.id) IN (
        SELECT show_id, id FROM inventory.show_seats
        WHERE status = 'HELD' AND hold_expires_at <= %(now)s
        ORDER BY id LIMIT %(batch_size)s FOR UPDATE SKIP LOCKED
    ) AND s.status = 'HELD' AND s.hold_expires_at <= %(now)s"""


_TIERS = {tier.value: tier for tier in Tier}
_STATES = {state.value: state for state in SeatState}


def _show(row: Sequence[Any], rules: Any = False, guarded: Any = False) -> Show:
    return Show(
        show_id=row[0],
        currency=row[1],
        start_time=row[2],
        seat_count=row[3],
        no_orphan_seats=bool(rules),
        guarded=bool(guarded),
    )


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


def _show_of(seats: Sequence[Seat]) -> str:
    """The one show of seats that a use case locked together (lock_seats locks one show's)."""
    shows = {seat.show_id for seat in seats}
    if len(shows) != 1:
        raise ValueError(f"seats of {len(shows)} shows written together")
    return shows.pop()


def translate(exc: psycopg.Error) -> Exception:
    """The domain error for a failure a caller can act on, else ``exc`` itself."""
    if is_lock_timeout(exc):
        return SeatsBusy()
    if is_serialization_or_deadlock(exc):
        return ConcurrentUpdate()
    return exc


class SqlSeatRepository:
    """The seat statements on one psycopg connection (svckit.pg: no SQL toolkit on this path)."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def _execute(self, statement: str, params: Mapping[str, Any]) -> psycopg.AsyncCursor[Any]:
        try:
            return await self._conn.execute(statement, params)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise translate(exc) from exc

    async def _rows(self, statement: str, params: Mapping[str, Any]) -> list[Any]:
        return await (await self._execute(statement, params)).fetchall()

    async def _count(self, statement: str, params: Mapping[str, Any]) -> int:
        row = await (await self._execute(statement, params)).fetchone()
        return int(row[0]) if row is not None else 0

    async def add_show(self, show: Show, screen_id: str, seats: Sequence[SeatSpec]) -> bool:
        inserted = await self._execute(
            INSERT_SHOW,
            {
                "show_id": show.show_id,
                "screen_id": screen_id,
                "currency": show.currency,
                "start_time": show.start_time,
                "seat_count": len(seats),
                "guarded": show.guarded,
            },
        )
        if inserted.rowcount == 0:
            if show.guarded:
                await self._execute(GUARD_SHOW, {"show_id": show.show_id})
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
        row = await (await self._execute(GET_SHOW, {"show_id": show_id})).fetchone()
        return None if row is None else _show(row, row[4], row[5])

    async def set_show_rules(self, show_id: str, *, no_orphan_seats: bool) -> Show | None:
        params = {"show_id": show_id, "no_orphan_seats": no_orphan_seats}
        row = await (await self._execute(SET_SHOW_RULES, params)).fetchone()
        return None if row is None else _show(row, row[4], row[5])

    async def opened_seats(self, show_id: str) -> tuple[Show | None, list[Seat]]:
        rows = await self._rows(OPENED_SEATS, {"show_id": show_id})
        if not rows:
            return None, []
        # The layout's show: its guard (fixed) but not its rules (changeable, read when locking).
        show = _show(rows[0], guarded=rows[0][14])
        return show, [_seat(row) for row in rows if row[4] is not None]

    async def taken_seats(self, show_id: str) -> list[Seat]:
        return [_seat(row) for row in await self._rows(TAKEN_SEATS, {"show_id": show_id})]

    async def available_seats(self, show_id: str, now: datetime) -> tuple[Show | None, list[Seat]]:
        rows = await self._rows(AVAILABLE_SEATS, {"show_id": show_id, "now": now})
        return self._show_and_seats(rows)

    @staticmethod
    def _show_and_seats(rows: list[Any]) -> tuple[Show | None, list[Seat]]:
        if not rows:
            return None, []
        return _show(rows[0]), [_seat(row) for row in rows if row[4] is not None]

    async def lock_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        rows = await self._rows(
            LOCK_SEATS,
            {
                "ids": [uuid.UUID(seat_id) for seat_id in seat_ids],
                "holder": holder_id,
                "show_id": show_id,
            },
        )
        show = _show(rows[0], rows[0][14], rows[0][15]) if rows else None
        seats = [_seat(row) for row in rows]
        locked = {seat.id for seat in seats}
        others = [seat_id for seat_id in seat_ids if seat_id not in locked]
        if others:
            seats += await self.seats_of_other_shows(others, show_id=show_id)
        return show, seats

    async def lock_for_batch(
        self, seat_ids: Sequence[str], *, show_id: str, holders: Sequence[str]
    ) -> tuple[Show | None, list[Seat]]:
        rows = await self._rows(
            LOCK_FOR_BATCH,
            {
                "ids": [uuid.UUID(seat_id) for seat_id in seat_ids],
                "holders": [uuid.UUID(holder) for holder in holders],
                "show_id": show_id,
            },
        )
        show = _show(rows[0], rows[0][14], rows[0][15]) if rows else None
        return show, [_seat(row) for row in rows]

    async def seats_of_other_shows(self, seat_ids: Sequence[str], *, show_id: str) -> list[Seat]:
        rows = await self._rows(
            SEATS_OF_OTHER_SHOWS,
            {"ids": [uuid.UUID(seat_id) for seat_id in seat_ids], "show_id": show_id},
        )
        return [_seat(row) for row in rows]

    async def write_seats(
        self,
        show_id: str,
        seats: Sequence[Seat],
        sold_to: Sequence[tuple[str, str]],
        now: datetime,
    ) -> None:
        await self._execute(
            WRITE_SEATS,
            {
                "show_id": show_id,
                "ids": _ids(seats),
                "states": [seat.state.value for seat in seats],
                "holders": [seat.hold_user_id for seat in seats],
                "expiries": [seat.hold_expires_at for seat in seats],
                "bookings": [seat.booking_id for seat in seats],
                "sold": [uuid.UUID(seat_id) for seat_id, _ in sold_to],
                "sold_to": [uuid.UUID(booking_id) for _, booking_id in sold_to],
                "now": now,
            },
        )

    async def lock_free_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        rows = await self._rows(
            LOCK_FREE_SEATS,
            {
                "ids": [uuid.UUID(seat_id) for seat_id in seat_ids],
                "holder": holder_id,
                "show_id": show_id,
            },
        )
        show = _show(rows[0], rows[0][14], rows[0][15]) if rows else None
        return show, [_seat(row) for row in rows]

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
                "show_id": _show_of([*hold, *release]),
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
        if not reserve and not release:
            return
        await self._execute(
            RESERVE,
            {
                "show_id": _show_of([*reserve, *release]),
                "booking_id": booking_id,
                "reserve": _ids(reserve),
                "release": _ids(release),
                "now": now,
            },
        )

    async def confirm(self, booking_id: str, now: datetime) -> int:
        return await self._count(CONFIRM, {"booking_id": booking_id, "now": now})

    async def release(self, booking_id: str, now: datetime) -> int:
        return await self._count(RELEASE, {"booking_id": booking_id, "now": now})

    async def release_holds(self, user_id: str, show_id: str | None, now: datetime) -> int:
        params: dict[str, Any] = {"user_id": user_id, "now": now}
        statement = RELEASE_HOLDS
        if show_id is not None:
            params["show_id"] = show_id
            statement = RELEASE_HOLDS_OF_SHOW
        return await self._count(statement, params)

    async def free_expired_holds(self, now: datetime, batch_size: int) -> int:
        cursor = await self._execute(FREE_EXPIRED_HOLDS, {"now": now, "batch_size": batch_size})
        return int(cursor.rowcount)
