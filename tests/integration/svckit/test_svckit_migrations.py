"""Migrations: replicas starting together both succeed; the version table lives in the schema."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from svckit.migrations import migrate

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).parent / "fixtures" / "migrations"

MIGRATE = (
    "import sys; from pathlib import Path; from svckit.migrations import migrate; "
    "migrate(sys.argv[1], Path(sys.argv[2]), sys.argv[3])"
)


async def migrate_in_subprocess(database_url: str, schema: str) -> tuple[int, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MIGRATE,
        database_url,
        str(MIGRATIONS),
        schema,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return await process.wait(), output


def tables_named(database_url: str, table: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s",
            (table,),
        ).fetchall()
    return sorted(schema for (schema,) in rows)


async def test_two_processes_migrating_the_same_schema_at_once_both_succeed(
    database_url: str,
) -> None:
    schema = f"svckit_race_{uuid.uuid4().hex[:8]}"

    results = await asyncio.gather(
        migrate_in_subprocess(database_url, schema), migrate_in_subprocess(database_url, schema)
    )

    for code, output in results:
        assert code == 0, output.decode()
    assert schema in tables_named(database_url, "alembic_version")
    assert "public" not in tables_named(database_url, "alembic_version")
    assert schema in tables_named(database_url, "outbox")
    with psycopg.connect(database_url) as conn:
        version = conn.execute(f'SELECT version_num FROM "{schema}".alembic_version').fetchall()
    assert version == [("0001",)]


def test_migrating_again_is_a_no_op(database_url: str, probe_schema: str) -> None:
    migrate(database_url, MIGRATIONS, probe_schema)

    with psycopg.connect(database_url) as conn:
        version = conn.execute(
            f'SELECT version_num FROM "{probe_schema}".alembic_version'
        ).fetchall()
    assert version == [("0001",)]


def test_schema_names_are_validated(database_url: str) -> None:
    with pytest.raises(ValueError, match="invalid schema name"):
        migrate(database_url, MIGRATIONS, 'evil"; DROP SCHEMA public; --')
