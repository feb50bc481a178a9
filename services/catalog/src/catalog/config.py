"""Catalog's identity and settings, read once from the environment; nothing else reads
os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from svckit.settings import LogLevel, ServiceInfo, ServiceSettings, Settings, pool_size, port

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

SERVICE = ServiceInfo(
    name="catalog",
    schema="catalog",
    migrations=MIGRATIONS_DIR,
    grpc_service="ticketing.catalog.v1.CatalogService",
)

DEFAULT_CATALOG_ADDR = "127.0.0.1:7051"
DEFAULT_INVENTORY_ADDR = "127.0.0.1:7052"


class Config(ServiceSettings):
    grpc_port: int = port("GRPC_PORT", 7051)
    metrics_port: int = port("METRICS_PORT", 9101)
    db_pool_size: int = pool_size("catalog", 5)
    inventory_addr: str = Field(DEFAULT_INVENTORY_ADDR, validation_alias="INVENTORY_ADDR")
    inventory_deadline_seconds: float = Field(
        5.0, ge=0.01, validation_alias="INVENTORY_DEADLINE_SECONDS"
    )
    open_show_attempts: int = Field(3, ge=1, validation_alias="OPEN_SHOW_ATTEMPTS")
    show_open_retry_interval_seconds: float = Field(
        30.0, ge=0.01, validation_alias="SHOW_OPEN_RETRY_INTERVAL_SECONDS"
    )


class SeedConfig(Settings):
    """Settings of ``python -m catalog seed``, a client of a running catalog."""

    catalog_addr: str = Field(DEFAULT_CATALOG_ADDR, validation_alias="CATALOG_ADDR")
    log_level: LogLevel = Field("WARNING", validation_alias="LOG_LEVEL")
