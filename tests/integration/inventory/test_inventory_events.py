"""booking.* events published to the real exchange drive seat states, once per event."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aio_pika.abc import AbstractExchange
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.bootstrap import App
from svckit.amqp import AmqpConnection, declare_exchange
from tests.integration.inventory.helpers import OpenedShow, ShowFactory, new_id, seat_rows
from tests.support.events import publish_event
from tests.support.wait import eventually
from ticketing.events.v1 import events_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


@pytest_asyncio.fixture(loop_scope="session")
async def booking_events(
    amqp_url: str, amqp_prefix: str, inventory_app: App
) -> AsyncIterator[AbstractExchange]:
    """The booking.events exchange the running inventory consumes from."""
    connection = AmqpConnection(amqp_url, amqp_prefix)
    await connection.connect()
    channel = await connection.channel()
    yield await declare_exchange(channel, amqp_prefix, "booking.events")
    await channel.close()
    await connection.close()


async def processed(db: AsyncEngine, message_id: str) -> bool:
    async with db.connect() as conn:
        found = await conn.execute(
            text("SELECT 1 FROM inventory.processed_messages WHERE message_id = :id"),
            {"id": message_id},
        )
        return found.first() is not None


async def book(inventory: Stub, show: OpenedShow, *labels: str) -> str:
    booking = new_id()
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking,
            user_id=new_id(),
            show_id=show.show_id,
            seat_ids=[show.seat(label) for label in labels],
        )
    )
    return booking


async def test_booking_expired_frees_the_seats_and_a_redelivery_changes_nothing(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine, booking_events: AbstractExchange
) -> None:
    show = await shows.open()
    expired_booking = await book(inventory, show, "A1", "A2")
    expired = events_pb2.BookingExpired(
        event_id=new_id(),
        booking_id=expired_booking,
        show_id=show.show_id,
        seat_ids=[show.seat("A1"), show.seat("A2")],
    )

    await publish_event(booking_events, "booking.expired", expired)

    async def freed() -> bool:
        rows = await seat_rows(db, show.show_id)
        return rows[show.seat("A1")] == rows[show.seat("A2")] == ("AVAILABLE", None)

    await eventually(freed, message="booking.expired did not free the seats")

    # Someone else books A1; the same event again, and a second event about the same booking,
    # must not take it away from them.
    next_booking = await book(inventory, show, "A1")
    again = events_pb2.BookingExpired()
    again.CopyFrom(expired)
    again.event_id = new_id()
    await publish_event(booking_events, "booking.expired", expired)
    await publish_event(booking_events, "booking.expired", again)

    async def both_handled() -> bool:
        return await processed(db, again.event_id)

    await eventually(both_handled)
    rows = await seat_rows(db, show.show_id)
    assert rows[show.seat("A1")] == ("RESERVED", next_booking)
    assert rows[show.seat("A2")] == ("AVAILABLE", None)


async def test_confirmed_sells_and_refunded_returns_the_seats(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine, booking_events: AbstractExchange
) -> None:
    show = await shows.open()
    booking = await book(inventory, show, "B1", "B2")
    seats = [show.seat("B1"), show.seat("B2")]

    await publish_event(
        booking_events,
        "booking.confirmed",
        events_pb2.BookingConfirmed(
            event_id=new_id(), booking_id=booking, show_id=show.show_id, seat_ids=seats
        ),
    )

    async def sold() -> bool:
        rows = await seat_rows(db, show.show_id)
        return all(rows[seat] == ("SOLD", booking) for seat in seats)

    await eventually(sold, message="booking.confirmed did not sell the seats")

    await publish_event(
        booking_events,
        "booking.refunded",
        events_pb2.BookingRefunded(
            event_id=new_id(), booking_id=booking, show_id=show.show_id, seat_ids=seats
        ),
    )

    async def returned() -> bool:
        rows = await seat_rows(db, show.show_id)
        return all(rows[seat] == ("AVAILABLE", None) for seat in seats)

    await eventually(returned, message="booking.refunded did not return the seats")
