"""The booking service's settings, read once from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svckit.config import ConfigError, env_choice, env_float, env_int, env_pool_size, env_str

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DATABASE_URL = "DATABASE_URL"
AMQP_URL = "AMQP_URL"
AMQP_PREFIX = "AMQP_PREFIX"
GRPC_PORT = "GRPC_PORT"
METRICS_PORT = "METRICS_PORT"
LOG_LEVEL = "LOG_LEVEL"
ENV = "ENV"
CATALOG_ADDR = "CATALOG_ADDR"
INVENTORY_ADDR = "INVENTORY_ADDR"
UPSTREAM_DEADLINE_SECONDS = "UPSTREAM_DEADLINE_SECONDS"
BOOKING_EXPIRY_MINUTES = "BOOKING_EXPIRY_MINUTES"
PAYMENT_RETRY_EXTENSION_MINUTES = "PAYMENT_RETRY_EXTENSION_MINUTES"
BOOKING_EXPIRY_SWEEP_SECONDS = "BOOKING_EXPIRY_SWEEP_SECONDS"
BOOKING_EXPIRY_BATCH_SIZE = "BOOKING_EXPIRY_BATCH_SIZE"
ARCHIVAL_TIME = "ARCHIVAL_TIME"
ARCHIVE_AFTER_DAYS = "ARCHIVE_AFTER_DAYS"
SHOW_CACHE_TTL_SECONDS = "SHOW_CACHE_TTL_SECONDS"
SHOW_CACHE_SIZE = "SHOW_CACHE_SIZE"
OUTBOX_POLL_SECONDS = "OUTBOX_POLL_SECONDS"
CONSUMER_CONCURRENCY = "BOOKING_CONSUMER_CONCURRENCY"
DB_LOCK_TIMEOUT_MS = "DB_LOCK_TIMEOUT_MS"


@dataclass(frozen=True, kw_only=True)
class Config:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/ticketing"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    amqp_prefix: str = ""
    grpc_port: int = 50053
    metrics_port: int = 9103
    log_level: str = "INFO"
    env: str = "development"
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    upstream_deadline_seconds: float = 5.0
    booking_expiry_minutes: float = 15.0
    payment_retry_extension_minutes: float = 5.0
    expiry_sweep_seconds: float = 5.0
    expiry_batch_size: int = 200
    archival_time: str = "03:00"
    archive_after_days: float = 30.0
    show_cache_ttl_seconds: float = 300.0
    show_cache_size: int = 4096
    outbox_poll_seconds: float = 0.2
    consumer_concurrency: int = 4
    db_pool_size: int = 10
    db_lock_timeout_ms: int = 2000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        d = cls()
        e = environ
        config = cls(
            database_url=env_str(DATABASE_URL, d.database_url, environ=e),
            amqp_url=env_str(AMQP_URL, d.amqp_url, environ=e),
            amqp_prefix=env_str(AMQP_PREFIX, d.amqp_prefix, environ=e),
            grpc_port=env_int(GRPC_PORT, d.grpc_port, minimum=0, maximum=65535, environ=e),
            metrics_port=env_int(METRICS_PORT, d.metrics_port, minimum=0, maximum=65535, environ=e),
            log_level=env_str(LOG_LEVEL, d.log_level, environ=e).upper(),
            env=env_choice(ENV, ("development", "production"), d.env, environ=e),
            catalog_addr=env_str(CATALOG_ADDR, d.catalog_addr, environ=e),
            inventory_addr=env_str(INVENTORY_ADDR, d.inventory_addr, environ=e),
            upstream_deadline_seconds=_positive(UPSTREAM_DEADLINE_SECONDS, d, e),
            booking_expiry_minutes=_positive(BOOKING_EXPIRY_MINUTES, d, e),
            payment_retry_extension_minutes=env_float(
                PAYMENT_RETRY_EXTENSION_MINUTES,
                d.payment_retry_extension_minutes,
                minimum=0,
                environ=e,
            ),
            expiry_sweep_seconds=_positive(BOOKING_EXPIRY_SWEEP_SECONDS, d, e),
            expiry_batch_size=env_int(
                BOOKING_EXPIRY_BATCH_SIZE, d.expiry_batch_size, minimum=1, environ=e
            ),
            archival_time=_hh_mm(env_str(ARCHIVAL_TIME, d.archival_time, environ=e)),
            archive_after_days=env_float(
                ARCHIVE_AFTER_DAYS, d.archive_after_days, minimum=0, environ=e
            ),
            show_cache_ttl_seconds=env_float(
                SHOW_CACHE_TTL_SECONDS, d.show_cache_ttl_seconds, minimum=0, environ=e
            ),
            show_cache_size=env_int(SHOW_CACHE_SIZE, d.show_cache_size, minimum=0, environ=e),
            outbox_poll_seconds=_positive(OUTBOX_POLL_SECONDS, d, e),
            consumer_concurrency=env_int(
                CONSUMER_CONCURRENCY, d.consumer_concurrency, minimum=1, environ=e
            ),
            db_pool_size=env_pool_size("booking", d.db_pool_size, environ=e),
            db_lock_timeout_ms=env_int(
                DB_LOCK_TIMEOUT_MS, d.db_lock_timeout_ms, minimum=1, environ=e
            ),
        )
        return config


_FIELDS = {
    UPSTREAM_DEADLINE_SECONDS: "upstream_deadline_seconds",
    BOOKING_EXPIRY_MINUTES: "booking_expiry_minutes",
    BOOKING_EXPIRY_SWEEP_SECONDS: "expiry_sweep_seconds",
    OUTBOX_POLL_SECONDS: "outbox_poll_seconds",
}


def _positive(name: str, defaults: Config, environ: Mapping[str, str] | None) -> float:
    value = env_float(name, getattr(defaults, _FIELDS[name]), environ=environ)
    if value <= 0:
        raise ConfigError(name, f"must be > 0, got {value}")
    return value


def _hh_mm(value: str) -> str:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ConfigError(ARCHIVAL_TIME, f"expected HH:MM (UTC), got {value!r}")
    return f"{int(hours):02d}:{int(minutes):02d}"
