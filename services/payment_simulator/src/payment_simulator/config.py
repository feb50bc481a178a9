"""The simulator's settings, read once from the environment; nothing else reads os.environ."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from svckit import settings
from svckit.settings import Secrets, port


class Settings(settings.Settings):
    # Its own name first; an environment every process shares (make run's) may set only the
    # payment service's name, which signs with the same secret.
    webhook_secrets: Secrets = Field(
        validation_alias=AliasChoices("WEBHOOK_SECRET", "PAYMENT_WEBHOOK_SECRET")
    )
    # Loopback unless told otherwise: the checkout pages pay any session (containers set
    # SIMULATOR_HOST=0.0.0.0).
    host: str = Field("127.0.0.1", validation_alias="SIMULATOR_HOST")
    port: int = port("SIMULATOR_PORT", 8010)
    public_url: str = Field("", validation_alias="PUBLIC_URL")
    webhook_url: str = Field(
        "http://127.0.0.1:8001/api/v1/payments/webhook", validation_alias="WEBHOOK_URL"
    )
    webhook_max_attempts: int = Field(10, ge=1, validation_alias="WEBHOOK_MAX_ATTEMPTS")
    webhook_max_elapsed_seconds: float = Field(
        3600.0, ge=0.01, validation_alias="WEBHOOK_MAX_ELAPSED_SECONDS"
    )
    webhook_initial_backoff_seconds: float = Field(
        0.5, ge=0, validation_alias="WEBHOOK_INITIAL_BACKOFF_SECONDS"
    )
    webhook_max_backoff_seconds: float = Field(
        60.0, ge=0, validation_alias="WEBHOOK_MAX_BACKOFF_SECONDS"
    )
    webhook_timeout_seconds: float = Field(5.0, ge=0.01, validation_alias="WEBHOOK_TIMEOUT_SECONDS")

    @property
    def base_url(self) -> str:
        """Where customers' browsers reach the checkout pages."""
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")
