"""The composition root: the only module that sees every layer of inventory."""

from __future__ import annotations

from datetime import timedelta

from inventory.adapters.stale_reservations import PgStaleReservations
from inventory.adapters.unit_of_work import SqlUnitOfWork
from inventory.adapters.waitingroom_client import GrpcAdmissionGate
from inventory.config import SERVICE, Config
from inventory.entrypoints.consumers import EXCHANGE, QUEUE, ROUTING_KEYS, BookingEventsHandler
from inventory.entrypoints.errors import ERROR_TABLE
from inventory.entrypoints.grpc_servicer import InventoryServicer
from inventory.entrypoints.jobs import hold_cleanup_job
from inventory.service_layer.admission import AdmittedSeatService
from inventory.service_layer.batches import Batching
from inventory.service_layer.housekeeping import StaleReservations
from inventory.service_layer.ports import UnitOfWork
from inventory.service_layer.services import Policy, SeatService
from svckit.amqp import AmqpConnection
from svckit.clock import SystemClock
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.metrics import WRITE_BATCHED_REQUESTS, WRITE_BATCHES
from svckit.pg import create_pool
from svckit.service import ServiceProcess
from ticketing.inventory.v1 import inventory_pb2_grpc
from ticketing.waitingroom.v1 import waitingroom_pb2

# Connections of the SQLAlchemy engine: the event consumer and the hold cleanup job.
BACKGROUND_POOL_SIZE = 3
# How long a show's row saying "no waiting room" (and the gate's same answer) is remembered, and
# how long the gate remembers "admitted".
UNGUARDED_TTL_SECONDS = 60.0
ADMITTED_TTL_SECONDS = 5.0


class App(ServiceProcess):
    """Inventory's process; ``seats`` are its use cases (tests call them directly)."""

    seats: SeatService


async def create_app(config: Config) -> App:
    # The seat paths run on psycopg's own pool (svckit.pg); the idempotent consumer and the
    # single-replica jobs keep a small SQLAlchemy engine (svckit's consumer and job runner).
    pool = create_pool(
        config.database_url,
        size=config.db_pool_size,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name=SERVICE.name,
    )
    engine = create_engine(
        config.database_url,
        pool_size=BACKGROUND_POOL_SIZE,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name=f"{SERVICE.name}-background",
    )
    clock = SystemClock()
    policy = Policy(
        hold_ttl=timedelta(minutes=config.seat_hold_minutes),
        max_seats_per_hold=config.max_seats_per_hold,
    )

    def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(pool, read_only=read_only)

    def counted(size: int, how: str) -> None:
        WRITE_BATCHES.labels("seats", how).inc()
        WRITE_BATCHED_REQUESTS.labels("seats", how).inc(size)

    batching = Batching(config.seat_batch_size, config.seat_batches_per_show, counted)
    seats = SeatService(unit_of_work, clock, policy, batching=batching)
    closers = []
    if config.waitingroom_addr:
        channel = create_channel(
            config.waitingroom_addr,
            services=[waitingroom_pb2.DESCRIPTOR.services_by_name["WaitingRoomService"]],
        )
        closers.append(channel.close)
        gate = GrpcAdmissionGate(
            channel,
            deadline_seconds=config.waitingroom_deadline_seconds,
            unguarded_ttl_seconds=UNGUARDED_TTL_SECONDS,
            admitted_ttl_seconds=ADMITTED_TTL_SECONDS,
        )
        seats = AdmittedSeatService(
            unit_of_work,
            clock,
            policy,
            gate=gate,
            unguarded_ttl=timedelta(seconds=UNGUARDED_TTL_SECONDS),
            batching=batching,
        )
    server, port = create_server(
        services=[
            (
                inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
                InventoryServicer(
                    seats, stale_reservations=StaleReservations(PgStaleReservations(pool))
                ),
                SERVICE.grpc_service,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name=SERVICE.name,
    )

    app = App(SERVICE.name, server, port)
    app.seats = seats
    app.on_start(pool.open)
    app.add_closer(engine.dispose, pool.close, *closers, seats.close)
    if config.consume_events:
        amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name=SERVICE.name)
        app.on_start(amqp.connect)
        app.add_closer(amqp.close)
        app.add_consumer(
            IdempotentConsumer(
                QUEUE,
                engine,
                SERVICE.schema,
                amqp,
                QUEUE,
                EXCHANGE,
                ROUTING_KEYS,
                BookingEventsHandler(clock, policy),
            )
        )
    job = hold_cleanup_job(seats, engine, config.hold_cleanup_interval_seconds)
    app.add_task(job.name, job.run_forever)
    return app
