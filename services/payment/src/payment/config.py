"""Payment's settings, read once from the environment; a bad value stops the start, named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svckit.config import (
    ConfigError,
    env_choice,
    env_float,
    env_int,
    env_optional_str,
    env_pool_size,
    env_str,
)

ENV = "ENV"
DATABASE_URL = "DATABASE_URL"
AMQP_URL = "AMQP_URL"
AMQP_PREFIX = "AMQP_PREFIX"
GRPC_PORT = "GRPC_PORT"
METRICS_PORT = "METRICS_PORT"
LOG_LEVEL = "LOG_LEVEL"
BOOKING_ADDR = "BOOKING_ADDR"
PAYMENT_PROVIDER_URL = "PAYMENT_PROVIDER_URL"
PAYMENT_PROVIDER_TIMEOUT_SECONDS = "PAYMENT_PROVIDER_TIMEOUT_SECONDS"
PAYMENT_PROVIDER_ATTEMPTS = "PAYMENT_PROVIDER_ATTEMPTS"
PAYMENT_WEBHOOK_SECRET = "PAYMENT_WEBHOOK_SECRET"
WEBHOOK_TOLERANCE_SECONDS = "WEBHOOK_TOLERANCE_SECONDS"
REFUND_RETRY_INTERVAL_SECONDS = "REFUND_RETRY_INTERVAL_SECONDS"
REFUND_RETRY_MAX_SECONDS = "REFUND_RETRY_MAX_SECONDS"
OUTBOX_POLL_INTERVAL_SECONDS = "OUTBOX_POLL_INTERVAL_SECONDS"

ENVIRONMENTS = ("development", "production")

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


@dataclass(frozen=True, kw_only=True)
class Config:
    webhook_secrets: tuple[str, ...]
    database_url: str = "postgresql://postgres@127.0.0.1:5432/ticketing"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    amqp_prefix: str = ""
    env: str = "development"
    grpc_port: int = 50054
    metrics_port: int = 9104
    log_level: str = "INFO"
    booking_addr: str = "127.0.0.1:50053"
    provider_url: str = "http://127.0.0.1:8010"
    provider_timeout_seconds: float = 5.0
    provider_attempts: int = 3
    webhook_tolerance_seconds: float = 300.0
    refund_retry_interval_seconds: float = 1.0
    refund_retry_max_seconds: float = 300.0
    outbox_poll_interval_seconds: float = 0.5
    db_pool_size: int = 10

    @property
    def simulation_enabled(self) -> bool:
        return self.env == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        return cls(
            webhook_secrets=_secrets(env_str(PAYMENT_WEBHOOK_SECRET, environ=environ)),
            database_url=env_str(DATABASE_URL, cls.database_url, environ=environ),
            amqp_url=env_str(AMQP_URL, cls.amqp_url, environ=environ),
            amqp_prefix=env_optional_str(AMQP_PREFIX, environ=environ) or "",
            env=env_choice(ENV, ENVIRONMENTS, cls.env, environ=environ),
            grpc_port=env_int(GRPC_PORT, cls.grpc_port, minimum=0, maximum=65535, environ=environ),
            metrics_port=env_int(
                METRICS_PORT, cls.metrics_port, minimum=0, maximum=65535, environ=environ
            ),
            log_level=env_str(LOG_LEVEL, cls.log_level, environ=environ),
            booking_addr=env_str(BOOKING_ADDR, cls.booking_addr, environ=environ),
            provider_url=env_str(PAYMENT_PROVIDER_URL, cls.provider_url, environ=environ),
            provider_timeout_seconds=env_float(
                PAYMENT_PROVIDER_TIMEOUT_SECONDS,
                cls.provider_timeout_seconds,
                minimum=0.01,
                environ=environ,
            ),
            provider_attempts=env_int(
                PAYMENT_PROVIDER_ATTEMPTS, cls.provider_attempts, minimum=1, environ=environ
            ),
            webhook_tolerance_seconds=env_float(
                WEBHOOK_TOLERANCE_SECONDS,
                cls.webhook_tolerance_seconds,
                minimum=1,
                environ=environ,
            ),
            refund_retry_interval_seconds=env_float(
                REFUND_RETRY_INTERVAL_SECONDS,
                cls.refund_retry_interval_seconds,
                minimum=0.01,
                environ=environ,
            ),
            refund_retry_max_seconds=env_float(
                REFUND_RETRY_MAX_SECONDS,
                cls.refund_retry_max_seconds,
                minimum=0.01,
                environ=environ,
            ),
            outbox_poll_interval_seconds=env_float(
                OUTBOX_POLL_INTERVAL_SECONDS,
                cls.outbox_poll_interval_seconds,
                minimum=0.01,
                environ=environ,
            ),
            db_pool_size=env_pool_size("payment", cls.db_pool_size, environ=environ),
        )


def _secrets(raw: str) -> tuple[str, ...]:
    """Comma-separated, so a new secret can be added before the old one is retired."""
    secrets = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not secrets:
        raise ConfigError(PAYMENT_WEBHOOK_SECRET, "needs at least one secret")
    return secrets
