"""Check-ins: one row per admitted ticket (a seat of a booking); its primary key is what makes a
second scan, however close in time, find the first one instead of admitting again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE booking.check_ins (
            booking_id uuid NOT NULL REFERENCES booking.bookings (id),
            seat_id uuid NOT NULL,
            checked_in_at timestamptz NOT NULL,
            checked_in_by uuid,
            PRIMARY KEY (booking_id, seat_id)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE booking.check_ins")
