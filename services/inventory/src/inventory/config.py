"""Inventory settings, read once from the environment; nothing else reads os.environ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svckit.config import env_bool, env_choice, env_float, env_int, env_pool_size, env_str

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DATABASE_URL = "DATABASE_URL"
AMQP_URL = "AMQP_URL"
AMQP_PREFIX = "AMQP_PREFIX"
GRPC_PORT = "GRPC_PORT"
METRICS_PORT = "METRICS_PORT"
LOG_LEVEL = "LOG_LEVEL"
ENV = "ENV"
SEAT_HOLD_MINUTES = "SEAT_HOLD_MINUTES"
MAX_SEATS_PER_HOLD = "MAX_SEATS_PER_HOLD"
HOLD_CLEANUP_INTERVAL_SECONDS = "HOLD_CLEANUP_INTERVAL_SECONDS"
INVENTORY_LOCK_TIMEOUT_MS = "INVENTORY_LOCK_TIMEOUT_MS"
INVENTORY_CONSUME_EVENTS = "INVENTORY_CONSUME_EVENTS"

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ticketing"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    amqp_url: str = DEFAULT_AMQP_URL
    amqp_prefix: str = ""
    grpc_port: int = 50052
    metrics_port: int = 9102
    log_level: str = "INFO"
    env: str = "development"
    seat_hold_minutes: float = 5.0
    max_seats_per_hold: int = 10
    hold_cleanup_interval_seconds: float = 300.0
    lock_timeout_ms: int = 2000
    db_pool_size: int = 12
    consume_events: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        return cls(
            database_url=env_str(DATABASE_URL, DEFAULT_DATABASE_URL, environ=environ),
            amqp_url=env_str(AMQP_URL, DEFAULT_AMQP_URL, environ=environ),
            amqp_prefix=env_str(AMQP_PREFIX, "", environ=environ),
            grpc_port=env_int(GRPC_PORT, 50052, minimum=0, maximum=65535, environ=environ),
            metrics_port=env_int(METRICS_PORT, 9102, minimum=0, maximum=65535, environ=environ),
            log_level=env_str(LOG_LEVEL, "INFO", environ=environ),
            env=env_choice(ENV, ("development", "production"), "development", environ=environ),
            seat_hold_minutes=env_float(SEAT_HOLD_MINUTES, 5.0, minimum=0.001, environ=environ),
            max_seats_per_hold=env_int(MAX_SEATS_PER_HOLD, 10, minimum=1, environ=environ),
            hold_cleanup_interval_seconds=env_float(
                HOLD_CLEANUP_INTERVAL_SECONDS, 300.0, minimum=0.01, environ=environ
            ),
            lock_timeout_ms=env_int(INVENTORY_LOCK_TIMEOUT_MS, 2000, minimum=1, environ=environ),
            db_pool_size=env_pool_size("inventory", 12, environ=environ),
            consume_events=env_bool(INVENTORY_CONSUME_EVENTS, True, environ=environ),
        )
