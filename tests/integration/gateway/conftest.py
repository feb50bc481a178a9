"""The gateway in-process against real PostgreSQL (idempotency keys, real migrations) and fake
gRPC services on real servers (see fakes.py), driven over ASGI with httpx."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from gateway.app import create_app
from gateway.auth import TokenSettings, issue_token
from gateway.config import MIGRATIONS_DIR, SCHEMA, Config
from svckit.migrations import migrate
from tests.integration.gateway.fakes import USER, Fakes

JWT_SECRET = "gateway-integration-tests-secret-0123456789"
SETTINGS = TokenSettings(secret=JWT_SECRET, issuer="ticketing", audience="ticketing-api")

StartGateway = Callable[..., Awaitable[httpx.AsyncClient]]


def token(user_id: str = USER, roles: Iterable[str] = (), **kwargs: Any) -> str:
    return issue_token(SETTINGS, user_id, roles, **kwargs)


def auth(user_id: str = USER, roles: Iterable[str] = ()) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, roles)}"}


def app_of(client: httpx.AsyncClient) -> FastAPI:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app: FastAPI = transport.app  # type: ignore[assignment]
    return app


@pytest.fixture(scope="session")
def gateway_schema(database_url: str) -> str:
    migrate(database_url, MIGRATIONS_DIR, SCHEMA)
    return SCHEMA


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fakes() -> AsyncIterator[Fakes]:
    running = await Fakes.start()
    yield running
    await running.stop()


@pytest.fixture
def upstream(fakes: Fakes) -> Fakes:
    """The fakes, with behaviours and recorded calls of earlier tests forgotten."""
    fakes.reset()
    return fakes


@pytest_asyncio.fixture(loop_scope="session")
async def start_gateway(
    database_url: str, gateway_schema: str, upstream: Fakes, redis_url: str, rate_limit_prefix: str
) -> AsyncIterator[StartGateway]:
    """Start gateways (keyword overrides go to its Config; ``clock`` is what its anonymous seat
    maps age by); all are stopped after the test."""
    async with AsyncExitStack() as stack:

        async def start(
            *, clock: Callable[[], float] = time.monotonic, **overrides: Any
        ) -> httpx.AsyncClient:
            settings: dict[str, Any] = {
                "database_url": database_url,
                "jwt_secret": JWT_SECRET,
                "access_log": False,
                "rate_limit_per_minute": 0,
                "redis_url": redis_url,
                "rate_limit_key_prefix": rate_limit_prefix,
                "db_pool_size": 2,
                **upstream.addresses(),
            }
            settings.update(overrides)
            app = create_app(Config(**settings), clock=clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway")
            )

        yield start


@pytest_asyncio.fixture(loop_scope="session")
async def client(start_gateway: StartGateway) -> httpx.AsyncClient:
    return await start_gateway()
