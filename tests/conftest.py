"""Real PostgreSQL and RabbitMQ for every test run.

From TEST_DATABASE_URL / TEST_AMQP_URL when set (CI and this machine), otherwise started with
testcontainers (a developer laptop with Docker). Each run creates its own database, dropped at
the end, and its own AMQP name prefix, so concurrent runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator

import pytest

from tests.support.databases import own_database
from tests.support.system import SYSTEM_KEY


def _plain(url: str) -> str:
    """libpq form of a URL that may carry a SQLAlchemy driver suffix."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield _plain(configured)
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield container.get_connection_url()


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A database of this run's own (postgresql:// form), dropped when the run ends."""
    with own_database(postgres_server_url, "ticketing_test") as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    configured = os.environ.get("TEST_AMQP_URL")
    if configured:
        yield configured
        return
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13-management-alpine") as container:
        params = container.get_connection_params()
        yield f"amqp://guest:guest@{params.host}:{params.port}/"


@pytest.fixture(scope="session")
def amqp_prefix(amqp_url: str) -> Iterator[str]:
    """Exchange and queue name prefix of this run; the services' topology under it is deleted
    when the run ends (names tests make up themselves are deleted by their fixtures)."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    yield prefix
    from tests.support.broker_cleanup import delete_topology_sync

    delete_topology_sync(amqp_url, prefix)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the gateways share their rate-limit buckets in (TEST_REDIS_URL, else local)."""
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def rate_limit_prefix() -> str:
    """This run's Redis key prefix; its buckets expire on their own a minute after last use."""
    return f"t{uuid.uuid4().hex[:8]}:ratelimit:"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test that fails against a whole running system carries the tail of every process's log."""
    report: pytest.TestReport = yield
    running = item.config.stash.get(SYSTEM_KEY, None)
    if report.failed and running is not None:
        report.sections.append(("system logs (tail of every process)", running.all_logs(tail=60)))
    return report
