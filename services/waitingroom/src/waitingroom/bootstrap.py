"""The composition root: the only module that sees every layer of the waiting room."""

from __future__ import annotations

from datetime import timedelta

from svckit.clock import SystemClock
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.service import ServiceProcess
from ticketing.catalog.v1 import catalog_pb2
from ticketing.waitingroom.v1 import waitingroom_pb2_grpc
from waitingroom.adapters.catalog_client import GrpcShowSettings
from waitingroom.adapters.unit_of_work import SqlUnitOfWork
from waitingroom.config import SERVICE, Config
from waitingroom.entrypoints.errors import ERROR_TABLE
from waitingroom.entrypoints.grpc_servicer import WaitingRoomServicer
from waitingroom.entrypoints.jobs import admission_job
from waitingroom.service_layer.ports import UnitOfWork
from waitingroom.service_layer.services import QueueService


class App(ServiceProcess):
    """The waiting room's process; ``queue`` is its use cases (tests call them directly)."""

    queue: QueueService


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url, pool_size=config.db_pool_size, application_name=SERVICE.name
    )
    channel = create_channel(
        config.catalog_addr,
        services=[catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"]],
    )
    shows = GrpcShowSettings(
        channel,
        deadline_seconds=config.catalog_deadline_seconds,
        ttl_seconds=config.show_settings_cache_seconds,
    )

    def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only)

    queue = QueueService(
        unit_of_work, shows, SystemClock(), pass_ttl=timedelta(minutes=config.pass_minutes)
    )
    server, port = create_server(
        services=[
            (
                waitingroom_pb2_grpc.add_WaitingRoomServiceServicer_to_server,
                WaitingRoomServicer(queue),
                SERVICE.grpc_service,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name=SERVICE.name,
    )

    app = App(SERVICE.name, server, port)
    app.queue = queue
    app.add_closer(engine.dispose, channel.close)
    job = admission_job(queue, engine, config.admission_interval_seconds)
    app.add_task(job.name, job.run_forever)
    return app
