"""Inventory's identity and settings, read once from the environment; nothing else reads
os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from svckit.settings import ServiceInfo, ServiceSettings, pool_size, port

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

SERVICE = ServiceInfo(
    name="inventory",
    schema="inventory",
    migrations=MIGRATIONS_DIR,
    grpc_service="ticketing.inventory.v1.InventoryService",
)


class Config(ServiceSettings):
    grpc_port: int = port("GRPC_PORT", 7052)
    metrics_port: int = port("METRICS_PORT", 9102)
    db_pool_size: int = pool_size("inventory", 12)
    seat_hold_minutes: float = Field(5.0, ge=0.001, validation_alias="SEAT_HOLD_MINUTES")
    max_seats_per_hold: int = Field(10, ge=1, validation_alias="MAX_SEATS_PER_HOLD")
    hold_cleanup_interval_seconds: float = Field(
        300.0, ge=0.01, validation_alias="HOLD_CLEANUP_INTERVAL_SECONDS"
    )
    db_lock_timeout_ms: int = Field(
        2000,
        ge=1,
        validation_alias=AliasChoices("DB_LOCK_TIMEOUT_MS", "INVENTORY_LOCK_TIMEOUT_MS"),
    )
    # Holds and reservations of one show that arrive together share one transaction (at most
    # this many; 1: each its own), with at most SEAT_BATCHES_PER_SHOW such transactions of a show
    # in flight per process (service_layer/batches.py).
    seat_batch_size: int = Field(32, ge=1, le=1000, validation_alias="SEAT_BATCH_SIZE")
    seat_batches_per_show: int = Field(2, ge=1, le=64, validation_alias="SEAT_BATCHES_PER_SHOW")
    consume_events: bool = Field(True, validation_alias="INVENTORY_CONSUME_EVENTS")
    # The waiting room that guards on-sales; empty: none in this deployment (no show needs a pass).
    waitingroom_addr: str = Field("", validation_alias="WAITINGROOM_ADDR")
    waitingroom_deadline_seconds: float = Field(
        5.0, ge=0.01, validation_alias="WAITINGROOM_DEADLINE_SECONDS"
    )
