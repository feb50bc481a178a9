"""Alembic, one schema per service, safe to start from several replicas at once.

``migrate`` holds a session-level advisory lock (keyed by the schema) on a dedicated connection
for the whole upgrade: a second process blocks there, then finds the schema at head and does
nothing. Without it two replicas starting together would both try ``CREATE TABLE`` and one would
crash. The alembic version table lives inside the service's schema, so services sharing one
database never see each other's revisions.

Each service's ``migrations/env.py`` is just::

    from svckit.migrations import run_env

    run_env()
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.pool import NullPool

from svckit.db import advisory_lock_key, psycopg_url, quote_schema

__all__ = ["migrate", "run_env", "target_schema"]

SCHEMA_ATTRIBUTE = "svckit.schema"
URL_ATTRIBUTE = "svckit.url"


def _alembic_config(migrations_dir: Path, url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes[SCHEMA_ATTRIBUTE] = schema
    config.attributes[URL_ATTRIBUTE] = url
    return config


def migrate(database_url: str, migrations_dir: Path, schema: str) -> None:
    """Create ``schema`` if needed and upgrade it to head, serialised by an advisory lock."""
    quoted = quote_schema(schema)
    url = psycopg_url(database_url)
    rendered = url.render_as_string(hide_password=False)
    engine = sa.create_engine(url, poolclass=NullPool)
    key = advisory_lock_key(f"svckit.migrations:{schema}")
    try:
        with engine.connect() as lock_conn:
            lock_conn = lock_conn.execution_options(isolation_level="AUTOCOMMIT")
            lock_conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                lock_conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
                command.upgrade(_alembic_config(migrations_dir, rendered, schema), "head")
            finally:
                lock_conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


def target_schema() -> str:
    """The schema being migrated, for revision scripts shared by several schemas (tests)."""
    schema = context.config.attributes.get(SCHEMA_ATTRIBUTE)
    if not isinstance(schema, str):
        raise RuntimeError("target_schema() works only inside svckit.migrations.migrate()")
    return schema


def run_env() -> None:
    """The body of a service's ``env.py``: migrate the schema and URL that ``migrate`` passed.

    ``search_path`` is set to the service schema so unqualified names in revisions land there,
    and the version table is pinned to it explicitly.
    """
    config = context.config
    schema = config.attributes.get(SCHEMA_ATTRIBUTE)
    url = config.attributes.get(URL_ATTRIBUTE)
    if not isinstance(schema, str) or not isinstance(url, str):
        raise RuntimeError("run migrations with svckit.migrations.migrate(), not the alembic CLI")
    quoted = quote_schema(schema)

    if context.is_offline_mode():
        context.configure(
            url=url,
            version_table_schema=schema,
            literal_binds=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"SET search_path TO {quoted}, public"))
            connection.commit()
            connection.dialect.default_schema_name = schema
            context.configure(
                connection=connection,
                version_table_schema=schema,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
