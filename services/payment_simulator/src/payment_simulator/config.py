"""The simulator's settings, read once from the environment; a bad value stops the start, named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from svckit.config import ConfigError, env_float, env_int, env_optional_str, env_str

SIMULATOR_HOST = "SIMULATOR_HOST"
SIMULATOR_PORT = "SIMULATOR_PORT"
PUBLIC_URL = "PUBLIC_URL"
WEBHOOK_URL = "WEBHOOK_URL"
WEBHOOK_SECRET = "WEBHOOK_SECRET"
PAYMENT_WEBHOOK_SECRET = "PAYMENT_WEBHOOK_SECRET"
WEBHOOK_MAX_ATTEMPTS = "WEBHOOK_MAX_ATTEMPTS"
WEBHOOK_MAX_ELAPSED_SECONDS = "WEBHOOK_MAX_ELAPSED_SECONDS"
WEBHOOK_INITIAL_BACKOFF_SECONDS = "WEBHOOK_INITIAL_BACKOFF_SECONDS"
WEBHOOK_MAX_BACKOFF_SECONDS = "WEBHOOK_MAX_BACKOFF_SECONDS"
WEBHOOK_TIMEOUT_SECONDS = "WEBHOOK_TIMEOUT_SECONDS"
LOG_LEVEL = "LOG_LEVEL"


@dataclass(frozen=True, kw_only=True)
class Settings:
    webhook_secrets: tuple[str, ...]
    host: str = "0.0.0.0"
    port: int = 8010
    public_url: str = ""
    webhook_url: str = "http://127.0.0.1:8001/api/v1/payments/webhook"
    webhook_max_attempts: int = 10
    webhook_max_elapsed_seconds: float = 3600.0
    webhook_initial_backoff_seconds: float = 0.5
    webhook_max_backoff_seconds: float = 60.0
    webhook_timeout_seconds: float = 5.0
    log_level: str = "INFO"

    @property
    def base_url(self) -> str:
        """Where customers' browsers reach the checkout pages."""
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        secret = env_optional_str(WEBHOOK_SECRET, environ=environ) or env_optional_str(
            PAYMENT_WEBHOOK_SECRET, environ=environ
        )
        if secret is None:
            raise ConfigError(WEBHOOK_SECRET, "is required but not set")
        secrets = tuple(part.strip() for part in secret.split(",") if part.strip())
        return cls(
            webhook_secrets=secrets,
            host=env_str(SIMULATOR_HOST, cls.host, environ=environ),
            port=env_int(SIMULATOR_PORT, cls.port, minimum=0, maximum=65535, environ=environ),
            public_url=env_optional_str(PUBLIC_URL, environ=environ) or "",
            webhook_url=env_str(WEBHOOK_URL, cls.webhook_url, environ=environ),
            webhook_max_attempts=env_int(
                WEBHOOK_MAX_ATTEMPTS, cls.webhook_max_attempts, minimum=1, environ=environ
            ),
            webhook_max_elapsed_seconds=env_float(
                WEBHOOK_MAX_ELAPSED_SECONDS,
                cls.webhook_max_elapsed_seconds,
                minimum=0.01,
                environ=environ,
            ),
            webhook_initial_backoff_seconds=env_float(
                WEBHOOK_INITIAL_BACKOFF_SECONDS,
                cls.webhook_initial_backoff_seconds,
                minimum=0,
                environ=environ,
            ),
            webhook_max_backoff_seconds=env_float(
                WEBHOOK_MAX_BACKOFF_SECONDS,
                cls.webhook_max_backoff_seconds,
                minimum=0,
                environ=environ,
            ),
            webhook_timeout_seconds=env_float(
                WEBHOOK_TIMEOUT_SECONDS, cls.webhook_timeout_seconds, minimum=0.01, environ=environ
            ),
            log_level=env_str(LOG_LEVEL, cls.log_level, environ=environ),
        )
