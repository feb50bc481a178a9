"""Start the services in-process for integration tests: real servers on port 0, real migrations.

Shared by every service's tests; each section belongs to its service's owner, keep it additive.
"""

from __future__ import annotations

import importlib
from typing import Any


def migrate_schema(database_url: str, service: str) -> None:
    """Bring ``service``'s schema to its newest revision, as ``python -m <service> migrate``."""
    from svckit.migrations import migrate

    info = importlib.import_module(f"{service}.config").SERVICE
    migrate(database_url, info.migrations, info.schema)


# --- booking -----------------------------------------------------------------------------------


def migrate_booking(database_url: str) -> None:
    migrate_schema(database_url, "booking")


def booking_config(
    database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    *,
    catalog_addr: str,
    inventory_addr: str,
    **overrides: Any,
) -> Any:
    """A booking Config for tests: port 0, no metrics port, fast outbox and sweeper."""
    from booking.config import Config

    settings: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "amqp_prefix": amqp_prefix,
        "grpc_port": 0,
        "metrics_port": 0,
        "catalog_addr": catalog_addr,
        "inventory_addr": inventory_addr,
        "outbox_poll_interval_seconds": 0.05,
        "expiry_sweep_seconds": 0.5,
        "db_pool_size": 5,
    }
    settings.update(overrides)
    return Config(**settings)


async def start_booking(
    database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    *,
    catalog_addr: str,
    inventory_addr: str,
    **overrides: Any,
) -> Any:
    """A started booking App (call `await app.stop()`); the schema must be migrated already."""
    from booking.bootstrap import create_app

    config = booking_config(
        database_url,
        amqp_url,
        amqp_prefix,
        catalog_addr=catalog_addr,
        inventory_addr=inventory_addr,
        **overrides,
    )
    app = await create_app(config)
    await app.start()
    return app


# --- inventory ---------------------------------------------------------------------------------


def migrate_inventory(database_url: str) -> None:
    migrate_schema(database_url, "inventory")


def inventory_config(database_url: str, amqp_url: str, amqp_prefix: str, **overrides: Any) -> Any:
    """An inventory Config for tests: port 0, no metrics port, a small pool."""
    from inventory.config import Config

    settings: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "amqp_prefix": amqp_prefix,
        "grpc_port": 0,
        "metrics_port": 0,
        "db_pool_size": 5,
    }
    settings.update(overrides)
    return Config(**settings)


async def start_inventory(
    database_url: str, amqp_url: str, amqp_prefix: str, **overrides: Any
) -> Any:
    """A started inventory App (call `await app.stop()`); the schema must be migrated already.

    It consumes `inventory.booking-events` unless `consume_events=False` is passed.
    """
    from inventory.bootstrap import create_app

    app = await create_app(inventory_config(database_url, amqp_url, amqp_prefix, **overrides))
    await app.start()
    return app


# --- payment and the payment simulator --------------------------------------------------------

PAYMENT_WEBHOOK_SECRET = "whsec_ticketing_tests"


def migrate_payment(database_url: str) -> None:
    migrate_schema(database_url, "payment")


def payment_config(
    database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    *,
    booking_addr: str,
    provider_url: str,
    **overrides: Any,
) -> Any:
    """A payment Config for tests: port 0, no metrics port, fast outbox and refund retries."""
    from payment.config import Config

    settings: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "amqp_prefix": amqp_prefix,
        "grpc_port": 0,
        "metrics_port": 0,
        "env": "development",
        "booking_addr": booking_addr,
        "provider_url": provider_url,
        "webhook_secrets": (PAYMENT_WEBHOOK_SECRET,),
        "outbox_poll_interval_seconds": 0.05,
        "refund_retry_interval_seconds": 0.2,
        "refund_retry_max_seconds": 2.0,
    }
    settings.update(overrides)
    return Config(**settings)


async def start_payment(
    database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    *,
    booking_addr: str,
    provider_url: str,
    **overrides: Any,
) -> Any:
    """A started payment App (call `await app.stop()`); the schema must be migrated already."""
    from payment.bootstrap import create_app

    config = payment_config(
        database_url,
        amqp_url,
        amqp_prefix,
        booking_addr=booking_addr,
        provider_url=provider_url,
        **overrides,
    )
    app = await create_app(config)
    await app.start()
    return app


class UvicornServer:
    """An ASGI app served by a real uvicorn on a free port, in a background task."""

    def __init__(self, app: Any, sock: Any) -> None:
        import uvicorn

        self.app = app
        self._sock = sock
        self.port: int = sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        )
        self._task: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def bind() -> Any:
        """A listening socket on a free port, so the URL is known before the app is built."""
        import socket

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        return sock

    @classmethod
    async def start(cls, app: Any, sock: Any = None) -> UvicornServer:
        import asyncio

        from tests.support.wait import eventually

        server = cls(app, sock or cls.bind())
        server._task = asyncio.create_task(server._server.serve(sockets=[server._sock]))

        async def started() -> bool:
            if server._task.done():
                server._task.result()
            return bool(server._server.started)

        await eventually(started, timeout=10, message="uvicorn did not start")
        return server

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


async def start_simulator(webhook_url: str, **overrides: Any) -> UvicornServer:
    """The payment simulator on a free port (``server.app.state.store`` / ``.webhooks`` inside).

    Webhooks go to ``webhook_url``, signed with PAYMENT_WEBHOOK_SECRET, retried quickly.
    """
    from payment_simulator.app import create_app
    from payment_simulator.config import Settings

    sock = UvicornServer.bind()
    settings: dict[str, Any] = {
        "webhook_secrets": (PAYMENT_WEBHOOK_SECRET,),
        "host": "127.0.0.1",
        "port": sock.getsockname()[1],
        "public_url": f"http://127.0.0.1:{sock.getsockname()[1]}",
        "webhook_url": webhook_url,
        "webhook_initial_backoff_seconds": 0.05,
        "webhook_max_backoff_seconds": 0.5,
        "webhook_max_attempts": 8,
    }
    settings.update(overrides)
    return await UvicornServer.start(create_app(Settings(**settings)), sock)


# --- catalog -----------------------------------------------------------------------------------


def migrate_catalog(database_url: str) -> None:
    migrate_schema(database_url, "catalog")


def catalog_config(database_url: str, *, inventory_addr: str, **overrides: Any) -> Any:
    """A catalog Config for tests: port 0, no metrics port, a small pool, quick retries."""
    from catalog.config import Config

    settings: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": 0,
        "inventory_addr": inventory_addr,
        "db_pool_size": 3,
        "inventory_deadline_seconds": 5.0,
        "open_show_attempts": 2,
    }
    settings.update(overrides)
    return Config(**settings)


async def start_catalog(database_url: str, *, inventory_addr: str, **overrides: Any) -> Any:
    """A started catalog App (call `await app.stop()`); the schema must be migrated already.

    Shows it creates are opened in the inventory at `inventory_addr` (e.g. a started inventory
    App's `f"127.0.0.1:{app.port}"`).
    """
    from catalog.bootstrap import create_app

    app = await create_app(catalog_config(database_url, inventory_addr=inventory_addr, **overrides))
    await app.start()
    return app
