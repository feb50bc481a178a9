"""Seat-change notifications carry hold expiries as RFC 3339 UTC, whatever the session's zone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Revision 0004's trigger function put ``hold_expires_at`` into the JSON as PostgreSQL renders a
timestamptz, in the session's TimeZone (``+05:30`` on a server set to India). The streams promise
RFC 3339 in UTC, as every other time of the API: the function now formats it as
``2026-01-31T01:05:00.000Z``. Nothing else changes.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANNEL = "inventory_seat_changes"
SEATS_PER_NOTIFY = 30


def upgrade() -> None:
    op.execute(
        f"""CREATE OR REPLACE FUNCTION inventory.notify_seat_changes() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            batch record;
        BEGIN
            FOR batch IN
                SELECT changed.show_id, json_agg(json_build_object(
                        'id', changed.id, 'row', changed.row_label, 'number', changed.number,
                        'change', changed.change, 'status', changed.status,
                        'holdExpiresAt', to_char(changed.hold_expires_at AT TIME ZONE 'UTC',
                                                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                    ORDER BY changed.ordinal) AS seats
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


def downgrade() -> None:
    op.execute(
        f"""CREATE OR REPLACE FUNCTION inventory.notify_seat_changes() RETURNS trigger
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
