"""A show's on-sale time and its waiting room (rate and cap), both optional.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

A show without them behaves as before. The waiting room's two numbers come together or not at
all, and a waiting room needs an on-sale time to open its queue at.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """ALTER TABLE catalog.shows
            ADD COLUMN on_sale_at timestamptz,
            ADD COLUMN admit_per_minute integer CHECK (admit_per_minute > 0),
            ADD COLUMN max_active integer CHECK (max_active > 0),
            ADD CONSTRAINT shows_waiting_room_whole
                CHECK ((admit_per_minute IS NULL) = (max_active IS NULL)),
            ADD CONSTRAINT shows_waiting_room_has_on_sale
                CHECK (admit_per_minute IS NULL OR on_sale_at IS NOT NULL)"""
    )


def downgrade() -> None:
    op.execute(
        """ALTER TABLE catalog.shows
            DROP COLUMN on_sale_at, DROP COLUMN admit_per_minute, DROP COLUMN max_active"""
    )
