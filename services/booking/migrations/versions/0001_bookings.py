"""Bookings with their seat lines, status history, and the outbox / processed-messages tables.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from alembic import op

from svckit.outbox_tables import create_outbox_and_inbox_tables, drop_outbox_and_inbox_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = "('PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'REFUNDED')"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE booking.bookings (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            show_id uuid NOT NULL,
            status text NOT NULL CHECK (status IN {STATUSES}),
            status_reason text NOT NULL DEFAULT '',
            total_minor bigint NOT NULL CHECK (total_minor >= 0),
            currency text NOT NULL,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            movie_id text NOT NULL,
            movie_title text NOT NULL,
            theatre_id text NOT NULL,
            theatre_name text NOT NULL,
            city text NOT NULL,
            screen_id text NOT NULL,
            screen_name text NOT NULL,
            show_start_time timestamptz NOT NULL,
            payment_status text NOT NULL DEFAULT 'NONE',
            payment_id text NOT NULL DEFAULT '',
            payment_amount_minor bigint,
            payment_currency text,
            payment_refunded_minor bigint NOT NULL DEFAULT 0,
            seats_archived_at timestamptz
        )
        """
    )
    # A user's bookings newest first (list, pagination by (created_at, id)).
    op.execute(
        "CREATE INDEX bookings_user_newest_idx"
        " ON booking.bookings (user_id, created_at DESC, id DESC)"
    )
    # The expiry sweeper reads only overdue PENDING rows.
    op.execute(
        "CREATE INDEX bookings_pending_expiry_idx ON booking.bookings (expires_at)"
        " WHERE status = 'PENDING'"
    )
    # Archival reads closed bookings whose seat lines are still there.
    op.execute(
        "CREATE INDEX bookings_closed_unarchived_idx ON booking.bookings (created_at)"
        " WHERE status IN ('EXPIRED', 'CANCELLED') AND seats_archived_at IS NULL"
    )
    op.execute(
        """
        CREATE TABLE booking.booking_seats (
            booking_id uuid NOT NULL REFERENCES booking.bookings (id) ON DELETE CASCADE,
            seat_id uuid NOT NULL,
            row_label text NOT NULL,
            number integer NOT NULL,
            tier text NOT NULL,
            price_minor bigint NOT NULL CHECK (price_minor >= 0),
            PRIMARY KEY (booking_id, seat_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE booking.booking_history (
            id bigserial PRIMARY KEY,
            booking_id uuid NOT NULL REFERENCES booking.bookings (id) ON DELETE CASCADE,
            from_status text,
            to_status text NOT NULL,
            reason text NOT NULL,
            at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX booking_history_booking_idx ON booking.booking_history (booking_id, id)"
    )
    create_outbox_and_inbox_tables(op, "booking")


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op, "booking")
    op.execute("DROP TABLE IF EXISTS booking.booking_history")
    op.execute("DROP TABLE IF EXISTS booking.booking_seats")
    op.execute("DROP TABLE IF EXISTS booking.bookings")
