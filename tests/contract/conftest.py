"""The whole system as processes (as in tests/e2e), on a database of the contract test's own: the
contract test creates movies and shows by the hundred, which the e2e tests must never see. No demo
seed: the test makes the few rows it needs through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import E2E_ENV
from tests.support.databases import own_database
from tests.support.system import System


@pytest.fixture(scope="package")
def contract_database_url(postgres_server_url: str) -> Iterator[str]:
    with own_database(postgres_server_url, "ticketing_contract") as url:
        yield url


@pytest.fixture(scope="package")
def contract_system(
    contract_database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    running = System(
        database_url=contract_database_url,
        amqp_url=amqp_url,
        amqp_prefix=f"{amqp_prefix}contract.",
        log_dir=tmp_path_factory.mktemp("contract-logs"),
        # Schemathesis sends a few hundred holds and bookings as one user in a minute.
        extra_env={**E2E_ENV, "RATE_LIMIT_PER_MINUTE": "0"},
    )
    try:
        running.start(timeout=120)
        yield running
    finally:
        running.stop()
