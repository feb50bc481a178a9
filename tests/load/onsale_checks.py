"""Workload g's checks, read from the databases after the run (never from the replies).

* No seat sold twice: no seat of the show in two active bookings, nor with two sales.
* No orphan seat: every free seat of the no-orphan show left alone (taken seats, or a row's end,
  on both sides) is one the rule's exception allowed. The database keeps no hold history, so the
  sale is replayed from the bookings in the order they were made (``created_at``) with
  inventory's own domain functions (``inventory.domain.seating``): the booking that left the seat
  alone must be one that could not have seated its party together without stranding a seat. A
  hold is taken some moments before its booking is made, so the seats of bookings made up to
  ``HOLD_SLACK`` later count as already held at that point (others' holds were taken then).
* Every admitted user's purchase is in a final state: no booking of the show PENDING, and every
  booking of the show belongs to someone the waiting room admitted.
* Admission order equals queue order: ordered by ``admission_no``, the admitted have increasing
  ``(queue_key, user_id)``, and nobody still waiting is ahead of anyone admitted.
"""

from __future__ import annotations

import datetime as dt
import itertools

import psycopg

from inventory.domain.model import Seat, SeatState, Tier
from inventory.domain.seating import FreeSeats, SeatRows, may_strand
from tests.load.checks import Checks

HOLD_SLACK = dt.timedelta(seconds=5)

DOUBLE_BOOKED = """
SELECT count(*) FROM (
    SELECT bs.seat_id FROM booking.booking_seats bs
    JOIN booking.bookings b ON b.id = bs.booking_id
    WHERE b.show_id = %(show)s AND b.status IN ('PENDING', 'CONFIRMED')
    GROUP BY bs.seat_id HAVING count(*) > 1
) twice"""
DOUBLE_SALES = """
SELECT count(*) FROM (
    SELECT show_seat_id FROM inventory.seat_sales WHERE show_id = %(show)s
    GROUP BY show_seat_id HAVING count(*) > 1
) twice"""
SEATS = """
SELECT id::text, row_label, number, tier, status FROM inventory.show_seats
WHERE show_id = %(show)s ORDER BY ordinal"""
BOOKINGS = """
SELECT b.id::text, b.created_at, array_agg(bs.seat_id::text) FROM booking.bookings b
JOIN booking.booking_seats bs ON bs.booking_id = b.id
WHERE b.show_id = %(show)s AND b.status IN ('PENDING', 'CONFIRMED')
GROUP BY b.id, b.created_at ORDER BY b.created_at, b.id"""
STATUSES = """
SELECT status, count(*) FROM booking.bookings WHERE show_id = %(show)s GROUP BY status"""
NOT_ADMITTED_BUYERS = """
SELECT count(*) FROM booking.bookings b
LEFT JOIN waitingroom.entries e ON e.show_id = b.show_id AND e.user_id = b.user_id
WHERE b.show_id = %(show)s AND e.admitted_at IS NULL"""
ADMITTED = """
SELECT queue_key, user_id::text FROM waitingroom.entries
WHERE show_id = %(show)s AND admission_no IS NOT NULL ORDER BY admission_no"""
WAITING_AHEAD = """
SELECT count(*) FROM waitingroom.entries w
WHERE w.show_id = %(show)s AND w.admission_no IS NULL AND EXISTS (
    SELECT 1 FROM waitingroom.entries a
    WHERE a.show_id = w.show_id AND a.admission_no IS NOT NULL
      AND (a.queue_key, a.user_id) > (w.queue_key, w.user_id))"""
ENTRIES = "SELECT count(*) FROM waitingroom.entries WHERE show_id = %(show)s"


def _seat(row: tuple[str, str, int, str, str]) -> Seat:
    seat_id, label, number, tier, status = row
    return Seat(seat_id, "", label, number, Tier(tier), 0, SeatState(status))


def unexplained_orphans(
    seats: list[Seat], bookings: list[tuple[str, dt.datetime, list[str]]]
) -> tuple[list[Seat], int]:
    """(the stranded free seats no exception explains, all the stranded free seats)."""
    rows = SeatRows(seats)
    free_at_end = {seat.id for seat in seats if seat.state is SeatState.AVAILABLE}
    stranded = [seat for seat in seats if rows.is_stranded(seat.id, free_at_end)]
    if not stranded:
        return [], 0
    # Replay: which booking left each of those seats alone, and could it have helped it?
    taken: set[str] = set()
    culprit: dict[str, int] = {}
    for index, (_, _, ids) in enumerate(bookings):
        before = FreeSeats({}, taken)
        for seat in rows.stranded_by(ids, before, before.after(ids, ())):
            culprit[seat.id] = index
        taken.update(ids)
    unexplained: list[Seat] = []
    for seat in stranded:
        made_by = culprit.get(seat.id)
        if made_by is None:  # never made alone by a booking (a hold let go, say): not allowed
            unexplained.append(seat)
            continue
        _, made_at, ids = bookings[made_by]
        held_then = {
            seat_id
            for _, at, others in bookings
            if at <= made_at + HOLD_SLACK
            for seat_id in others
        }
        before = FreeSeats({}, held_then - set(ids))
        if not may_strand(rows, before, len(ids), ()):
            unexplained.append(seat)
    return unexplained, len(stranded)


def check_on_sale(database_url: str, show_id: str, checks: Checks) -> dict[str, int]:
    """Adds workload g's checks to ``checks``; returns what it counted."""
    params = {"show": show_id}
    with psycopg.connect(database_url, autocommit=True) as conn:
        booked_twice = conn.execute(DOUBLE_BOOKED, params).fetchone()
        sold_twice = conn.execute(DOUBLE_SALES, params).fetchone()
        twice = (booked_twice[0] if booked_twice else 0) + (sold_twice[0] if sold_twice else 0)
        checks.expect("g: no seat sold twice", twice == 0, f"{twice} seats")

        seats = [_seat(row) for row in conn.execute(SEATS, params).fetchall()]
        bookings = [(b, at, list(ids)) for b, at, ids in conn.execute(BOOKINGS, params).fetchall()]
        unexplained, stranded = unexplained_orphans(seats, bookings)
        free = sum(seat.state is SeatState.AVAILABLE for seat in seats)
        held = sum(seat.state is SeatState.HELD for seat in seats)
        sold = sum(seat.state is SeatState.SOLD for seat in seats)
        checks.expect(
            "g: no orphan seat on the no-orphan show",
            not unexplained,
            f"{free} seats free, {held} held at the end; {stranded} left alone, "
            f"{stranded - len(unexplained)} of them by a party that could not sit together "
            f"otherwise; unexplained: {[f'{s.row_label}-{s.number}' for s in unexplained[:10]]}",
        )

        statuses: dict[str, int] = dict(conn.execute(STATUSES, params).fetchall())
        strangers = conn.execute(NOT_ADMITTED_BUYERS, params).fetchone()
        outsiders = strangers[0] if strangers else 0
        pending = statuses.get("PENDING", 0)
        final = statuses.get("CONFIRMED", 0) + statuses.get("REFUNDED", 0)
        checks.expect(
            "g: every admitted user's purchase in its final state",
            pending == 0 and outsiders == 0,
            f"bookings of the show by status {statuses}; {outsiders} by users never admitted",
        )

        admitted = conn.execute(ADMITTED, params).fetchall()
        out_of_order = sum(1 for earlier, later in itertools.pairwise(admitted) if earlier >= later)
        ahead_row = conn.execute(WAITING_AHEAD, params).fetchone() if admitted else None
        ahead = ahead_row[0] if ahead_row else 0
        entries_row = conn.execute(ENTRIES, params).fetchone()
        entries = entries_row[0] if entries_row else 0
        checks.expect(
            "g: admission order equal to queue order",
            out_of_order == 0 and ahead == 0 and len(admitted) > 0,
            f"{len(admitted)} of {entries} in the queue admitted; {out_of_order} admitted before "
            f"someone ahead of them; {ahead} still waiting ahead of someone admitted",
        )
    return {
        "seats": len(seats),
        "sold": sold,
        "free": free,
        "held": held,
        "stranded": stranded,
        "final_bookings": final,
        "admitted": len(admitted),
        "queued": entries,
    }
