"""The waiting room's identity and settings, read once from the environment; nothing else reads
os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from svckit.settings import ServiceInfo, ServiceSettings, pool_size, port

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

SERVICE = ServiceInfo(
    name="waitingroom",
    schema="waitingroom",
    migrations=MIGRATIONS_DIR,
    grpc_service="ticketing.waitingroom.v1.WaitingRoomService",
)

DEFAULT_CATALOG_ADDR = "127.0.0.1:7051"


class Config(ServiceSettings):
    grpc_port: int = port("GRPC_PORT", 7055)
    metrics_port: int = port("METRICS_PORT", 9105)
    db_pool_size: int = pool_size("waitingroom", 5)
    catalog_addr: str = Field(DEFAULT_CATALOG_ADDR, validation_alias="CATALOG_ADDR")
    catalog_deadline_seconds: float = Field(
        2.0, ge=0.01, validation_alias="CATALOG_DEADLINE_SECONDS"
    )
    pass_minutes: float = Field(10.0, ge=0.001, validation_alias="ADMISSION_PASS_MINUTES")
    admission_interval_seconds: float = Field(
        1.0, ge=0.01, validation_alias="ADMISSION_INTERVAL_SECONDS"
    )
    show_settings_cache_seconds: float = Field(
        5.0, ge=0, validation_alias="SHOW_SETTINGS_CACHE_SECONDS"
    )
