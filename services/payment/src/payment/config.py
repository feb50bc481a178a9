"""Payment's identity and settings, read once from the environment; nothing else reads
os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from svckit.settings import Secrets, ServiceInfo, ServiceSettings, pool_size, port

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

SERVICE = ServiceInfo(
    name="payment",
    schema="payment",
    migrations=MIGRATIONS_DIR,
    grpc_service="ticketing.payment.v1.PaymentService",
)


class Config(ServiceSettings):
    webhook_secrets: Secrets = Field(validation_alias="PAYMENT_WEBHOOK_SECRET")
    grpc_port: int = port("GRPC_PORT", 7054)
    metrics_port: int = port("METRICS_PORT", 9104)
    db_pool_size: int = pool_size("payment", 10)
    booking_addr: str = Field("127.0.0.1:7053", validation_alias="BOOKING_ADDR")
    provider_url: str = Field("http://127.0.0.1:8010", validation_alias="PAYMENT_PROVIDER_URL")
    provider_timeout_seconds: float = Field(
        5.0, ge=0.01, validation_alias="PAYMENT_PROVIDER_TIMEOUT_SECONDS"
    )
    provider_attempts: int = Field(3, ge=1, validation_alias="PAYMENT_PROVIDER_ATTEMPTS")
    webhook_tolerance_seconds: float = Field(
        300.0, ge=1, validation_alias="WEBHOOK_TOLERANCE_SECONDS"
    )
    refund_retry_interval_seconds: float = Field(
        1.0, ge=0.01, validation_alias="REFUND_RETRY_INTERVAL_SECONDS"
    )
    refund_retry_max_seconds: float = Field(
        300.0, ge=0.01, validation_alias="REFUND_RETRY_MAX_SECONDS"
    )
    outbox_poll_interval_seconds: float = Field(
        0.5,
        ge=0.01,
        validation_alias=AliasChoices("OUTBOX_POLL_INTERVAL_SECONDS", "OUTBOX_POLL_SECONDS"),
    )

    @property
    def simulation_enabled(self) -> bool:
        return self.env == "development"
