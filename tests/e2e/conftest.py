"""One running system for the whole e2e session: every service, the simulator and the gateway as
real processes (``tests/support/system.py``) on a database and AMQP prefix of their own, migrated
and seeded with the demo catalog. A failing test's report carries the tail of every process log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.databases import own_database
from tests.support.system import SYSTEM_KEY, System

# E2E_REPLICAS=2 runs the suite against two replicas of every service and two gateway workers.
E2E_REPLICAS = "E2E_REPLICAS"

# Deadlines for a loaded 2-core CI machine running 200 concurrent requests through three
# processes: the tests assert outcomes (201/409, states), never speed. Modest connection pools,
# because the PostgreSQL server (max_connections 100 by default) may be shared with other runs.
E2E_ENV = {
    "GRPC_DEADLINE_SECONDS": "60",
    "UPSTREAM_DEADLINE_SECONDS": "30",
    "INVENTORY_DEADLINE_SECONDS": "30",
    "HEALTH_TIMEOUT_SECONDS": "5",
    "INVENTORY_DB_POOL_SIZE": "10",
    "CATALOG_DB_POOL_SIZE": "3",
    "DB_POOL_SIZE": "5",
}


@pytest.fixture(scope="session")
def e2e_database_url(postgres_server_url: str) -> Iterator[str]:
    """A database of the e2e system's own, so integration fixtures of the same run never share
    its rows or queues."""
    with own_database(postgres_server_url, "ticketing_e2e") as url:
        yield url


# Package scope: the system stops once tests/e2e is done, so it never shares the PostgreSQL
# server's connections with the benchmark smoke run that follows (tests/load).
@pytest.fixture(scope="package")
def system(
    e2e_database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> Iterator[System]:
    running = System(
        database_url=e2e_database_url,
        amqp_url=amqp_url,
        amqp_prefix=f"{amqp_prefix}e2e.",
        log_dir=tmp_path_factory.mktemp("e2e-logs"),
        extra_env=E2E_ENV,
        replicas=int(os.environ.get(E2E_REPLICAS, "1")),
    )
    pytestconfig.stash[SYSTEM_KEY] = running
    try:
        running.start(timeout=120)
        seeded = subprocess.run(
            [sys.executable, "-m", "catalog", "seed"],
            env=running.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, f"seed failed:\n{seeded.stdout}\n{seeded.stderr}"
        yield running
    finally:
        running.stop()
        del pytestconfig.stash[SYSTEM_KEY]


@pytest.fixture
async def api(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the gateway, sized for a couple of hundred concurrent requests."""
    async with httpx.AsyncClient(
        base_url=system.base_url,
        timeout=httpx.Timeout(90.0),
        limits=httpx.Limits(max_connections=300, max_keepalive_connections=300),
    ) as client:
        yield client
