"""A database of a test's own on the run's PostgreSQL server, dropped when the test is done.

The run's database (tests/conftest.py) and every whole-system fixture (e2e, browser, contract,
chaos) take one each, so their rows, connections and migrations never meet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (user, host and options kept)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextmanager
def own_database(server_url: str, prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>`` on the server of ``server_url`` (a libpq URL of any of its
    databases); yield its URL; drop it, with its connections, on the way out."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
