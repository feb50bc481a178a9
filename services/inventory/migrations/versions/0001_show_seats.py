"""Shows, one row per seat per show, and the ledger of active seat sales.

Revision ID: 0001
Revises:
Create Date: 2025-11-24

Row locks are the first guard against selling a seat twice; the schema is the second, so that
even wrong application code cannot do it:

* ``show_seats`` holds each seat of a show exactly once (UNIQUE show_id, row_label, number), and
  CHECK constraints tie the status to its columns: RESERVED/SOLD ⇔ ``booking_id`` set, HELD ⇔
  ``hold_user_id`` and ``hold_expires_at`` set. A seat row can carry one booking id only.
* ``seat_sales`` has one row per *active* sale (RESERVED or SOLD) with the seat as its primary
  key, so "two active sales of one seat" is a statement one can write —
  ``INSERT INTO inventory.seat_sales`` a second row for a sold seat — and the database rejects it
  (unique violation). Releasing a sale deletes its row.
* Two deferred foreign keys keep both tables telling the same story: a seat's (id, booking_id)
  must be an active sale, and an active sale must match its seat's booking_id. Re-pointing a sold
  seat at another booking therefore fails at COMMIT unless the first sale is gone. They are
  DEFERRABLE INITIALLY DEFERRED so one statement (or transaction) can change both sides.

The unique (show_id, row_label, number) index also serves every "seats of a show" lookup, so
there is no separate index on show_id. Partial indexes serve "seats of a booking", "holds of a
user" and the hold cleanup job.
"""

from alembic import op

from svckit.outbox_tables import create_outbox_and_inbox_tables, drop_outbox_and_inbox_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE inventory.shows (
            show_id uuid PRIMARY KEY,
            screen_id uuid NOT NULL,
            currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
            start_time timestamptz NOT NULL,
            seat_count integer NOT NULL CHECK (seat_count > 0),
            opened_at timestamptz NOT NULL DEFAULT now()
        )"""
    )
    op.execute(
        """CREATE TABLE inventory.show_seats (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            show_id uuid NOT NULL REFERENCES inventory.shows (show_id),
            row_label text NOT NULL,
            number integer NOT NULL CHECK (number > 0),
            ordinal integer NOT NULL,
            tier text NOT NULL CHECK (tier IN ('REGULAR', 'PREMIUM', 'VIP')),
            price_minor bigint NOT NULL CHECK (price_minor >= 0),
            status text NOT NULL DEFAULT 'AVAILABLE'
                CHECK (status IN ('AVAILABLE', 'HELD', 'RESERVED', 'SOLD')),
            hold_user_id uuid,
            hold_expires_at timestamptz,
            booking_id uuid,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT show_seats_seat_once UNIQUE (show_id, row_label, number),
            CONSTRAINT show_seats_booked_has_booking
                CHECK ((status IN ('RESERVED', 'SOLD')) = (booking_id IS NOT NULL)),
            CONSTRAINT show_seats_held_has_holder
                CHECK ((status = 'HELD') = (hold_user_id IS NOT NULL)
                       AND (hold_user_id IS NULL) = (hold_expires_at IS NULL)),
            CONSTRAINT show_seats_id_booking UNIQUE (id, booking_id)
        )"""
    )
    op.execute(
        """CREATE TABLE inventory.seat_sales (
            show_seat_id uuid PRIMARY KEY,
            booking_id uuid NOT NULL,
            show_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT seat_sales_seat_booking UNIQUE (show_seat_id, booking_id),
            CONSTRAINT seat_sales_matches_seat FOREIGN KEY (show_seat_id, booking_id)
                REFERENCES inventory.show_seats (id, booking_id)
                DEFERRABLE INITIALLY DEFERRED
        )"""
    )
    op.execute(
        """ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_sale_recorded
            FOREIGN KEY (id, booking_id) REFERENCES inventory.seat_sales (show_seat_id, booking_id)
            DEFERRABLE INITIALLY DEFERRED"""
    )
    op.execute(
        "CREATE INDEX show_seats_booking_idx ON inventory.show_seats (booking_id)"
        " WHERE booking_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX show_seats_holder_idx ON inventory.show_seats (hold_user_id, show_id)"
        " WHERE hold_user_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX show_seats_hold_expiry_idx ON inventory.show_seats (hold_expires_at)"
        " WHERE status = 'HELD'"
    )
    op.execute("CREATE INDEX seat_sales_booking_idx ON inventory.seat_sales (booking_id)")
    create_outbox_and_inbox_tables(op, "inventory")


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op, "inventory")
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_sale_recorded")
    op.execute("DROP TABLE inventory.seat_sales")
    op.execute("DROP TABLE inventory.show_seats")
    op.execute("DROP TABLE inventory.shows")
