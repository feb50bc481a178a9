"""Rooms (a show's waiting-room settings and its admission bookkeeping) and queue entries.

Revision ID: 0001
Revises:
Create Date: 2026-12-02

* ``entries`` has one row per user per show (primary key), so however many tabs join at once,
  a user has one place: every join is ``INSERT … ON CONFLICT DO NOTHING``.
* ``queue_key`` orders the queue: a random number below 2^62 for whoever joined before the
  on-sale (the lottery), 2^62 plus the join time in microseconds for whoever joined after
  (arrival order), so the lottery's entrants all come first. Ties break on user_id.
* ``admission_no`` numbers the admitted in the order they were let in (the room's
  ``admitted_total`` counter hands them out under the room's row lock), so "admission order
  equals queue order" can be checked from the table.
* ``rooms`` keeps the settings the room last read from catalog and the admission job's credit
  (people it may still let in at the rate), under one row lock per show.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE waitingroom.rooms (
            show_id uuid PRIMARY KEY,
            on_sale_at timestamptz NOT NULL,
            admit_per_minute integer NOT NULL CHECK (admit_per_minute > 0),
            max_active integer NOT NULL CHECK (max_active > 0),
            admit_credit double precision NOT NULL DEFAULT 0 CHECK (admit_credit >= 0),
            credited_at timestamptz,
            admitted_total bigint NOT NULL DEFAULT 0 CHECK (admitted_total >= 0),
            updated_at timestamptz NOT NULL DEFAULT now()
        )"""
    )
    op.execute(
        """CREATE TABLE waitingroom.entries (
            show_id uuid NOT NULL REFERENCES waitingroom.rooms (show_id),
            user_id uuid NOT NULL,
            joined_at timestamptz NOT NULL,
            queue_key bigint NOT NULL CHECK (queue_key >= 0),
            in_lottery boolean NOT NULL,
            admitted_at timestamptz,
            pass_expires_at timestamptz,
            admission_no bigint,
            PRIMARY KEY (show_id, user_id),
            CHECK ((admitted_at IS NULL) = (pass_expires_at IS NULL)),
            CHECK ((admitted_at IS NULL) = (admission_no IS NULL)),
            UNIQUE (show_id, admission_no)
        )"""
    )
    # The waiting, in queue order: positions, and the next people to admit.
    op.execute(
        """CREATE INDEX entries_waiting ON waitingroom.entries (show_id, queue_key, user_id)
           WHERE admitted_at IS NULL"""
    )
    # The admitted whose pass is still running: the room's active count.
    op.execute(
        """CREATE INDEX entries_passes ON waitingroom.entries (show_id, pass_expires_at)
           WHERE admitted_at IS NOT NULL"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE waitingroom.entries")
    op.execute("DROP TABLE waitingroom.rooms")
