"""``python -m payment_simulator``: serve the simulator on SIMULATOR_PORT (default 8010)."""

from __future__ import annotations

import uvicorn

from payment_simulator.app import create_app
from payment_simulator.config import Settings
from svckit.config import from_env_or_exit
from svckit.logging import configure_logging


def main() -> None:
    settings = from_env_or_exit(Settings.from_env, "payment_simulator")
    configure_logging("payment-simulator", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
