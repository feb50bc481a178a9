"""Settings from the environment: defaults, and failures that name the variable."""

from __future__ import annotations

import pytest

from gateway.config import DEVELOPMENT_JWT_SECRET, Config
from svckit.config import ConfigError

pytestmark = pytest.mark.unit


def test_defaults_are_the_local_development_system() -> None:
    config = Config.from_env({})

    assert config.port == 8001
    assert config.booking_addr == "127.0.0.1:7053"
    assert config.grpc_deadline_seconds == 5.0
    assert config.jwt_secret == DEVELOPMENT_JWT_SECRET
    assert (config.jwt_issuer, config.jwt_audience) == ("ticketing", "ticketing-api")
    assert config.rate_limit_per_minute == 120
    assert config.idempotency_ttl_hours == 24.0
    assert config.workers == 1


def test_values_are_read_and_parsed() -> None:
    config = Config.from_env(
        {
            "PORT": "9000",
            "GRPC_DEADLINE_SECONDS": "0.25",
            "RATE_LIMIT_PER_MINUTE": "0",
            "WEB_CONCURRENCY": "2",
            "CORS_ALLOW_ORIGINS": "http://a.test, http://b.test",
            "ACCESS_LOG": "false",
        }
    )

    assert (config.port, config.grpc_deadline_seconds, config.workers) == (9000, 0.25, 2)
    assert config.rate_limit_per_minute == 0
    assert config.cors_allow_origins == ("http://a.test", "http://b.test")
    assert config.access_log is False


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"GRPC_DEADLINE_SECONDS": "0"}, "GRPC_DEADLINE_SECONDS"),
        ({"RATE_LIMIT_PER_MINUTE": "-1"}, "RATE_LIMIT_PER_MINUTE"),
        ({"ENV": "staging"}, "ENV"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({"ENV": "production"}, "JWT_SECRET"),
    ],
)
def test_bad_values_fail_naming_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_env(environ)

    assert raised.value.name == variable
