"""The chaos test's own system: two replicas of every service and two gateway workers, on a
database and AMQP prefix of its own, with short expiry windows (``scenario.CHAOS_ENV``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.chaos.scenario import chaos_system
from tests.support.system import SYSTEM_KEY, System


@pytest.fixture(scope="module")
def chaos_database_url(postgres_server_url: str) -> Iterator[str]:
    name = f"ticketing_chaos_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(postgres_server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def chaos_system_running(
    chaos_database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> Iterator[System]:
    running = chaos_system(
        chaos_database_url,
        amqp_url,
        f"{amqp_prefix}chaos.",
        tmp_path_factory.mktemp("chaos-logs"),
    )
    pytestconfig.stash[SYSTEM_KEY] = running
    try:
        running.start(timeout=150)
        yield running
    finally:
        running.stop()
        del pytestconfig.stash[SYSTEM_KEY]
