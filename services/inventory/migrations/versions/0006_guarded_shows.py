"""Each show remembers whether a waiting room guards it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

``shows.guarded``: set by OpenShow from catalog's ``waiting_room`` when the show is created.
Holding and reserving seats ask the waiting room for the user's pass only on a guarded show,
read with the show row the seat paths already read or lock; an unguarded show never calls the
waiting room and is unaffected by its outage.

No backfill: the guard is catalog's, in another schema (another database in production), so a
migration cannot read it. A show opened before this revision is unguarded here until catalog
opens it again with ``guarded`` set (OpenShow is idempotent; a repeated call can only turn the
guard on). The column has a constant default, so adding it rewrites no rows.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE inventory.shows ADD COLUMN guarded boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE inventory.shows DROP COLUMN guarded")
