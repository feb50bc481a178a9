"""Fake catalog, inventory, booking, payment and waiting room services for the gateway's tests.

Each is a real grpc.aio server (svckit's create_server: health, interceptors, rich errors) on a
free port, so the gateway talks real gRPC to it. A fake records every call (request and
metadata) and answers with a fully populated canned reply, unless a test sets a behaviour:
``fakes.booking.on("CreateBooking", handler)`` where ``handler(request, context)`` is async and
returns a reply or raises one of the errors below (mapped to rich statuses like a service's).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from svckit.errors import ErrorTable, status_message
from svckit.grpc_interceptors import status_of_failure
from svckit.grpc_server import create_server
from svckit.identity import Caller, caller_metadata
from svckit.proto_values import to_timestamp
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from ticketing.payment.v1 import payment_pb2, payment_pb2_grpc
from ticketing.waitingroom.v1 import waitingroom_pb2, waitingroom_pb2_grpc

Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]

USER = "11111111-1111-4111-8111-111111111111"
OTHER_USER = "22222222-2222-4222-8222-222222222222"
SHOW = "5d9c2f4e-7a41-4c6b-9b1e-0f6f3d2a9c10"
SEAT_1 = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a61"
SEAT_2 = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a62"
SEAT_3 = "0b8e7a52-3c1d-4e6f-8a9b-1c2d3e4f5a63"
BOOKING = "7f3e9d2c-1b4a-4c5d-8e6f-9a0b1c2d3e4f"
MOVIE = "3a1f6c2e-8d4b-4f7a-9c1e-2b3d4e5f6a7b"
THEATRE = "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
SCREEN = "4e5f6a7b-8c9d-4e0f-8a1b-2c3d4e5f6a7b"
SESSION = "sess_4f1c2b7e9a0d4c3b8e6f5a1b2c3d4e5f"
NOW = dt.datetime(2026, 1, 31, 1, 0, tzinfo=dt.UTC)


class FakeError(Exception):
    """A domain error as services raise them: message, optional reason and details."""

    def __init__(
        self, message: str, *, reason: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason
        self.details = details or {}


class InvalidArgument(FakeError): ...


class NotFound(FakeError): ...


class AlreadyExists(FakeError): ...


class PermissionDenied(FakeError): ...


class Unauthenticated(FakeError): ...


class FailedPrecondition(FakeError): ...


class Aborted(FakeError): ...


class ResourceExhausted(FakeError): ...


ERROR_TABLE: ErrorTable = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    Aborted: grpc.StatusCode.ABORTED,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def money(amount: int, currency: str = "INR") -> common_pb2.Money:
    return common_pb2.Money(amount_minor=amount, currency=currency)


@dataclass
class Call:
    method: str
    request: Any
    metadata: dict[str, str]


@dataclass
class FakeService:
    """One fake service: canned replies, per-test behaviours, recorded calls."""

    name: str
    defaults: dict[str, Handler]
    behaviours: dict[str, Handler] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    server: Any = None
    port: int = 0

    def on(self, method: str, handler: Handler) -> None:
        self.behaviours[method] = handler

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def reset(self) -> None:
        self.behaviours.clear()
        self.calls.clear()

    async def handle(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> Any:
        metadata = {key: value for key, value in context.invocation_metadata() or ()}
        self.calls.append(Call(method, request, metadata))
        handler = self.behaviours.get(method) or self.defaults[method]
        return await handler(request, context)

    async def each(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """One item of a batch through ``method``'s behaviour (not recorded as a call)."""
        handler = self.behaviours.get(method) or self.defaults[method]
        return await handler(request, context)


def _servicer(base: type, service: FakeService) -> Any:
    methods: dict[str, Any] = {}
    for name in service.defaults:

        async def method(self: Any, request: Any, context: Any, _name: str = name) -> Any:
            return await service.handle(_name, request, context)

        methods[name] = method
    return type(f"Fake{base.__name__}", (base,), methods)()


def reply(message: Any) -> Handler:
    async def answer(request: Any, context: Any) -> Any:
        return message

    return answer


# --- canned replies ------------------------------------------------------------------------------


def movie() -> catalog_pb2.Movie:
    return catalog_pb2.Movie(
        id=MOVIE,
        title="Interstellar",
        duration_minutes=169,
        rating="UA",
        genres=["Sci-Fi", "Drama"],
        language="English",
        description="Through a wormhole.",
        release_date=to_timestamp(dt.datetime(2014, 11, 7, tzinfo=dt.UTC)),
    )


def theatre() -> catalog_pb2.Theatre:
    return catalog_pb2.Theatre(id=THEATRE, name="PVR Phoenix", city="Mumbai", address="Parel")


def screen() -> catalog_pb2.Screen:
    rows = [
        catalog_pb2.LayoutRow(
            label="A",
            seats=[
                catalog_pb2.LayoutSeat(number=1, tier=common_pb2.SEAT_TIER_VIP),
                catalog_pb2.LayoutSeat(number=3, tier=common_pb2.SEAT_TIER_VIP),
            ],
        ),
        catalog_pb2.LayoutRow(
            label="B", seats=[catalog_pb2.LayoutSeat(number=1, tier=common_pb2.SEAT_TIER_REGULAR)]
        ),
    ]
    return catalog_pb2.Screen(
        id=SCREEN,
        theatre_id=THEATRE,
        name="Audi 1",
        layout=catalog_pb2.SeatLayout(rows=rows),
        capacity=3,
    )


def show() -> catalog_pb2.Show:
    return catalog_pb2.Show(
        id=SHOW,
        movie_id=MOVIE,
        screen_id=SCREEN,
        theatre_id=THEATRE,
        start_time=to_timestamp(NOW + dt.timedelta(days=1)),
        end_time=to_timestamp(NOW + dt.timedelta(days=1, minutes=169)),
        currency="INR",
        prices=[
            catalog_pb2.TierPrice(tier=common_pb2.SEAT_TIER_REGULAR, amount_minor=20000),
            catalog_pb2.TierPrice(tier=common_pb2.SEAT_TIER_VIP, amount_minor=45000),
        ],
        bookable=True,
        movie_title="Interstellar",
        theatre_name="PVR Phoenix",
        screen_name="Audi 1",
        city="Mumbai",
        capacity=3,
    )


def page(token: str = "", total: int = 1) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_page_token=token, total_size=total)


def seat_map(viewer: str) -> inventory_pb2.SeatMap:
    mine = inventory_pb2.SEAT_STATUS_HELD_BY_ME if viewer else inventory_pb2.SEAT_STATUS_HELD
    held = inventory_pb2.ShowSeat(
        id=SEAT_2,
        row_label="A",
        number=3,
        tier=common_pb2.SEAT_TIER_VIP,
        price_minor=45000,
        status=mine,
    )
    if viewer:
        held.hold_expires_at.CopyFrom(to_timestamp(NOW + dt.timedelta(minutes=5)))
    return inventory_pb2.SeatMap(
        show_id=SHOW,
        currency="INR",
        seats=[
            inventory_pb2.ShowSeat(
                id=SEAT_1,
                row_label="A",
                number=1,
                tier=common_pb2.SEAT_TIER_VIP,
                price_minor=45000,
                status=inventory_pb2.SEAT_STATUS_AVAILABLE,
            ),
            held,
            inventory_pb2.ShowSeat(
                id=SEAT_3,
                row_label="B",
                number=1,
                tier=common_pb2.SEAT_TIER_REGULAR,
                price_minor=20000,
                status=inventory_pb2.SEAT_STATUS_BOOKED,
            ),
        ],
        summary=inventory_pb2.SeatMapSummary(
            total=3, available=1, booked=1, held=1, held_by_me=1 if viewer else 0
        ),
        # The held seat is USER's: the anonymous map names its holder, as inventory's does.
        holder_user_ids=[] if viewer else [USER],
    )


def booking(
    booking_id: str = BOOKING,
    user_id: str = USER,
    seat_ids: list[str] | None = None,
    status: int = booking_pb2.BOOKING_STATUS_PENDING,
) -> booking_pb2.Booking:
    seats = [
        booking_pb2.BookingSeat(
            seat_id=seat_id,
            row_label="A",
            number=index + 1,
            tier=common_pb2.SEAT_TIER_VIP,
            price_minor=45000,
        )
        for index, seat_id in enumerate(seat_ids or [SEAT_1])
    ]
    return booking_pb2.Booking(
        id=booking_id,
        user_id=user_id,
        show_id=SHOW,
        status=status,  # type: ignore[arg-type]
        total=money(45000 * len(seats)),
        seats=seats,
        show=booking_pb2.ShowSnapshot(
            show_id=SHOW,
            movie_id=MOVIE,
            movie_title="Interstellar",
            theatre_id=THEATRE,
            theatre_name="PVR Phoenix",
            city="Mumbai",
            screen_id=SCREEN,
            screen_name="Audi 1",
            start_time=to_timestamp(NOW + dt.timedelta(days=1)),
        ),
        expires_at=to_timestamp(NOW + dt.timedelta(minutes=15)),
        created_at=to_timestamp(NOW),
        updated_at=to_timestamp(NOW),
        history=[
            booking_pb2.StatusChange(
                from_status=booking_pb2.BOOKING_STATUS_UNSPECIFIED,
                to_status=booking_pb2.BOOKING_STATUS_PENDING,
                reason="created",
                at=to_timestamp(NOW),
            )
        ],
        payment=booking_pb2.PaymentSummary(
            status="NONE", amount=money(45000 * len(seats)), refunded=money(0)
        ),
    )


def refund() -> payment_pb2.Refund:
    return payment_pb2.Refund(
        id="6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        payment_id="2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e",
        booking_id=BOOKING,
        status=payment_pb2.REFUND_STATUS_SUCCEEDED,
        amount=money(45000),
        percent=100,
        reason="cannot make it",
        created_at=to_timestamp(NOW),
    )


def payment() -> payment_pb2.Payment:
    return payment_pb2.Payment(
        id="2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e",
        booking_id=BOOKING,
        user_id=USER,
        session_id=SESSION,
        status=payment_pb2.PAYMENT_STATUS_SUCCEEDED,
        amount=money(45000),
        created_at=to_timestamp(NOW),
        updated_at=to_timestamp(NOW),
    )


async def _seat_map(request: inventory_pb2.GetSeatMapRequest, _: Any) -> Any:
    return seat_map(request.viewer_user_id)


async def _available(request: inventory_pb2.ListAvailableSeatsRequest, _: Any) -> Any:
    full = seat_map("")
    return inventory_pb2.ListAvailableSeatsResponse(
        show_id=request.show_id, currency="INR", seats=[full.seats[0]]
    )


async def _hold(request: inventory_pb2.HoldSeatsRequest, _: Any) -> Any:
    expires = to_timestamp(NOW + dt.timedelta(minutes=5))
    return inventory_pb2.HoldSeatsResponse(
        holds=[
            inventory_pb2.SeatHold(seat_id=seat, expires_at=expires) for seat in request.seat_ids
        ],
        expires_in_seconds=300,
    )


async def _create_booking(request: booking_pb2.CreateBookingRequest, _: Any) -> Any:
    return booking(user_id=request.user_id, seat_ids=list(request.seat_ids))


async def _get_booking(request: Any, _: Any) -> Any:
    return booking(booking_id=request.booking_id)


async def _cancel_booking(request: Any, _: Any) -> Any:
    return booking(booking_id=request.booking_id, status=booking_pb2.BOOKING_STATUS_CANCELLED)


async def _initiate(request: payment_pb2.InitiatePaymentRequest, _: Any) -> Any:
    return payment_pb2.InitiatePaymentResponse(
        payment_id="2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e",
        session_id=SESSION,
        payment_url=f"http://127.0.0.1:8010/checkout/{SESSION}",
        expires_at=to_timestamp(NOW + dt.timedelta(minutes=15)),
        amount=money(45000),
    )


async def _simulate(request: payment_pb2.SimulatePaymentRequest, _: Any) -> Any:
    return payment_pb2.SimulatePaymentResponse(
        session_id=request.session_id, outcome=request.outcome, status="complete"
    )


async def _status(request: payment_pb2.GetPaymentStatusRequest, _: Any) -> Any:
    return payment_pb2.PaymentStatusResponse(
        booking_id=request.booking_id,
        booking_status=booking_pb2.BOOKING_STATUS_CONFIRMED,
        payments=[payment()],
        refunds=[refund()],
    )


def _catalog() -> FakeService:
    return FakeService(
        "catalog",
        {
            "CreateMovie": reply(movie()),
            "GetMovie": reply(movie()),
            "ListMovies": reply(catalog_pb2.ListMoviesResponse(movies=[movie()], page=page("p2"))),
            "CreateTheatre": reply(theatre()),
            "GetTheatre": reply(theatre()),
            "ListTheatres": reply(
                catalog_pb2.ListTheatresResponse(theatres=[theatre()], page=page())
            ),
            "CreateScreen": reply(screen()),
            "GetScreen": reply(screen()),
            "ListScreens": reply(catalog_pb2.ListScreensResponse(screens=[screen()])),
            "CreateShow": reply(show()),
            "GetShow": reply(show()),
            "ListShows": reply(catalog_pb2.ListShowsResponse(shows=[show()], page=page())),
        },
    )


def _inventory() -> FakeService:
    async def hold_batch(request: inventory_pb2.HoldSeatsBatchRequest, context: Any) -> Any:
        """Each item through HoldSeats' behaviour, a refusal answered as inventory does."""
        results = []
        for item in request.holds:
            try:
                held = await service.each("HoldSeats", item, context)
            except Exception as exc:
                failed = status_message(status_of_failure(exc, ERROR_TABLE, "fake.inventory"))
                results.append(inventory_pb2.HoldSeatsResult(failed=failed))
            else:
                results.append(inventory_pb2.HoldSeatsResult(held=held))
        return inventory_pb2.HoldSeatsBatchResponse(results=results)

    service = FakeService(
        "inventory",
        {
            "OpenShow": reply(inventory_pb2.OpenShowResponse()),
            "GetSeatMap": _seat_map,
            "ListAvailableSeats": _available,
            "HoldSeats": _hold,
            "HoldSeatsBatch": hold_batch,
            "ReleaseHolds": reply(inventory_pb2.ReleaseHoldsResponse(released=2)),
            "ReserveSeats": reply(inventory_pb2.ReserveSeatsResponse()),
            "ConfirmSeats": reply(inventory_pb2.ConfirmSeatsResponse()),
            "ReleaseSeats": reply(inventory_pb2.ReleaseSeatsResponse()),
        },
    )
    return service


@dataclass(frozen=True)
class _ItemContext:
    """What a batch item's behaviour reads as its call's context: the caller the item names."""

    metadata: tuple[tuple[str, str], ...]

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata


def _booking() -> FakeService:
    async def create_one(item: booking_pb2.CreateBookingBatchItem) -> Any:
        caller = Caller(item.caller_user_id or None, frozenset(item.caller_roles))
        context = _ItemContext(caller_metadata(caller))
        try:
            created = await service.each("CreateBooking", item.booking, context)  # type: ignore[arg-type]
        except Exception as exc:
            failed = status_message(status_of_failure(exc, ERROR_TABLE, "fake.booking"))
            return booking_pb2.CreateBookingResult(failed=failed)
        return booking_pb2.CreateBookingResult(created=created)

    async def create_batch(request: booking_pb2.CreateBookingBatchRequest, context: Any) -> Any:
        """Each item through CreateBooking's behaviour at once, a refusal answered as booking
        does."""
        results = await asyncio.gather(*map(create_one, request.bookings))
        return booking_pb2.CreateBookingBatchResponse(results=results)

    service = FakeService(
        "booking",
        {
            "CreateBooking": _create_booking,
            "CreateBookingBatch": create_batch,
            "GetBooking": _get_booking,
            "ListUserBookings": reply(
                booking_pb2.ListUserBookingsResponse(bookings=[booking()], page=page("next", 3))
            ),
            "CancelBooking": _cancel_booking,
        },
    )
    return service


def _payment() -> FakeService:
    return FakeService(
        "payment",
        {
            "InitiatePayment": _initiate,
            "HandleWebhook": reply(
                payment_pb2.HandleWebhookResponse(status="processed", event_id="evt_1")
            ),
            "SimulatePayment": _simulate,
            "RefundBooking": reply(refund()),
            "GetPaymentStatus": _status,
        },
    )


def queue_status(**fields: Any) -> waitingroom_pb2.QueueStatus:
    values: dict[str, Any] = {
        "show_id": SHOW,
        "user_id": USER,
        "state": waitingroom_pb2.WAITING,
        "position": 3,
        "people_ahead": 2,
        "estimated_wait_seconds": 4,
        "joined_at": to_timestamp(NOW),
        "on_sale_at": to_timestamp(NOW),
        "in_lottery": True,
    }
    values.update(fields)
    return waitingroom_pb2.QueueStatus(**values)


def _waitingroom() -> FakeService:
    return FakeService(
        "waitingroom",
        {
            "Join": reply(queue_status()),
            "GetStatus": reply(queue_status()),
            "CheckPass": reply(waitingroom_pb2.CheckPassResponse(guarded=False)),
        },
    )


_REGISTRATION: dict[str, tuple[Any, type, str]] = {
    "catalog": (
        catalog_pb2_grpc.add_CatalogServiceServicer_to_server,
        catalog_pb2_grpc.CatalogServiceServicer,
        "ticketing.catalog.v1.CatalogService",
    ),
    "inventory": (
        inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
        inventory_pb2_grpc.InventoryServiceServicer,
        "ticketing.inventory.v1.InventoryService",
    ),
    "booking": (
        booking_pb2_grpc.add_BookingServiceServicer_to_server,
        booking_pb2_grpc.BookingServiceServicer,
        "ticketing.booking.v1.BookingService",
    ),
    "payment": (
        payment_pb2_grpc.add_PaymentServiceServicer_to_server,
        payment_pb2_grpc.PaymentServiceServicer,
        "ticketing.payment.v1.PaymentService",
    ),
    "waitingroom": (
        waitingroom_pb2_grpc.add_WaitingRoomServiceServicer_to_server,
        waitingroom_pb2_grpc.WaitingRoomServiceServicer,
        "ticketing.waitingroom.v1.WaitingRoomService",
    ),
}

_FACTORIES = {
    "catalog": _catalog,
    "inventory": _inventory,
    "booking": _booking,
    "payment": _payment,
    "waitingroom": _waitingroom,
}


async def start_fake(name: str) -> FakeService:
    """A started fake of ``name`` on a free port (``await stop_fake(fake)``)."""
    service = _FACTORIES[name]()
    add, base, full_name = _REGISTRATION[name]
    server, port = create_server(
        services=[(add, _servicer(base, service), full_name)],
        error_table=ERROR_TABLE,
        host="127.0.0.1",
        service_name=f"fake.{name}",
    )
    await server.start()
    service.server, service.port = server, port
    return service


async def stop_fake(service: FakeService) -> None:
    await service.server.stop(None)


@dataclass
class Fakes:
    catalog: FakeService
    inventory: FakeService
    booking: FakeService
    payment: FakeService
    waitingroom: FakeService

    @classmethod
    async def start(cls) -> Fakes:
        return cls(**{name: await start_fake(name) for name in _FACTORIES})

    def all(self) -> list[FakeService]:
        return [self.catalog, self.inventory, self.booking, self.payment, self.waitingroom]

    def addresses(self) -> dict[str, str]:
        return {f"{fake.name}_addr": f"127.0.0.1:{fake.port}" for fake in self.all()}

    def reset(self) -> None:
        for fake in self.all():
            fake.reset()

    async def stop(self) -> None:
        for fake in self.all():
            await stop_fake(fake)
