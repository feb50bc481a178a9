"""After the run, the database must agree with what the load generators saw."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg

DOUBLE_SOLD_BOOKINGS = """
SELECT count(*) FROM (
    SELECT bs.seat_id FROM booking.booking_seats bs
    JOIN booking.bookings b ON b.id = bs.booking_id
    WHERE b.status IN ('PENDING', 'CONFIRMED')
    GROUP BY bs.seat_id HAVING count(*) > 1
) twice"""
DOUBLE_SOLD_INVENTORY = """
SELECT count(*) FROM (
    SELECT show_seat_id FROM inventory.seat_sales GROUP BY show_seat_id HAVING count(*) > 1
) twice"""
SEATS_NOT_MATCHING = """
SELECT count(*) FROM booking.booking_seats bs
JOIN booking.bookings b ON b.id = bs.booking_id
LEFT JOIN inventory.show_seats s ON s.id = bs.seat_id
WHERE b.status IN ('PENDING', 'CONFIRMED')
  AND (s.booking_id IS DISTINCT FROM b.id OR s.status NOT IN ('RESERVED', 'SOLD'))"""
EXISTING_BOOKINGS = """
SELECT count(*) FROM booking.bookings
WHERE id = ANY(%s::uuid[]) AND status IN ('PENDING', 'CONFIRMED')"""
CONFIRMED_BOOKINGS = """
SELECT count(*) FROM booking.bookings WHERE id = ANY(%s::uuid[]) AND status = 'CONFIRMED'"""
HELD_SEATS = """
SELECT count(*) FROM inventory.show_seats
WHERE show_id = ANY(%s::uuid[]) AND status = 'HELD' AND hold_expires_at > now()"""
BOOKED_SEATS_OF = """
SELECT count(*) FROM inventory.show_seats
WHERE id = ANY(%s::uuid[]) AND status IN ('RESERVED', 'SOLD')"""


@dataclass
class Checks:
    passed: dict[str, bool] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def expect(self, name: str, ok: bool, detail: str) -> None:
        self.passed[name] = ok
        self.details[name] = detail

    @property
    def ok(self) -> bool:
        return all(self.passed.values())


def _count(conn: psycopg.Connection, query: str, *params: object) -> int:
    row = conn.execute(query, params or None).fetchone()
    return int(row[0]) if row else 0


def check_database(
    database_url: str,
    *,
    booking_ids: Iterable[str],
    confirmed_ids: Iterable[str],
    hold_shows: list[str],
    holds_seen: int,
    holds_in_flight: int,
    hot_seats: list[str],
) -> Checks:
    checks = Checks()
    booking_ids = sorted(set(booking_ids))
    confirmed_ids = sorted(set(confirmed_ids))
    with psycopg.connect(database_url, autocommit=True) as conn:
        twice = _count(conn, DOUBLE_SOLD_BOOKINGS)
        checks.expect("no seat in two active bookings", twice == 0, f"{twice} seats")
        twice = _count(conn, DOUBLE_SOLD_INVENTORY)
        checks.expect("no seat with two sales", twice == 0, f"{twice} seats")
        mismatched = _count(conn, SEATS_NOT_MATCHING)
        checks.expect(
            "active bookings own their seats in inventory",
            mismatched == 0,
            f"{mismatched} booking seats not reserved for their booking",
        )
        found = _count(conn, EXISTING_BOOKINGS, booking_ids)
        checks.expect(
            "every booking seen created exists",
            found == len(booking_ids),
            f"{found} of {len(booking_ids)} found PENDING or CONFIRMED",
        )
        confirmed = _count(conn, CONFIRMED_BOOKINGS, confirmed_ids)
        checks.expect(
            "every purchase seen confirmed is CONFIRMED",
            confirmed == len(confirmed_ids),
            f"{confirmed} of {len(confirmed_ids)}",
        )
        held = _count(conn, HELD_SEATS, hold_shows)
        # wrk stops with up to one request per connection in flight: the server may have
        # granted those holds without wrk reading the answer.
        checks.expect(
            "every hold seen granted is held",
            holds_seen <= held <= holds_seen + holds_in_flight,
            f"{held} seats held, {holds_seen} holds answered 201"
            f" (+ at most {holds_in_flight} unread at the end)",
        )
        booked = _count(conn, BOOKED_SEATS_OF, hot_seats)
        checks.expect(
            "each hot seat booked exactly once",
            booked == len(hot_seats),
            f"{booked} of {len(hot_seats)} hot seats booked",
        )
    return checks
