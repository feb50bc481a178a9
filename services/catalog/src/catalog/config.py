"""Catalog settings, read once from the environment; nothing else reads os.environ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svckit.config import env_choice, env_float, env_int, env_pool_size, env_str

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DATABASE_URL = "DATABASE_URL"
GRPC_PORT = "GRPC_PORT"
METRICS_PORT = "METRICS_PORT"
LOG_LEVEL = "LOG_LEVEL"
ENV = "ENV"
INVENTORY_ADDR = "INVENTORY_ADDR"
CATALOG_ADDR = "CATALOG_ADDR"
INVENTORY_DEADLINE_SECONDS = "INVENTORY_DEADLINE_SECONDS"
OPEN_SHOW_ATTEMPTS = "OPEN_SHOW_ATTEMPTS"
SHOW_OPEN_RETRY_INTERVAL_SECONDS = "SHOW_OPEN_RETRY_INTERVAL_SECONDS"

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ticketing"
DEFAULT_INVENTORY_ADDR = "127.0.0.1:50052"
DEFAULT_CATALOG_ADDR = "127.0.0.1:50051"


@dataclass(frozen=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    grpc_port: int = 50051
    metrics_port: int = 9101
    log_level: str = "INFO"
    env: str = "development"
    inventory_addr: str = DEFAULT_INVENTORY_ADDR
    inventory_deadline_seconds: float = 5.0
    open_show_attempts: int = 3
    show_open_retry_interval_seconds: float = 30.0
    db_pool_size: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        return cls(
            database_url=env_str(DATABASE_URL, DEFAULT_DATABASE_URL, environ=environ),
            grpc_port=env_int(GRPC_PORT, 50051, minimum=0, maximum=65535, environ=environ),
            metrics_port=env_int(METRICS_PORT, 9101, minimum=0, maximum=65535, environ=environ),
            log_level=env_str(LOG_LEVEL, "INFO", environ=environ),
            env=env_choice(ENV, ("development", "production"), "development", environ=environ),
            inventory_addr=env_str(INVENTORY_ADDR, DEFAULT_INVENTORY_ADDR, environ=environ),
            inventory_deadline_seconds=env_float(
                INVENTORY_DEADLINE_SECONDS, 5.0, minimum=0.01, environ=environ
            ),
            open_show_attempts=env_int(OPEN_SHOW_ATTEMPTS, 3, minimum=1, environ=environ),
            show_open_retry_interval_seconds=env_float(
                SHOW_OPEN_RETRY_INTERVAL_SECONDS, 30.0, minimum=0.01, environ=environ
            ),
            db_pool_size=env_pool_size("catalog", 5, environ=environ),
        )


@dataclass(frozen=True)
class SeedConfig:
    """Settings of ``python -m catalog seed``, a client of a running catalog."""

    catalog_addr: str = DEFAULT_CATALOG_ADDR
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SeedConfig:
        return cls(
            catalog_addr=env_str(CATALOG_ADDR, DEFAULT_CATALOG_ADDR, environ=environ),
            log_level=env_str(LOG_LEVEL, "WARNING", environ=environ),
        )
