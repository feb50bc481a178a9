"""Inventory's schema obeys the rule of tables distributed by show: every key includes show_id.

Read from the catalog of the migrated schema (plain and hash-partitioned, see conftest), so a
future revision that adds a key without show_id fails here. Citus itself does not install on this
machine; its two functions that ``inventory migrate`` calls are stood in for by a stub that also
enforces Citus's order rule for foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from inventory.adapters.distribution import SCHEMA, SHOW_SCOPED_TABLES, distribute
from svckit.db import psycopg_url

pytestmark = pytest.mark.integration

KEYS = """SELECT t.relname, c.conname, c.contype,
        ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
        r.relname,
        ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    LEFT JOIN pg_class r ON r.oid = c.confrelid
    WHERE c.connamespace = CAST(:schema AS regnamespace) AND c.contype IN ('p', 'u', 'f', 'x')
      AND c.conparentid = 0
      AND (t.relname = ANY(:tables) OR r.relname = ANY(:tables))"""
# Unique indexes that back no constraint are keys as well.
UNIQUE_INDEXES = """SELECT t.relname, x.relname,
        ARRAY(SELECT a.attname::text FROM unnest(i.indkey) k(attnum)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
    WHERE t.relnamespace = CAST(:schema AS regnamespace) AND i.indisunique
      AND t.relname = ANY(:tables)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
TABLES_WITH_SHOW_ID = """SELECT t.relname, t.relkind FROM pg_class t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = 'show_id' AND NOT a.attisdropped
    WHERE t.relnamespace = CAST(:schema AS regnamespace) AND t.relkind IN ('r', 'p')
      AND NOT t.relispartition"""

# Citus's functions as the migration uses them, recording what they were asked to do, and
# refusing, like Citus, a foreign key between a distributed table and one that is not.
CITUS_STUB = """
CREATE SCHEMA citus_stub;
CREATE TABLE citus_stub.pg_dist_partition (
    logicalrelid regclass, distribution_column text, colocate_with text, n serial);
CREATE FUNCTION citus_stub.create_distributed_table(
    table_name regclass, distribution_column text, colocate_with text DEFAULT 'default')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0
               AND ((c.conrelid = table_name AND c.confrelid <> table_name AND c.confrelid
                     NOT IN (SELECT logicalrelid FROM citus_stub.pg_dist_partition))
                 OR (c.confrelid = table_name AND c.conrelid <> table_name AND c.conrelid
                     IN (SELECT logicalrelid FROM citus_stub.pg_dist_partition)))) THEN
        RAISE EXCEPTION 'foreign key between distributed and local table %', table_name;
    END IF;
    INSERT INTO citus_stub.pg_dist_partition (logicalrelid, distribution_column, colocate_with)
    VALUES (table_name, distribution_column, colocate_with);
END $$;
SET LOCAL search_path TO citus_stub, public;
"""


@pytest.fixture
def connection(database_url: str, inventory_schema: str) -> Iterator[sa.Connection]:
    """A transaction on the migrated schema, rolled back afterwards."""
    engine = sa.create_engine(psycopg_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            yield conn
            transaction.rollback()
    finally:
        engine.dispose()


def _params() -> dict[str, object]:
    return {"schema": SCHEMA, "tables": list(SHOW_SCOPED_TABLES)}


def test_every_key_of_a_show_scoped_table_includes_show_id(connection: sa.Connection) -> None:
    keys = connection.execute(sa.text(KEYS), _params()).all()
    without = []
    for table, name, kind, columns, referenced, referenced_columns in keys:
        if kind == "f":
            # show_id on both sides, matched to each other: the rows meet on one shard.
            if dict(zip(columns, referenced_columns, strict=True)).get("show_id") != "show_id":
                without.append(f"{table}.{name} → {referenced}{tuple(referenced_columns)}")
        elif "show_id" not in columns:
            without.append(f"{table}.{name} {tuple(columns)}")
    for table, name, columns in connection.execute(sa.text(UNIQUE_INDEXES), _params()).all():
        if "show_id" not in columns:
            without.append(f"{table}.{name} (unique index) {tuple(columns)}")
    assert without == []
    kinds = {kind for _, _, kind, *_ in keys}
    assert kinds >= {"p", "u", "f"}, "the catalog query found the keys"


def test_the_show_scoped_tables_are_every_table_that_has_a_show_id(
    connection: sa.Connection, database_url: str
) -> None:
    found = {row[0]: row[1] for row in connection.execute(sa.text(TABLES_WITH_SHOW_ID), _params())}
    assert set(found) == set(SHOW_SCOPED_TABLES)
    partitioned = database_url.endswith("_hashed")
    assert set(found.values()) == ({"p"} if partitioned else {"r"})


def test_without_citus_migrate_distributes_nothing(connection: sa.Connection) -> None:
    assert distribute(connection) == []


def test_on_citus_the_show_scoped_tables_are_distributed_by_show_and_colocated(
    connection: sa.Connection,
) -> None:
    before = connection.execute(sa.text(KEYS), _params()).all()
    connection.execute(sa.text(CITUS_STUB))

    assert distribute(connection, citus=True) == list(SHOW_SCOPED_TABLES)

    calls = connection.execute(
        sa.text(
            "SELECT logicalrelid::text, distribution_column, colocate_with"
            " FROM citus_stub.pg_dist_partition ORDER BY n"
        )
    ).all()
    anchor = f"{SCHEMA}.{SHOW_SCOPED_TABLES[0]}"
    assert [tuple(call) for call in calls] == [
        (f"{SCHEMA}.{table}", "show_id", "default" if index == 0 else anchor)
        for index, table in enumerate(SHOW_SCOPED_TABLES)
    ]
    # The foreign keys set aside while distributing are back, as they were.
    assert sorted(connection.execute(sa.text(KEYS), _params()).all()) == sorted(before)
    # A second migrate finds everything distributed and does nothing.
    assert distribute(connection, citus=True) == []
