"""Timestamps, money and ErrorInfo metadata cross the proto boundary unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from svckit.proto_values import (
    from_metadata,
    from_money,
    from_timestamp,
    metadata_of,
    optional_timestamp,
    timestamp_field,
    to_money,
    to_timestamp,
)
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.unit

MOMENT = datetime(2026, 1, 31, 18, 30, 15, 250_000, tzinfo=UTC)


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


def test_timestamps_come_back_as_the_same_aware_utc_moment() -> None:
    assert from_timestamp(to_timestamp(MOMENT)) == MOMENT
    assert from_timestamp(to_timestamp(MOMENT.replace(tzinfo=None))) == MOMENT  # naive is UTC
    assert optional_timestamp(None) is None
    movie = catalog_pb2.Movie(release_date=optional_timestamp(MOMENT))
    assert timestamp_field(movie, "release_date") == MOMENT
    assert timestamp_field(catalog_pb2.Movie(), "release_date") is None


def test_money_is_minor_units_and_currency_both_ways() -> None:
    message = to_money(Money(45_000, "INR"))
    assert (message.amount_minor, message.currency) == (45_000, "INR")
    assert from_money(message, Money) == Money(45_000, "INR")


def test_a_contract_message_is_its_metadata_keys_empty_values_included() -> None:
    refusal = inventory_pb2.SeatsUnavailableMetadata(seat_ids="s1,s2", seats="A1,A2")
    metadata = metadata_of(refusal)
    assert metadata == {
        "seat_ids": "s1,s2",
        "seats": "A1,A2",
        "booked_seat_ids": "",
        "booked_seats": "",
    }
    read = from_metadata({**metadata, "field": "ignored"}, inventory_pb2.SeatsUnavailableMetadata)
    assert read == refusal
