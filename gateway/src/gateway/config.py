"""The gateway's settings, read once from the environment at start.

Every variable is a named constant here; a missing or malformed value stops the process naming
the variable (``svckit.config``). Nothing else in the gateway reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
SCHEMA = "gateway"

DEVELOPMENT_JWT_SECRET = "ticketing-development-secret-change-me"

HOST = "HOST"
PORT = "PORT"
WEB_CONCURRENCY = "WEB_CONCURRENCY"
ENV = "ENV"
LOG_LEVEL = "LOG_LEVEL"
ACCESS_LOG = "ACCESS_LOG"
DATABASE_URL = "DATABASE_URL"
CATALOG_ADDR = "CATALOG_ADDR"
INVENTORY_ADDR = "INVENTORY_ADDR"
BOOKING_ADDR = "BOOKING_ADDR"
PAYMENT_ADDR = "PAYMENT_ADDR"
GRPC_DEADLINE_SECONDS = "GRPC_DEADLINE_SECONDS"
HEALTH_TIMEOUT_SECONDS = "HEALTH_TIMEOUT_SECONDS"
JWT_SECRET = "JWT_SECRET"
JWT_ISSUER = "JWT_ISSUER"
JWT_AUDIENCE = "JWT_AUDIENCE"
JWT_LEEWAY_SECONDS = "JWT_LEEWAY_SECONDS"
IDEMPOTENCY_TTL_HOURS = "IDEMPOTENCY_TTL_HOURS"
IDEMPOTENCY_LOCK_SECONDS = "IDEMPOTENCY_LOCK_SECONDS"
IDEMPOTENCY_CLEANUP_SECONDS = "IDEMPOTENCY_CLEANUP_SECONDS"
RATE_LIMIT_PER_MINUTE = "RATE_LIMIT_PER_MINUTE"
MAX_BODY_BYTES = "MAX_BODY_BYTES"
CORS_ALLOW_ORIGINS = "CORS_ALLOW_ORIGINS"
PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
SEAT_MAP_CACHE_SIZE = "SEAT_MAP_CACHE_SIZE"


@dataclass(frozen=True, kw_only=True)
class Config:
    host: str = "0.0.0.0"
    port: int = 8001
    workers: int = 1
    env: str = "development"
    log_level: str = "INFO"
    access_log: bool = True
    database_url: str = "postgresql://postgres@127.0.0.1:5432/ticketing"
    db_pool_size: int = 5
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    booking_addr: str = "127.0.0.1:50053"
    payment_addr: str = "127.0.0.1:50054"
    grpc_deadline_seconds: float = 5.0
    health_timeout_seconds: float = 2.0
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_issuer: str = "ticketing"
    jwt_audience: str = "ticketing-api"
    jwt_leeway_seconds: float = 30.0
    idempotency_ttl_hours: float = 24.0
    idempotency_lock_seconds: float = 30.0
    idempotency_cleanup_seconds: float = 3600.0
    rate_limit_per_minute: int = 120
    max_body_bytes: int = 1024 * 1024
    seat_map_cache_size: int = 256
    cors_allow_origins: tuple[str, ...] = ()
    metrics_multiproc_dir: str | None = None

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        d = cls()
        e = environ
        config = cls(
            host=env_str(HOST, d.host, environ=e),
            port=env_int(PORT, d.port, minimum=0, maximum=65535, environ=e),
            workers=env_int(WEB_CONCURRENCY, d.workers, minimum=1, maximum=64, environ=e),
            env=env_choice(ENV, ("development", "production"), d.env, environ=e),
            log_level=env_str(LOG_LEVEL, d.log_level, environ=e).upper(),
            access_log=env_bool(ACCESS_LOG, d.access_log, environ=e),
            database_url=env_str(DATABASE_URL, d.database_url, environ=e),
            db_pool_size=env_pool_size("gateway", d.db_pool_size, environ=e),
            catalog_addr=env_str(CATALOG_ADDR, d.catalog_addr, environ=e),
            inventory_addr=env_str(INVENTORY_ADDR, d.inventory_addr, environ=e),
            booking_addr=env_str(BOOKING_ADDR, d.booking_addr, environ=e),
            payment_addr=env_str(PAYMENT_ADDR, d.payment_addr, environ=e),
            grpc_deadline_seconds=_positive(GRPC_DEADLINE_SECONDS, d.grpc_deadline_seconds, e),
            health_timeout_seconds=_positive(HEALTH_TIMEOUT_SECONDS, d.health_timeout_seconds, e),
            jwt_secret=env_str(JWT_SECRET, d.jwt_secret, environ=e),
            jwt_issuer=env_str(JWT_ISSUER, d.jwt_issuer, environ=e),
            jwt_audience=env_str(JWT_AUDIENCE, d.jwt_audience, environ=e),
            jwt_leeway_seconds=env_float(
                JWT_LEEWAY_SECONDS, d.jwt_leeway_seconds, minimum=0, environ=e
            ),
            idempotency_ttl_hours=_positive(IDEMPOTENCY_TTL_HOURS, d.idempotency_ttl_hours, e),
            idempotency_lock_seconds=_positive(
                IDEMPOTENCY_LOCK_SECONDS, d.idempotency_lock_seconds, e
            ),
            idempotency_cleanup_seconds=_positive(
                IDEMPOTENCY_CLEANUP_SECONDS, d.idempotency_cleanup_seconds, e
            ),
            rate_limit_per_minute=env_int(
                RATE_LIMIT_PER_MINUTE, d.rate_limit_per_minute, minimum=0, environ=e
            ),
            max_body_bytes=env_int(MAX_BODY_BYTES, d.max_body_bytes, minimum=1024, environ=e),
            seat_map_cache_size=env_int(
                SEAT_MAP_CACHE_SIZE, d.seat_map_cache_size, minimum=0, environ=e
            ),
            cors_allow_origins=tuple(
                origin.strip()
                for origin in env_str(CORS_ALLOW_ORIGINS, "", environ=e).split(",")
                if origin.strip()
            ),
            metrics_multiproc_dir=env_optional_str(PROMETHEUS_MULTIPROC_DIR, environ=e),
        )
        if config.env == "production" and config.jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise ConfigError(JWT_SECRET, "must be set to a secret of its own in production")
        if len(config.jwt_secret) < 16:
            raise ConfigError(JWT_SECRET, "must be at least 16 characters long")
        return config


def _positive(name: str, default: float, environ: Mapping[str, str] | None) -> float:
    value = env_float(name, default, minimum=0, environ=environ)
    if value <= 0:
        raise ConfigError(name, f"must be > 0, got {value}")
    return value
