"""Booking's identity and settings, read once from the environment; nothing else reads
os.environ."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, field_validator, model_validator

from svckit.config import ConfigError
from svckit.settings import ServiceInfo, ServiceSettings, pool_size, port

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Signs e-ticket codes (HMAC-SHA256); with ENV=production the process refuses to start on it.
DEVELOPMENT_TICKET_SECRET = "ticketing-development-ticket-secret"
TICKET_SIGNING_SECRET = "TICKET_SIGNING_SECRET"

SERVICE = ServiceInfo(
    name="booking",
    schema="booking",
    migrations=MIGRATIONS_DIR,
    grpc_service="ticketing.booking.v1.BookingService",
)


class Config(ServiceSettings):
    grpc_port: int = port("GRPC_PORT", 7053)
    metrics_port: int = port("METRICS_PORT", 9103)
    db_pool_size: int = pool_size("booking", 10)
    db_lock_timeout_ms: int = Field(2000, ge=1, validation_alias="DB_LOCK_TIMEOUT_MS")
    catalog_addr: str = Field("127.0.0.1:7051", validation_alias="CATALOG_ADDR")
    inventory_addr: str = Field("127.0.0.1:7052", validation_alias="INVENTORY_ADDR")
    upstream_deadline_seconds: float = Field(
        5.0, gt=0, validation_alias="UPSTREAM_DEADLINE_SECONDS"
    )
    booking_expiry_minutes: float = Field(15.0, gt=0, validation_alias="BOOKING_EXPIRY_MINUTES")
    payment_retry_extension_minutes: float = Field(
        5.0, ge=0, validation_alias="PAYMENT_RETRY_EXTENSION_MINUTES"
    )
    expiry_sweep_seconds: float = Field(5.0, gt=0, validation_alias="BOOKING_EXPIRY_SWEEP_SECONDS")
    expiry_batch_size: int = Field(200, ge=1, validation_alias="BOOKING_EXPIRY_BATCH_SIZE")
    archival_time: str = Field("03:00", validation_alias="ARCHIVAL_TIME")
    archive_after_days: float = Field(30.0, ge=0, validation_alias="ARCHIVE_AFTER_DAYS")
    # Seats reserved for a booking that was never stored are released once older than the
    # booking lifetime plus this grace (service_layer/unstored_reservations.py).
    unstored_reservation_sweep_seconds: float = Field(
        300.0, gt=0, validation_alias="UNSTORED_RESERVATION_SWEEP_SECONDS"
    )
    unstored_reservation_grace_minutes: float = Field(
        15.0, ge=0, validation_alias="UNSTORED_RESERVATION_GRACE_MINUTES"
    )
    show_cache_ttl_seconds: float = Field(300.0, ge=0, validation_alias="SHOW_CACHE_TTL_SECONDS")
    show_cache_size: int = Field(4096, ge=0, validation_alias="SHOW_CACHE_SIZE")
    outbox_poll_interval_seconds: float = Field(
        0.2,
        gt=0,
        validation_alias=AliasChoices("OUTBOX_POLL_INTERVAL_SECONDS", "OUTBOX_POLL_SECONDS"),
    )
    consumer_concurrency: int = Field(4, ge=1, validation_alias="BOOKING_CONSUMER_CONCURRENCY")
    # New bookings that arrive together are stored in one statement (at most this many; 1: each
    # its own), at most two such statements at a time (adapters/new_bookings.py).
    booking_batch_size: int = Field(32, ge=1, le=1000, validation_alias="BOOKING_BATCH_SIZE")
    # Reservations of one show that arrive while two calls for it are in flight go to inventory
    # in one ReserveSeatsBatch call (at most this many, inventory's bound being 64; 1: each in
    # its own ReserveSeats call) (adapters/inventory_client.py).
    inventory_batch_size: int = Field(32, ge=1, le=64, validation_alias="INVENTORY_BATCH_SIZE")
    ticket_signing_secret: str = Field(
        DEVELOPMENT_TICKET_SECRET, min_length=16, validation_alias=TICKET_SIGNING_SECRET
    )

    @field_validator("archival_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        """The daily archival's time of day, UTC, as ``HH:MM``."""
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ConfigError("ARCHIVAL_TIME", f"expected HH:MM (UTC), got {value!r}")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @model_validator(mode="after")
    def _own_ticket_secret_in_production(self) -> Self:
        """Anyone could forge tickets signed with the published development secret."""
        if self.env == "production" and self.ticket_signing_secret == DEVELOPMENT_TICKET_SECRET:
            raise ConfigError(
                TICKET_SIGNING_SECRET, "must be set to a secret of its own in production"
            )
        return self
