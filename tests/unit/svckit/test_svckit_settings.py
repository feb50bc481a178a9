"""The settings model: canonical names and their aliases, and failures that name the variable."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, Field, ValidationError

from svckit.config import ConfigError
from svckit.settings import (
    CommaSeparated,
    DatabaseSettings,
    Secrets,
    ServiceSettings,
    pool_size,
    port,
)

pytestmark = pytest.mark.unit


class Probe(ServiceSettings):
    grpc_port: int = port("GRPC_PORT", 7052)
    db_pool_size: int = pool_size("probe", 12)
    lock_timeout_ms: int = Field(
        2000, ge=1, validation_alias=AliasChoices("DB_LOCK_TIMEOUT_MS", "PROBE_LOCK_TIMEOUT_MS")
    )
    hold_minutes: float = Field(5.0, gt=0, validation_alias="SEAT_HOLD_MINUTES")
    secrets: Secrets = Field(validation_alias="PROBE_SECRETS")
    origins: CommaSeparated = Field((), validation_alias="PROBE_ORIGINS")


BASE = {"PROBE_SECRETS": "s1"}


def test_defaults_apply_when_a_variable_is_unset_or_blank() -> None:
    probe = Probe.from_env({**BASE, "GRPC_PORT": "  ", "AMQP_PREFIX": ""})
    assert (probe.grpc_port, probe.db_pool_size, probe.lock_timeout_ms) == (7052, 12, 2000)
    assert probe.database_url == "postgresql://postgres@127.0.0.1:5432/ticketing"
    assert (probe.env, probe.log_level, probe.amqp_prefix) == ("development", "INFO", "")


def test_values_are_read_stripped_and_parsed() -> None:
    probe = Probe.from_env(
        {"PROBE_SECRETS": "new, old", "GRPC_PORT": " 6000 ", "SEAT_HOLD_MINUTES": "0.05"}
    )
    assert probe.grpc_port == 6000
    assert probe.hold_minutes == 0.05
    assert probe.secrets == ("new", "old")
    assert probe.origins == ()


def test_an_older_name_still_works_and_the_canonical_one_wins() -> None:
    assert Probe.from_env({**BASE, "PROBE_LOCK_TIMEOUT_MS": "500"}).lock_timeout_ms == 500
    both = {**BASE, "PROBE_LOCK_TIMEOUT_MS": "500", "DB_LOCK_TIMEOUT_MS": "700"}
    assert Probe.from_env(both).lock_timeout_ms == 700


def test_pool_size_prefers_the_service_s_own_variable_then_the_shared_one() -> None:
    shared = {**BASE, "DB_POOL_SIZE": "7"}
    assert Probe.from_env(shared).db_pool_size == 7
    assert Probe.from_env({**shared, "PROBE_DB_POOL_SIZE": "3"}).db_pool_size == 3
    assert Probe.from_env({**shared, "CATALOG_DB_POOL_SIZE": "3"}).db_pool_size == 7
    with pytest.raises(ConfigError, match="PROBE_DB_POOL_SIZE: must be >= 1"):
        Probe.from_env({**BASE, "PROBE_DB_POOL_SIZE": "0"})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GRPC_PORT": "abc"}, "GRPC_PORT: expected an integer, got 'abc'"),
        ({"GRPC_PORT": "70000"}, "GRPC_PORT: must be <= 65535"),
        ({"SEAT_HOLD_MINUTES": "five"}, "SEAT_HOLD_MINUTES: expected a number, got 'five'"),
        ({"SEAT_HOLD_MINUTES": "nan"}, "SEAT_HOLD_MINUTES: expected a finite number"),
        ({"SEAT_HOLD_MINUTES": "0"}, "SEAT_HOLD_MINUTES: must be > 0"),
        ({"ENV": "staging"}, "ENV: expected one of ['development', 'production']"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: expected one of"),
        ({"PROBE_LOCK_TIMEOUT_MS": "soon"}, "PROBE_LOCK_TIMEOUT_MS: expected an integer"),
        ({"PROBE_SECRETS": " , "}, "PROBE_SECRETS: needs at least one secret"),
    ],
)
def test_a_bad_value_names_the_variable_it_came_from(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Probe.from_env({**BASE, **environ})
    assert str(refused.value).startswith(message)
    assert refused.value.name == message.split(":")[0]


def test_a_missing_required_variable_is_named() -> None:
    class Required(DatabaseSettings):
        secret: str = Field(validation_alias="PAYMENT_WEBHOOK_SECRET")

    with pytest.raises(ConfigError) as refused:
        Required.from_env({})
    assert str(refused.value) == "PAYMENT_WEBHOOK_SECRET: is required but not set"


def test_migrating_needs_only_the_database() -> None:
    settings = DatabaseSettings.from_env({"DATABASE_URL": "postgresql://db/x", "GRPC_PORT": "x"})
    assert settings.database_url == "postgresql://db/x"


def test_keyword_construction_reads_no_environment_and_the_object_is_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRPC_PORT", "1234")
    probe = Probe(secrets=("s",))
    assert probe.grpc_port == 7052
    with pytest.raises(ValidationError):
        probe.grpc_port = 1  # type: ignore[misc]


def test_a_misspelt_keyword_is_an_error_not_a_silent_default() -> None:
    with pytest.raises(ValidationError, match="grpc_prot"):
        Probe(secrets=("s",), grpc_prot=0)  # type: ignore[call-arg]
