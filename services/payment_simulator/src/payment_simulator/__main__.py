"""``python -m payment_simulator [serve]``: serve the simulator on SIMULATOR_PORT (default 8010)."""

from __future__ import annotations

import argparse
import sys

from payment_simulator.config import Settings
from svckit import cli


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from payment_simulator.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def main(argv: list[str] | None = None) -> int:
    serve = cli.Command(
        "serve the provider's API and checkout pages", Settings, _serve, log_as="payment-simulator"
    )
    return cli.main("payment_simulator", {"serve": serve}, argv, default="serve")


if __name__ == "__main__":
    sys.exit(main())
