"""The composition root: the one place that sees every layer and wires the booking service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from booking.adapters.catalog_client import GrpcCatalogClient
from booking.adapters.check_ins import PgCheckInStore
from booking.adapters.inventory_client import GrpcInventoryClient
from booking.adapters.new_bookings import PgNewBookings
from booking.adapters.stale_reservations import GrpcStaleReservations
from booking.adapters.stored_booking_ids import PgStoredBookingIds
from booking.adapters.unit_of_work import SqlUnitOfWork
from booking.config import SERVICE, Config
from booking.domain.tickets import TicketSigner
from booking.entrypoints import consumers
from booking.entrypoints.errors import ERROR_TABLE
from booking.entrypoints.grpc_servicer import BookingServicer
from booking.entrypoints.jobs import archival_job, expiry_job
from booking.entrypoints.unstored_reservations_job import unstored_reservations_job
from booking.service_layer.check_ins import CheckIns
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.payment_events import PaymentEvents
from booking.service_layer.ports import UnitOfWork
from booking.service_layer.services import BookingPolicy, Bookings
from booking.service_layer.show_cache import CachedCatalog
from booking.service_layer.unstored_reservations import UnstoredReservationSweep
from svckit.amqp import AmqpConnection
from svckit.clock import SystemClock
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.metrics import WRITE_BATCHED_REQUESTS, WRITE_BATCHES
from svckit.outbox import OutboxRelay
from svckit.pg import create_pool
from svckit.service import ServiceProcess
from ticketing.booking.v1 import booking_pb2_grpc
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2


def counted(batch: str) -> Callable[[int, str], None]:
    """Counts the runs of a write batcher (svckit.metrics) under ``batch``."""

    def count(size: int, how: str) -> None:
        WRITE_BATCHES.labels(batch, how).inc()
        WRITE_BATCHED_REQUESTS.labels(batch, how).inc(size)

    return count


class App(ServiceProcess):
    """Booking's process; ``bookings`` are its use cases (tests call them directly)."""

    bookings: Bookings


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url,
        pool_size=config.db_pool_size,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name=SERVICE.name,
    )
    # New bookings, the hot write, go through psycopg's own pool (svckit.pg); everything else
    # (reads, state changes with their outbox events, consumers, jobs) through the engine.
    pool = create_pool(
        config.database_url,
        size=config.db_pool_size,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name=f"{SERVICE.name}-writes",
    )
    amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name=SERVICE.name)
    catalog_channel = create_channel(
        config.catalog_addr, services=[catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"]]
    )
    # GrpcInventoryClient sends caller_metadata (with the request id) on every call.
    inventory_channel = create_channel(
        config.inventory_addr,
        services=[inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"]],
        forward_request_id=False,
    )
    clock = SystemClock()
    policy = BookingPolicy(
        expires_in=timedelta(minutes=config.booking_expiry_minutes),
        payment_retry_grace=timedelta(minutes=config.payment_retry_extension_minutes),
    )

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    catalog = CachedCatalog(
        GrpcCatalogClient(catalog_channel, deadline_seconds=config.upstream_deadline_seconds),
        clock,
        max_entries=config.show_cache_size,
        ttl_seconds=config.show_cache_ttl_seconds,
    )
    inventory = GrpcInventoryClient(
        inventory_channel,
        deadline_seconds=config.upstream_deadline_seconds,
        batch_size=config.inventory_batch_size,
        on_batch=counted("reservations"),
    )
    # One memory of hot seats for every path that books seats or gives them back.
    hot_seats = HotSeats()
    new_bookings = PgNewBookings(
        pool, batch_size=config.booking_batch_size, on_batch=counted("new-bookings")
    )
    bookings = Bookings(
        uow=uow,
        new_bookings=new_bookings,
        catalog=catalog,
        inventory=inventory,
        clock=clock,
        policy=policy,
        hot_seats=hot_seats,
    )
    server, port = create_server(
        services=[
            (
                booking_pb2_grpc.add_BookingServiceServicer_to_server,
                BookingServicer(
                    bookings,
                    CheckIns(
                        bookings=bookings,
                        store=PgCheckInStore(engine),
                        signer=TicketSigner(config.ticket_signing_secret),
                        clock=clock,
                    ),
                ),
                SERVICE.grpc_service,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name=SERVICE.name,
    )

    app = App(SERVICE.name, server, port)
    app.bookings = bookings
    app.on_start(pool.open)
    app.on_start(amqp.connect)
    app.add_closer(engine.dispose, pool.close, amqp.close)
    app.add_closer(catalog_channel.close, inventory_channel.close)
    app.add_closer(new_bookings.close)  # the bookings in a batch are stored and answered
    app.add_closer(inventory.close)  # first: the reservations in a batch are answered
    app.add_consumer(
        IdempotentConsumer(
            consumers.QUEUE,
            engine,
            SERVICE.schema,
            amqp,
            consumers.QUEUE,
            consumers.EXCHANGE,
            consumers.ROUTING_KEYS,
            consumers.PaymentEventsHandler(
                PaymentEvents(clock=clock, policy=policy, hot_seats=hot_seats)
            ),
            concurrency=config.consumer_concurrency,
        )
    )
    relay = OutboxRelay(
        engine, SERVICE.schema, amqp, poll_interval=config.outbox_poll_interval_seconds
    )
    app.add_task(f"{SERVICE.name}.outbox-relay", relay.run)
    expiry = expiry_job(
        engine,
        uow,
        clock,
        every_seconds=config.expiry_sweep_seconds,
        batch_size=config.expiry_batch_size,
        hot_seats=hot_seats,
    )
    archival = archival_job(
        engine, uow, clock, at=config.archival_time, after_days=config.archive_after_days
    )
    # The sweep's leader keeps its lock's session between runs minutes apart: on a connection of
    # its own, not one of the few the requests and consumers share.
    leadership = create_engine(
        config.database_url, pool_size=1, application_name=f"{SERVICE.name}-leadership"
    )
    app.add_closer(leadership.dispose)
    unstored = unstored_reservations_job(
        leadership,
        UnstoredReservationSweep(
            stale=GrpcStaleReservations(
                inventory_channel, deadline_seconds=config.upstream_deadline_seconds
            ),
            inventory=inventory,
            stored=PgStoredBookingIds(engine),
            uow=uow,
            clock=clock,
            booking_lifetime=policy.expires_in,
            grace=timedelta(minutes=config.unstored_reservation_grace_minutes),
        ),
        every_seconds=config.unstored_reservation_sweep_seconds,
    )
    for job in (expiry, archival, unstored):
        app.add_task(job.name, job.run_forever)
    return app
