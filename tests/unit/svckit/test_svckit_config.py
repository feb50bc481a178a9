"""Configuration fails at start and names the variable that is missing or wrong."""

from __future__ import annotations

import pytest

from svckit.config import (
    ConfigError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_optional_str,
    env_pool_size,
    env_str,
)

pytestmark = pytest.mark.unit


def test_missing_required_variable_names_it() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as error:
        env_str("DATABASE_URL", environ={})
    assert error.value.name == "DATABASE_URL"
    assert "required" in str(error.value)


def test_blank_value_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="AMQP_URL"):
        env_str("AMQP_URL", environ={"AMQP_URL": "  "})
    assert env_str("AMQP_PREFIX", "", environ={"AMQP_PREFIX": ""}) == ""


def test_defaults_apply_only_when_unset() -> None:
    assert env_int("GRPC_PORT", 50052, environ={}) == 50052
    assert env_int("GRPC_PORT", 50052, environ={"GRPC_PORT": "6000"}) == 6000
    assert env_optional_str("CATALOG_ADDR", environ={}) is None


@pytest.mark.parametrize(
    ("reader", "name", "raw", "expected"),
    [
        (env_int, "GRPC_PORT", "abc", "expected an integer, got 'abc'"),
        (env_float, "SEAT_HOLD_MINUTES", "five", "expected a number, got 'five'"),
        (env_bool, "DEBUG", "maybe", "expected a boolean"),
    ],
)
def test_malformed_value_names_variable_and_value(
    reader: object, name: str, raw: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        reader(name, environ={name: raw})  # type: ignore[operator]
    assert str(error.value).startswith(f"{name}: ")
    assert expected in str(error.value)


def test_durations_accept_fractions_so_tests_can_shrink_them() -> None:
    assert env_float("SEAT_HOLD_MINUTES", 5.0, environ={"SEAT_HOLD_MINUTES": "0.05"}) == 0.05


def test_out_of_range_and_non_finite_values_are_rejected() -> None:
    with pytest.raises(ConfigError, match="GRPC_PORT: must be <= 65535"):
        env_int("GRPC_PORT", environ={"GRPC_PORT": "70000"}, minimum=0, maximum=65535)
    with pytest.raises(ConfigError, match="BOOKING_EXPIRY_MINUTES: expected a finite number"):
        env_float("BOOKING_EXPIRY_MINUTES", environ={"BOOKING_EXPIRY_MINUTES": "nan"})


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("TRUE", True), ("off", False), ("no", False)]
)
def test_booleans(raw: str, value: bool) -> None:
    assert env_bool("FLAG", environ={"FLAG": raw}) is value


def test_choice_names_allowed_values() -> None:
    assert (
        env_choice("ENV", {"development", "production"}, "development", environ={}) == "development"
    )
    with pytest.raises(ConfigError, match=r"ENV: expected one of \['development', 'production'\]"):
        env_choice("ENV", {"development", "production"}, environ={"ENV": "staging"})


def test_pool_size_prefers_the_service_s_own_variable_then_the_shared_one() -> None:
    shared = {"DB_POOL_SIZE": "7"}
    assert env_pool_size("booking", 10, environ={}) == 10
    assert env_pool_size("booking", 10, environ=shared) == 7
    assert env_pool_size("booking", 10, environ={**shared, "BOOKING_DB_POOL_SIZE": "3"}) == 3
    assert env_pool_size("booking", 10, environ={**shared, "CATALOG_DB_POOL_SIZE": "3"}) == 7
    with pytest.raises(ConfigError, match="INVENTORY_DB_POOL_SIZE: must be >= 1"):
        env_pool_size("inventory", 12, environ={"INVENTORY_DB_POOL_SIZE": "0"})
