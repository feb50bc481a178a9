"""Index the taken seats of a show, for seat maps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

A seat map reads a show's layout once (it never changes) and afterwards only the seats that are
not AVAILABLE. This partial index makes that read cost what is taken, not the size of the show:
nothing for a fresh 10,000-seat show.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX show_seats_taken_idx ON inventory.show_seats (show_id)"
        " WHERE status <> 'AVAILABLE'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX inventory.show_seats_taken_idx")
