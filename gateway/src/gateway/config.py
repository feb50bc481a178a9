"""The gateway's identity and settings, read once from the environment at start.

A missing or malformed value stops the process naming the variable (``svckit.settings``).
Nothing else in the gateway reads or writes ``os.environ``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from svckit.config import ConfigError
from svckit.settings import (
    CommaSeparated,
    DatabaseSettings,
    Environment,
    ServiceInfo,
    pool_size,
    port,
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

SERVICE = ServiceInfo(name="gateway", schema="gateway", migrations=MIGRATIONS_DIR)
SCHEMA = SERVICE.schema

DEVELOPMENT_JWT_SECRET = "ticketing-development-secret-change-me"

JWT_SECRET = "JWT_SECRET"
PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


class Config(DatabaseSettings):
    # Loopback unless told otherwise: with the published development secret anyone who reaches
    # the port can act as any user (the container image sets HOST=0.0.0.0).
    host: str = Field("127.0.0.1", validation_alias="HOST")
    port: int = port("PORT", 8001)
    workers: int = Field(1, ge=1, le=64, validation_alias="WEB_CONCURRENCY")
    env: Environment = Field("development", validation_alias="ENV")
    access_log: bool = Field(True, validation_alias="ACCESS_LOG")
    db_pool_size: int = pool_size("gateway", 5)
    catalog_addr: str = Field("127.0.0.1:7051", validation_alias="CATALOG_ADDR")
    inventory_addr: str = Field("127.0.0.1:7052", validation_alias="INVENTORY_ADDR")
    booking_addr: str = Field("127.0.0.1:7053", validation_alias="BOOKING_ADDR")
    payment_addr: str = Field("127.0.0.1:7054", validation_alias="PAYMENT_ADDR")
    waitingroom_addr: str = Field("127.0.0.1:7055", validation_alias="WAITINGROOM_ADDR")
    # How often a queue's event stream asks the waiting room for the holder's place.
    queue_events_poll_seconds: float = Field(
        1.0, ge=0.05, validation_alias="QUEUE_EVENTS_POLL_SECONDS"
    )
    # Where inventory NOTIFYs its seat changes (inventory's database); empty: DATABASE_URL.
    seat_changes_database_url: str = Field("", validation_alias="SEAT_CHANGES_DATABASE_URL")
    grpc_deadline_seconds: float = Field(5.0, gt=0, validation_alias="GRPC_DEADLINE_SECONDS")
    health_timeout_seconds: float = Field(2.0, gt=0, validation_alias="HEALTH_TIMEOUT_SECONDS")
    jwt_secret: str = Field(DEVELOPMENT_JWT_SECRET, min_length=16, validation_alias=JWT_SECRET)
    jwt_issuer: str = Field("ticketing", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("ticketing-api", validation_alias="JWT_AUDIENCE")
    jwt_leeway_seconds: float = Field(30.0, ge=0, validation_alias="JWT_LEEWAY_SECONDS")
    # OpenID Connect: RS256 tokens verified against the provider's JWKS (off when JWKS_URL is unset)
    jwks_url: str = Field("", validation_alias="JWKS_URL")
    oidc_issuer: str = Field("", validation_alias="OIDC_ISSUER")
    oidc_audience: str = Field("", validation_alias="OIDC_AUDIENCE")
    idempotency_ttl_hours: float = Field(24.0, gt=0, validation_alias="IDEMPOTENCY_TTL_HOURS")
    idempotency_cleanup_seconds: float = Field(
        3600.0, gt=0, validation_alias="IDEMPOTENCY_CLEANUP_SECONDS"
    )
    rate_limit_per_minute: int = Field(120, ge=0, validation_alias="RATE_LIMIT_PER_MINUTE")
    # Where the rate limit's buckets live, shared by every gateway process ("none": in each).
    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    rate_limit_key_prefix: str = Field(
        "ticketing:ratelimit:", validation_alias="RATE_LIMIT_KEY_PREFIX"
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1024, validation_alias="MAX_BODY_BYTES")
    seat_map_cache_size: int = Field(256, ge=0, validation_alias="SEAT_MAP_CACHE_SIZE")
    # Anonymous seat maps kept in each process (gateway.seat_map_cache): how many shows, and for
    # how long at most; 0 keeps none (every anonymous read asks inventory).
    public_seat_map_shows: int = Field(512, ge=0, validation_alias="PUBLIC_SEAT_MAP_SHOWS")
    public_seat_map_seconds: float = Field(
        1.0, ge=0, le=1.0, validation_alias="PUBLIC_SEAT_MAP_SECONDS"
    )
    # Holds of one show that arrive while two calls for it are in flight go to inventory in one
    # HoldSeatsBatch call (at most this many, inventory's bound being 64; 1: each in its own
    # HoldSeats call) (gateway.holds). Each worker process batches its own requests.
    hold_batch_size: int = Field(32, ge=1, le=64, validation_alias="HOLD_BATCH_SIZE")
    # New bookings of one show that arrive while two calls for it are in flight go to booking in
    # one CreateBookingBatch call (at most this many, booking's bound being 64; 1: each in its
    # own CreateBooking call) (gateway.bookings_batch). Each worker process batches its own.
    create_batch_size: int = Field(32, ge=1, le=64, validation_alias="CREATE_BATCH_SIZE")
    cors_allow_origins: CommaSeparated = Field((), validation_alias="CORS_ALLOW_ORIGINS")
    metrics_multiproc_dir: str | None = Field(None, validation_alias=PROMETHEUS_MULTIPROC_DIR)

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @model_validator(mode="after")
    def _own_secret_in_production(self) -> Self:
        if self.env == "production" and self.jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise ConfigError(JWT_SECRET, "must be set to a secret of its own in production")
        return self


def share_metrics_across_workers(config: Config) -> None:
    """Several workers are separate processes: give them one directory to aggregate /metrics
    in. prometheus_client reads it from the environment in each worker at import, so it is
    exported rather than passed."""
    if config.workers > 1 and not config.metrics_multiproc_dir:
        os.environ[PROMETHEUS_MULTIPROC_DIR] = tempfile.mkdtemp(prefix="gateway-metrics-")
