"""Inventory's show-scoped tables rebuilt as ``PARTITION BY HASH (show_id)``, for the tests.

Citus does not install here, but PostgreSQL's own hash partitioning imposes the same rule on
keys: every primary key and unique constraint must include the partition column (uniqueness is
checked inside one partition only). Running inventory's tests on this schema proves the seat
paths work when each show lives in one partition, as it will live on one Citus shard.

``partition_by_show`` runs right after the migrations, on empty tables: it reads the tables'
keys, checks, indexes, foreign keys and triggers from the catalog, recreates each table
partitioned with the same columns, then puts every one of those back under its own name, on the
parent and on each partition. A key without show_id fails right there.
"""

from __future__ import annotations

from typing import Any

import psycopg

from inventory.adapters.distribution import DISTRIBUTION_COLUMN, SCHEMA, SHOW_SCOPED_TABLES
from svckit.db import libpq_url

PARTITIONS = 4
# Partition r of every table lives in the schema inventory_p<r>, so that its constraints and
# indexes can carry the parent's names (names are unique per schema): a violation then names the
# constraint it names on an unpartitioned table.
PARTITION_SCHEMA = SCHEMA + "_p{remainder}"
_LIKE = "INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE"

_CONSTRAINTS = """SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    WHERE t.relnamespace = CAST(%(schema)s AS regnamespace) AND t.relname = ANY(%(tables)s)
      AND c.contype IN ('p', 'u', 'c', 'x', 'f')
    ORDER BY c.contype = 'f', c.oid"""
_INDEXES = """SELECT t.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
    WHERE t.relnamespace = CAST(%(schema)s AS regnamespace) AND t.relname = ANY(%(tables)s)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                      WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
    ORDER BY i.indexrelid"""
_TRIGGERS = """SELECT pg_get_triggerdef(g.oid)
    FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
    WHERE t.relnamespace = CAST(%(schema)s AS regnamespace) AND t.relname = ANY(%(tables)s)
      AND NOT g.tgisinternal
    ORDER BY g.oid"""


def partition_by_show(database_url: str, partitions: int = PARTITIONS) -> None:
    params = {"schema": SCHEMA, "tables": list(SHOW_SCOPED_TABLES)}
    with psycopg.connect(libpq_url(database_url)) as conn:
        constraints = conn.execute(_CONSTRAINTS, params).fetchall()
        indexes = conn.execute(_INDEXES, params).fetchall()
        triggers = [row[0] for row in conn.execute(_TRIGGERS, params).fetchall()]
        for table in SHOW_SCOPED_TABLES:
            conn.execute(
                f"CREATE TABLE {SCHEMA}.{table}_hashed (LIKE {SCHEMA}.{table} {_LIKE})"
                f" PARTITION BY HASH ({DISTRIBUTION_COLUMN})"
            )
        conn.execute("DROP TABLE " + ", ".join(f"{SCHEMA}.{t}" for t in SHOW_SCOPED_TABLES))
        for table in SHOW_SCOPED_TABLES:
            conn.execute(f"ALTER TABLE {SCHEMA}.{table}_hashed RENAME TO {table}")
        keys = [row for row in constraints if row[2] != "f"]
        for table, name, _, definition in keys:
            conn.execute(f"ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            conn.execute(definition)
        for remainder in range(partitions):
            conn.execute(f"CREATE SCHEMA {PARTITION_SCHEMA.format(remainder=remainder)}")
            for table in SHOW_SCOPED_TABLES:
                _attach(conn, table, remainder, partitions, keys, indexes)
        for table, name, kind, definition in constraints:
            if kind == "f":
                conn.execute(f"ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT {name} {definition}")
        for definition in triggers:
            conn.execute(definition)


def _attach(
    conn: psycopg.Connection[Any],
    table: str,
    remainder: int,
    partitions: int,
    keys: list[Any],
    indexes: list[Any],
) -> None:
    """One partition, built with the parent's constraint and index names before it is attached
    (ATTACH adopts matching ones), so a violation names the same constraint as on one table."""
    partition = f"{PARTITION_SCHEMA.format(remainder=remainder)}.{table}"
    conn.execute(f"CREATE TABLE {partition} (LIKE {SCHEMA}.{table} {_LIKE})")
    for owner, name, _, definition in keys:
        if owner == table:
            conn.execute(f"ALTER TABLE {partition} ADD CONSTRAINT {name} {definition}")
    for owner, definition in indexes:
        if owner == table:
            on = f" ON {SCHEMA}.{table} "
            assert on in definition, definition
            conn.execute(definition.replace(on, f" ON {partition} ", 1))
    conn.execute(
        f"ALTER TABLE {SCHEMA}.{table} ATTACH PARTITION {partition}"
        f" FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
    )
