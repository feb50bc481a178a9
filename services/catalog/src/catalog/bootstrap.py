"""The composition root: the only module that sees every layer of catalog."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.adapters.inventory_client import GrpcInventoryGateway
from catalog.adapters.unit_of_work import SqlUnitOfWork
from catalog.config import Config
from catalog.entrypoints.errors import ERROR_TABLE
from catalog.entrypoints.grpc_servicer import CatalogServicer
from catalog.entrypoints.jobs import show_opener_job
from catalog.service_layer.ports import UnitOfWork
from catalog.service_layer.services import CatalogService
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server, serve_until_signal
from svckit.jobs import PeriodicJob
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2

SERVICE_NAME = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name


def utc_now() -> datetime:
    return datetime.now(UTC)


class App:
    """The gRPC server plus the job that opens shows inventory missed."""

    def __init__(
        self,
        *,
        config: Config,
        engine: AsyncEngine,
        server: grpc.aio.Server,
        port: int,
        catalog: CatalogService,
        inventory_channel: grpc.aio.Channel,
        opener: PeriodicJob,
    ) -> None:
        self.config = config
        self.engine = engine
        self.server = server
        self.port = port
        self.catalog = catalog
        self.opener = opener
        self._inventory_channel = inventory_channel
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve in the background (tests); ``serve`` is the process's blocking variant."""
        await self.server.start()
        self._task = asyncio.create_task(self.opener.run_forever())

    async def stop(self, grace: float = 1.0) -> None:
        await self.server.stop(grace)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then drain and close."""
        await serve_until_signal(
            self.server, background=[self.opener.run_forever], on_stop=self._close
        )

    async def _close(self) -> None:
        await self._inventory_channel.close()
        await self.engine.dispose()


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url,
        pool_size=config.db_pool_size,
        application_name="catalog",
    )
    channel = create_channel(
        config.inventory_addr,
        services=[inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"]],
    )
    inventory = GrpcInventoryGateway(
        channel,
        deadline_seconds=config.inventory_deadline_seconds,
        attempts=config.open_show_attempts,
    )

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    catalog = CatalogService(unit_of_work, inventory, utc_now)
    server, port = create_server(
        services=[
            (
                catalog_pb2_grpc.add_CatalogServiceServicer_to_server,
                CatalogServicer(catalog),
                SERVICE_NAME,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name="catalog",
    )
    opener = show_opener_job(catalog, engine, config.show_open_retry_interval_seconds)
    return App(
        config=config,
        engine=engine,
        server=server,
        port=port,
        catalog=catalog,
        inventory_channel=channel,
        opener=opener,
    )
