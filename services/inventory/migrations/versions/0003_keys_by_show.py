"""Every key of the show-scoped tables leads with show_id, the rule of a table distributed by show.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Every seat transaction and every seat map touches one show, so inventory distributes its
show-scoped tables (shows, show_seats, seat_sales) by ``show_id``: Citus shards them by it, and
PostgreSQL's own hash partitioning (the tests run on it) imposes the same rule, that each
primary key, unique constraint and foreign key includes the distribution column, because
uniqueness is only checked within one shard or partition. So:

* ``show_seats``: primary key (show_id, id); the (id, booking_id) key the sale ledger refers to
  becomes (show_id, id, booking_id). Seat ids stay random uuids, unique in practice; a plain
  index on ``id`` serves the one lookup by id alone (naming the seats of another show a request
  mentioned, an error path).
* ``seat_sales``: primary key (show_id, show_seat_id), still one active sale per seat; its
  (seat, booking) key becomes (show_id, show_seat_id, booking_id).
* The two deferred foreign keys between them match on show_id as well, so a sale can no longer
  name a seat of another show. ``shows`` (show_id) and show_seats → shows already comply.

The guards are the same as before: a seat row carries one booking id, a sold seat has exactly one
sale row, and the two tables agree at COMMIT.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _drop_cross_keys()
    op.execute("ALTER TABLE inventory.seat_sales DROP CONSTRAINT seat_sales_seat_booking")
    op.execute("ALTER TABLE inventory.seat_sales DROP CONSTRAINT seat_sales_pkey")
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_id_booking")
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_pkey")
    op.execute(
        "ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_pkey PRIMARY KEY (show_id, id)"
    )
    op.execute(
        "ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_id_booking"
        " UNIQUE (show_id, id, booking_id)"
    )
    op.execute("CREATE INDEX show_seats_id_idx ON inventory.show_seats (id)")
    op.execute(
        "ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_pkey"
        " PRIMARY KEY (show_id, show_seat_id)"
    )
    op.execute(
        "ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_seat_booking"
        " UNIQUE (show_id, show_seat_id, booking_id)"
    )
    op.execute(
        """ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_matches_seat
            FOREIGN KEY (show_id, show_seat_id, booking_id)
            REFERENCES inventory.show_seats (show_id, id, booking_id)
            DEFERRABLE INITIALLY DEFERRED"""
    )
    op.execute(
        """ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_sale_recorded
            FOREIGN KEY (show_id, id, booking_id)
            REFERENCES inventory.seat_sales (show_id, show_seat_id, booking_id)
            DEFERRABLE INITIALLY DEFERRED"""
    )


def downgrade() -> None:
    _drop_cross_keys()
    op.execute("ALTER TABLE inventory.seat_sales DROP CONSTRAINT seat_sales_seat_booking")
    op.execute("ALTER TABLE inventory.seat_sales DROP CONSTRAINT seat_sales_pkey")
    op.execute("DROP INDEX inventory.show_seats_id_idx")
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_id_booking")
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_pkey")
    op.execute("ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_pkey PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_id_booking"
        " UNIQUE (id, booking_id)"
    )
    op.execute(
        "ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_pkey PRIMARY KEY (show_seat_id)"
    )
    op.execute(
        "ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_seat_booking"
        " UNIQUE (show_seat_id, booking_id)"
    )
    op.execute(
        """ALTER TABLE inventory.seat_sales ADD CONSTRAINT seat_sales_matches_seat
            FOREIGN KEY (show_seat_id, booking_id) REFERENCES inventory.show_seats (id, booking_id)
            DEFERRABLE INITIALLY DEFERRED"""
    )
    op.execute(
        """ALTER TABLE inventory.show_seats ADD CONSTRAINT show_seats_sale_recorded
            FOREIGN KEY (id, booking_id) REFERENCES inventory.seat_sales (show_seat_id, booking_id)
            DEFERRABLE INITIALLY DEFERRED"""
    )


def _drop_cross_keys() -> None:
    """The foreign keys between seats and sales depend on the keys being replaced."""
    op.execute("ALTER TABLE inventory.show_seats DROP CONSTRAINT show_seats_sale_recorded")
    op.execute("ALTER TABLE inventory.seat_sales DROP CONSTRAINT seat_sales_matches_seat")
