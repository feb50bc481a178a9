"""Configuration fails at start and names the variable that is missing or wrong."""

from __future__ import annotations

import pytest
from pydantic import Field

from svckit.config import ConfigError
from svckit.settings import Environment, Settings, pool_size, port

pytestmark = pytest.mark.unit


class Probe(Settings):
    database_url: str = Field(validation_alias="DATABASE_URL")
    amqp_prefix: str = Field("", validation_alias="AMQP_PREFIX")
    catalog_addr: str | None = Field(None, validation_alias="CATALOG_ADDR")
    grpc_port: int = port("GRPC_PORT", 50052)
    seat_hold_minutes: float = Field(5.0, validation_alias="SEAT_HOLD_MINUTES")
    booking_expiry_minutes: float = Field(15.0, validation_alias="BOOKING_EXPIRY_MINUTES")
    debug: bool = Field(False, validation_alias="DEBUG")
    env: Environment = Field("development", validation_alias="ENV")
    db_pool_size: int = pool_size("booking", 10)


class Inventory(Settings):
    db_pool_size: int = pool_size("inventory", 12)


URL = {"DATABASE_URL": "postgresql://db/ticketing"}


def test_missing_required_variable_names_it() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as error:
        Probe.from_env({})
    assert error.value.name == "DATABASE_URL"
    assert "required" in str(error.value)


def test_blank_value_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Probe.from_env({"DATABASE_URL": "  "})
    assert Probe.from_env({**URL, "AMQP_PREFIX": ""}).amqp_prefix == ""


def test_defaults_apply_only_when_unset() -> None:
    assert Probe.from_env(URL).grpc_port == 50052
    assert Probe.from_env({**URL, "GRPC_PORT": "6000"}).grpc_port == 6000
    assert Probe.from_env(URL).catalog_addr is None


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("GRPC_PORT", "abc", "expected an integer, got 'abc'"),
        ("SEAT_HOLD_MINUTES", "five", "expected a number, got 'five'"),
        ("DEBUG", "maybe", "expected a boolean"),
    ],
)
def test_malformed_value_names_variable_and_value(name: str, raw: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        Probe.from_env({**URL, name: raw})
    assert str(error.value).startswith(f"{name}: ")
    assert expected in str(error.value)


def test_durations_accept_fractions_so_tests_can_shrink_them() -> None:
    assert Probe.from_env({**URL, "SEAT_HOLD_MINUTES": "0.05"}).seat_hold_minutes == 0.05


def test_out_of_range_and_non_finite_values_are_rejected() -> None:
    with pytest.raises(ConfigError, match="GRPC_PORT: must be <= 65535"):
        Probe.from_env({**URL, "GRPC_PORT": "70000"})
    with pytest.raises(ConfigError, match="BOOKING_EXPIRY_MINUTES: expected a finite number"):
        Probe.from_env({**URL, "BOOKING_EXPIRY_MINUTES": "nan"})


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("TRUE", True), ("off", False), ("no", False)]
)
def test_booleans(raw: str, value: bool) -> None:
    assert Probe.from_env({**URL, "DEBUG": raw}).debug is value


def test_choice_names_allowed_values() -> None:
    assert Probe.from_env(URL).env == "development"
    with pytest.raises(ConfigError, match=r"ENV: expected one of \['development', 'production'\]"):
        Probe.from_env({**URL, "ENV": "staging"})


def test_pool_size_prefers_the_service_s_own_variable_then_the_shared_one() -> None:
    shared = {**URL, "DB_POOL_SIZE": "7"}
    assert Probe.from_env(URL).db_pool_size == 10
    assert Probe.from_env(shared).db_pool_size == 7
    assert Probe.from_env({**shared, "BOOKING_DB_POOL_SIZE": "3"}).db_pool_size == 3
    assert Probe.from_env({**shared, "CATALOG_DB_POOL_SIZE": "3"}).db_pool_size == 7
    with pytest.raises(ConfigError, match="INVENTORY_DB_POOL_SIZE: must be >= 1"):
        Inventory.from_env({"INVENTORY_DB_POOL_SIZE": "0"})
