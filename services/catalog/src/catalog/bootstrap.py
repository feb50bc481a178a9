"""The composition root: the only module that sees every layer of catalog."""

from __future__ import annotations

from catalog.adapters.inventory_client import GrpcInventoryGateway
from catalog.adapters.unit_of_work import SqlUnitOfWork
from catalog.config import SERVICE, Config
from catalog.entrypoints.errors import ERROR_TABLE
from catalog.entrypoints.grpc_servicer import CatalogServicer
from catalog.entrypoints.jobs import show_opener_job
from catalog.service_layer.ports import UnitOfWork
from catalog.service_layer.services import CatalogService
from svckit.clock import SystemClock
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.service import ServiceProcess
from ticketing.catalog.v1 import catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2


class App(ServiceProcess):
    """Catalog's process; ``catalog`` is its use cases."""

    catalog: CatalogService


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url, pool_size=config.db_pool_size, application_name=SERVICE.name
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

    catalog = CatalogService(unit_of_work, inventory, SystemClock())
    server, port = create_server(
        services=[
            (
                catalog_pb2_grpc.add_CatalogServiceServicer_to_server,
                CatalogServicer(catalog),
                SERVICE.grpc_service,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name=SERVICE.name,
    )

    app = App(SERVICE.name, server, port)
    app.catalog = catalog
    app.add_closer(engine.dispose, channel.close)
    opener = show_opener_job(catalog, engine, config.show_open_retry_interval_seconds)
    app.add_task(opener.name, opener.run_forever)
    return app
