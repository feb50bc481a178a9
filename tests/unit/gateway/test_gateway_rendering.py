"""Protobuf replies rendered to JSON documents: the documents match the OpenAPI models exactly
(no field missing, none extra), for fully populated and for empty replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from pydantic import BaseModel

from gateway.rendering import bookings, catalog, payments, seats
from gateway.schemas import bookings as booking_models
from gateway.schemas import catalog as catalog_models
from gateway.schemas import common as common_models
from gateway.schemas import health as health_models
from gateway.schemas import payments as payment_models
from gateway.schemas import seats as seat_models
from ticketing.booking.v1 import booking_pb2
from ticketing.catalog.v1 import catalog_pb2
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.unit

MOMENT = 1769821200  # 2026-01-31T01:00:00Z


def populated(message: Message, depth: int = 0) -> Message:
    """``message`` with every field set: two items per list, a fixed time for timestamps."""
    if message.DESCRIPTOR.full_name == "google.protobuf.Timestamp":
        message.seconds = MOMENT  # type: ignore[attr-defined]
        return message
    for field in message.DESCRIPTOR.fields:
        repeated = field.is_repeated
        for _ in range(2 if repeated else 1):
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                target = getattr(message, field.name)
                child = target.add() if repeated else target
                if depth < 4:
                    populated(child, depth + 1)
                else:
                    child.SetInParent()
                continue
            value = _scalar(field)
            if repeated:
                getattr(message, field.name).append(value)
            else:
                setattr(message, field.name, value)
    return message


def _scalar(field: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_STRING:
        return f"{field.name}-value"
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b"bytes"
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values[1].number
    return 7


CASES: list[tuple[Callable[[Any], dict[str, Any]], type[Message], type[BaseModel]]] = [
    (seats.seat_map, inventory_pb2.SeatMap, seat_models.SeatMapResponse),
    (
        seats.available_seats,
        inventory_pb2.ListAvailableSeatsResponse,
        seat_models.AvailableSeatsResponse,
    ),
    (seats.screen_layout, catalog_pb2.Screen, seat_models.ScreenLayoutResponse),
    (bookings.holds, inventory_pb2.HoldSeatsResponse, booking_models.HoldSeatsResponse),
    (bookings.booking, booking_pb2.Booking, booking_models.BookingResponse),
    (
        bookings.booking_list,
        booking_pb2.ListUserBookingsResponse,
        booking_models.BookingListResponse,
    ),
    (
        payments.initiated,
        payment_pb2.InitiatePaymentResponse,
        payment_models.InitiatePaymentResponse,
    ),
    (payments.webhook, payment_pb2.HandleWebhookResponse, payment_models.WebhookResponse),
    (
        payments.simulated,
        payment_pb2.SimulatePaymentResponse,
        payment_models.SimulatePaymentResponse,
    ),
    (payments.refund, payment_pb2.Refund, payment_models.RefundResponse),
    (
        payments.payment_status,
        payment_pb2.PaymentStatusResponse,
        payment_models.PaymentStatusResponse,
    ),
    (catalog.movie, catalog_pb2.Movie, catalog_models.MovieResponse),
    (catalog.movie_list, catalog_pb2.ListMoviesResponse, catalog_models.MovieListResponse),
    (catalog.theatre, catalog_pb2.Theatre, catalog_models.TheatreResponse),
    (catalog.theatre_list, catalog_pb2.ListTheatresResponse, catalog_models.TheatreListResponse),
    (catalog.screen, catalog_pb2.Screen, catalog_models.ScreenResponse),
    (catalog.screen_list, catalog_pb2.ListScreensResponse, catalog_models.ScreenListResponse),
    (catalog.show, catalog_pb2.Show, catalog_models.ShowResponse),
    (catalog.show_list, catalog_pb2.ListShowsResponse, catalog_models.ShowListResponse),
]


def assert_matches(model: type[BaseModel], document: dict[str, Any]) -> None:
    parsed = model.model_validate(document)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == document


@pytest.mark.parametrize(("render", "message", "model"), CASES)
def test_a_full_reply_renders_exactly_its_documented_model(
    render: Callable[[Any], dict[str, Any]], message: type[Message], model: type[BaseModel]
) -> None:
    assert_matches(model, render(populated(message())))


@pytest.mark.parametrize(("render", "message", "model"), CASES)
def test_an_empty_reply_renders_its_model_too(
    render: Callable[[Any], dict[str, Any]], message: type[Message], model: type[BaseModel]
) -> None:
    assert_matches(model, render(message()))


def test_seat_map_statuses_prices_and_own_hold_expiry() -> None:
    mine = inventory_pb2.ShowSeat(
        id="s2",
        row_label="A",
        number=2,
        tier=common_pb2.SEAT_TIER_VIP,
        price_minor=45000,
        status=inventory_pb2.SEAT_STATUS_HELD_BY_ME,
    )
    mine.hold_expires_at.seconds = MOMENT
    reply = inventory_pb2.SeatMap(
        show_id="show",
        currency="INR",
        seats=[
            inventory_pb2.ShowSeat(id="s1", status=inventory_pb2.SEAT_STATUS_AVAILABLE),
            mine,
            inventory_pb2.ShowSeat(id="s3", status=inventory_pb2.SEAT_STATUS_HELD),
            inventory_pb2.ShowSeat(id="s4", status=inventory_pb2.SEAT_STATUS_BOOKED),
        ],
    )

    document = seats.seat_map(reply)

    assert [seat["status"] for seat in document["seats"]] == [
        "available",
        "held_by_me",
        "held",
        "booked",
    ]
    assert document["seats"][1] == {
        "id": "s2",
        "row": "A",
        "number": 2,
        "price": 45000,
        "tier": "VIP",
        "status": "held_by_me",
        "holdExpiresAt": "2026-01-31T01:00:00Z",
    }
    assert "holdExpiresAt" not in document["seats"][0]


def test_money_is_minor_units_with_its_currency_and_unset_times_are_null() -> None:
    reply = booking_pb2.Booking(
        id="b",
        status=booking_pb2.BOOKING_STATUS_CONFIRMED,
        total=common_pb2.Money(amount_minor=50000, currency="INR"),
    )

    document = bookings.booking(reply)

    assert (document["totalAmount"], document["currency"]) == (50000, "INR")
    assert document["status"] == "CONFIRMED"
    assert document["expiresAt"] is None
    assert document["show"] is None


def _models_with_examples() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for module in (
        booking_models,
        catalog_models,
        common_models,
        health_models,
        payment_models,
        seat_models,
    ):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and isinstance(value.model_config.get("json_schema_extra"), dict)
            ):
                found.append(value)
    return found


@pytest.mark.parametrize("model", _models_with_examples(), ids=lambda model: model.__name__)
def test_documented_examples_are_valid(model: type[BaseModel]) -> None:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    examples = extra["examples"]
    assert isinstance(examples, list)
    for example in examples:
        assert isinstance(example, dict)
        if issubclass(model, common_models.RequestModel):
            model.model_validate(example)
        else:
            assert_matches(model, example)
