"""The handle a payment integration test gets: every real or fake piece it talks to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.payment.broker import BookingEventsPublisher, PaymentEventsReader
from tests.integration.payment.fake_booking import FakeBookings
from tests.integration.payment.webhook_forwarder import WebhookForwarder
from tests.support.services import UvicornServer
from tests.support.tcp_proxy import TcpProxy
from ticketing.payment.v1 import payment_pb2_grpc


@dataclass
class PaymentWorld:
    """Everything a payment test talks to."""

    payment: payment_pb2_grpc.PaymentServiceStub
    bookings: FakeBookings
    simulator: UvicornServer
    forwarder: WebhookForwarder
    events: PaymentEventsReader
    booking_events: BookingEventsPublisher
    engine: AsyncEngine
    broker_proxy: TcpProxy
    http: httpx.AsyncClient
    app: Any
