"""Settings read from the environment, and bookings as protobuf messages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.config import Config
from booking.domain.values import BookedSeat, Money
from booking.entrypoints.proto_mapping import booking_to_proto
from svckit.config import ConfigError
from tests.unit.booking.fakes import NOW
from tests.unit.booking.test_booking_model import a_booking
from ticketing.booking.v1 import booking_pb2
from ticketing.common.v1 import common_pb2

pytestmark = pytest.mark.unit


def test_defaults_match_the_product_rules() -> None:
    config = Config.from_env({})
    assert config.booking_expiry_minutes == 15
    assert config.payment_retry_extension_minutes == 5
    assert config.expiry_sweep_seconds == 5
    assert config.archival_time == "03:00"
    assert config.archive_after_days == 30
    assert config.grpc_port == 7053


def test_durations_accept_fractions_so_tests_can_expire_things_fast() -> None:
    config = Config.from_env(
        {"BOOKING_EXPIRY_MINUTES": "0.02", "BOOKING_EXPIRY_SWEEP_SECONDS": "0.2"}
    )
    assert config.booking_expiry_minutes == 0.02
    assert config.expiry_sweep_seconds == 0.2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKING_EXPIRY_MINUTES", "0"),
        ("BOOKING_EXPIRY_MINUTES", "soon"),
        ("ARCHIVAL_TIME", "25:00"),
        ("GRPC_PORT", "-1"),
        ("ENV", "staging"),
    ],
)
def test_a_bad_value_stops_the_start_and_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env({name: value})
    assert refused.value.name == name


def test_a_booking_as_protobuf_carries_seats_show_history_and_payment() -> None:
    booking = a_booking()
    booking.seats = [BookedSeat("seat-1", "A", 1, "VIP", 25_000)]
    booking.payment_failed(
        payment_id="p-1", amount=Money(25_000, "INR"), reason="", now=NOW, grace=timedelta(0)
    )
    message = booking_to_proto(booking)
    assert message.status == booking_pb2.BOOKING_STATUS_PENDING
    assert message.seats[0].tier == common_pb2.SEAT_TIER_VIP
    assert message.show.movie_title == "Inception"
    assert message.show.start_time.ToDatetime().date() == (NOW + timedelta(days=2)).date()
    assert message.history[0].from_status == booking_pb2.BOOKING_STATUS_UNSPECIFIED
    assert message.history[0].to_status == booking_pb2.BOOKING_STATUS_PENDING
    assert message.payment.status == "FAILED"
    assert message.payment.refunded.currency == "INR"
    assert message.expires_at.ToDatetime() == (NOW + timedelta(minutes=15)).replace(tzinfo=None)


def test_production_refuses_the_development_ticket_signing_secret() -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"ENV": "production"})
    assert str(refused.value) == (
        "TICKET_SIGNING_SECRET: must be set to a secret of its own in production"
    )
    own = Config.from_env({"ENV": "production", "TICKET_SIGNING_SECRET": "s" * 32})
    assert own.ticket_signing_secret == "s" * 32
    assert Config.from_env({}).env == "development"  # the development secret is fine there
