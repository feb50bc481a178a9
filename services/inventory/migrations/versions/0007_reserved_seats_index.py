"""Index the RESERVED seats by when they were reserved, for the stale-reservation read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

ListStaleReservations asks, across every show, for the seats RESERVED since before a cutoff
(booking's housekeeping releases those of bookings it never stored). A RESERVED seat keeps the
``updated_at`` of its reservation until it is sold or released, so this partial index on
``updated_at`` holds only the seats reserved right now (a few per pending booking, none of the
AVAILABLE or SOLD bulk), and the range below the cutoff, nearly empty in normal operation, costs
what it holds instead of a scan of the seats table.

The index is not unique, so the rule of the show-distributed tables (every key includes
show_id, revision 0003) does not apply to it; on Citus each shard gets its own.

It is built ``CONCURRENTLY``: seat writes go on while a big seats table is scanned. That cannot
run in a transaction, hence the autocommit block; an interrupted build leaves an invalid index
behind, which the next run drops before building it again.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS inventory.show_seats_reserved_since_idx")
        op.execute(
            "CREATE INDEX CONCURRENTLY show_seats_reserved_since_idx"
            " ON inventory.show_seats (updated_at) WHERE status = 'RESERVED'"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS inventory.show_seats_reserved_since_idx")
