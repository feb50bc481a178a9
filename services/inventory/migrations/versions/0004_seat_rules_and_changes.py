"""A show's no-orphan rule, and every seat change NOTIFYed as it commits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

* ``shows.no_orphan_seats`` (off by default, so shows behave as before): with it on, a hold or
  reservation that would strand a single free seat is refused (domain/seating.py).
* Seat changes are pushed to seat-map streams: a statement trigger on ``show_seats`` sends, in
  the transaction of the change, one ``pg_notify('inventory_seat_changes', …)`` per show (and per
  30 changed seats, under NOTIFY's 8000-byte payload limit). PostgreSQL delivers notifications
  only on commit and in commit order, to every listener alike, so every gateway process sees the
  same changes in the same order. Each carries an id from ``seat_change_seq``, the stream's event
  id. The trigger sits on the table, so every transition is covered: holds, releases, bookings,
  the booking-event consumer's confirmations and releases, and the hold cleanup job.

The payload: ``{"id": n, "show": show_id, "seats": [{"id", "row", "number", "change",
"status", "holdExpiresAt"}]}`` where change is held, released, reserved, sold or freed and status
is the seat-map status (available, held, booked).
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHANNEL = "inventory_seat_changes"
SEATS_PER_NOTIFY = 30


def upgrade() -> None:
    op.execute(
        "ALTER TABLE inventory.shows ADD COLUMN no_orphan_seats boolean NOT NULL DEFAULT false"
    )
    op.execute("CREATE SEQUENCE inventory.seat_change_seq")
    op.execute(
        f"""CREATE FUNCTION inventory.notify_seat_changes() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            batch record;
        BEGIN
            FOR batch IN
                SELECT changed.show_id, json_agg(json_build_object(
                        'id', changed.id, 'row', changed.row_label, 'number', changed.number,
                        'change', changed.change, 'status', changed.status,
                        'holdExpiresAt', changed.hold_expires_at) ORDER BY changed.ordinal) AS seats
                FROM (
                    SELECT n.show_id, n.id, n.row_label, n.number, n.ordinal, n.hold_expires_at,
                        CASE
                            WHEN n.status = 'HELD' THEN 'held'
                            WHEN n.status = 'RESERVED' THEN 'reserved'
                            WHEN n.status = 'SOLD' THEN 'sold'
                            WHEN o.status = 'HELD' THEN 'released'
                            ELSE 'freed'
                        END AS change,
                        CASE n.status WHEN 'AVAILABLE' THEN 'available' WHEN 'HELD' THEN 'held'
                            ELSE 'booked' END AS status,
                        (row_number() OVER (PARTITION BY n.show_id ORDER BY n.ordinal) - 1)
                            / {SEATS_PER_NOTIFY} AS part
                    FROM new_seats n JOIN old_seats o ON o.show_id = n.show_id AND o.id = n.id
                    WHERE (n.status, n.hold_user_id, n.hold_expires_at, n.booking_id)
                        IS DISTINCT FROM
                          (o.status, o.hold_user_id, o.hold_expires_at, o.booking_id)
                ) AS changed
                GROUP BY changed.show_id, changed.part
            LOOP
                PERFORM pg_notify('{CHANNEL}', json_build_object(
                    'id', nextval('inventory.seat_change_seq'), 'show', batch.show_id,
                    'seats', batch.seats)::text);
            END LOOP;
            RETURN NULL;
        END
        $$"""
    )
    op.execute(
        """CREATE TRIGGER show_seats_notify_changes AFTER UPDATE ON inventory.show_seats
        REFERENCING OLD TABLE AS old_seats NEW TABLE AS new_seats
        FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_seat_changes()"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER show_seats_notify_changes ON inventory.show_seats")
    op.execute("DROP FUNCTION inventory.notify_seat_changes()")
    op.execute("DROP SEQUENCE inventory.seat_change_seq")
    op.execute("ALTER TABLE inventory.shows DROP COLUMN no_orphan_seats")
