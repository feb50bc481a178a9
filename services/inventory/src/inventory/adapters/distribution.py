"""Inventory's show-scoped tables, distributed by show_id when the database is Citus.

Every seat transaction and seat map touches one show, so on Citus the three show-scoped tables
are hash-distributed by ``show_id`` and colocated: a show's row, its seats and its sales live on
one shard group, and each seat statement (which names the show) runs on one worker. Their keys
all include show_id (revision 0003), which is what Citus requires of a distributed table.

``inventory migrate`` runs this after the revisions (migrations/env.py), on every run, so a
database that gains the ``citus`` extension later is distributed on its next migrate. On plain
PostgreSQL it only looks at pg_extension and does nothing.

What is left before production runs on Citus: three seat statements do not name a show, so on
Citus they would span shards, where it refuses ``FOR UPDATE``: confirming or releasing a
booking's seats (ConfirmSeats and ReleaseSeats carry only the booking id, though the booking
events carry the show), releasing a user's holds on every show, and the expired-hold cleanup
(which would run per shard). The outbox and inbox tables stay local to the coordinator. The
seat-change trigger (revision 0004) would fire on the workers' shards, whose NOTIFYs the
gateway, listening on the coordinator, does not hear: the seat stream needs another feed there.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from svckit.db import psycopg_url

SCHEMA = "inventory"
SHOW_SCOPED_TABLES = ("shows", "show_seats", "seat_sales")
"""Every table of the schema that holds rows of one show; the first is the colocation anchor."""
DISTRIBUTION_COLUMN = "show_id"

# Citus accepts a foreign key between distributed tables only once both are distributed and
# colocated; these two point at each other, so they are set aside while the tables are
# distributed one by one, then added back as they were.
_CROSS_KEYS = (
    ("show_seats", "show_seats_sale_recorded"),
    ("seat_sales", "seat_sales_matches_seat"),
)


def distribute_by_show(database_url: str) -> list[str]:
    """Distribute the show-scoped tables of the database at ``database_url`` if it has Citus."""
    engine = sa.create_engine(psycopg_url(database_url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            return distribute(connection)
    finally:
        engine.dispose()


def distribute(connection: sa.Connection, *, citus: bool | None = None) -> list[str]:
    """The tables this call distributed: none without Citus or when all are distributed already.

    ``citus`` overrides the pg_extension check (tests stand in Citus's functions).
    """
    if citus is None:
        citus = bool(
            connection.execute(
                sa.text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            ).scalar()
        )
    if not citus:
        return []
    pending = [table for table in SHOW_SCOPED_TABLES if not _distributed(connection, table)]
    if not pending:
        return []
    cross_keys = [(table, name, _definition(connection, name)) for table, name in _CROSS_KEYS]
    for table, name, _ in cross_keys:
        connection.execute(sa.text(f"ALTER TABLE {SCHEMA}.{table} DROP CONSTRAINT {name}"))
    anchor = f"{SCHEMA}.{SHOW_SCOPED_TABLES[0]}"
    for table in pending:
        qualified = f"{SCHEMA}.{table}"
        connection.execute(
            sa.text(
                "SELECT create_distributed_table(CAST(:table AS regclass), :column,"
                " colocate_with => :colocate)"
            ),
            {
                "table": qualified,
                "column": DISTRIBUTION_COLUMN,
                "colocate": "default" if qualified == anchor else anchor,
            },
        )
    for table, name, definition in cross_keys:
        connection.execute(
            sa.text(f"ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT {name} {definition}")
        )
    return pending


def _distributed(connection: sa.Connection, table: str) -> bool:
    return bool(
        connection.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM pg_dist_partition"
                " WHERE logicalrelid = CAST(:table AS regclass))"
            ),
            {"table": f"{SCHEMA}.{table}"},
        ).scalar()
    )


def _definition(connection: sa.Connection, constraint: str) -> str:
    definition = connection.execute(
        sa.text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = :name AND connamespace = CAST(:schema AS regnamespace)"
        ),
        {"name": constraint, "schema": SCHEMA},
    ).scalar()
    if not isinstance(definition, str):
        raise RuntimeError(f"{SCHEMA}: constraint {constraint} is missing")
    return definition
