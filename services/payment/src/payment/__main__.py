"""``python -m payment serve`` runs the service; ``python -m payment migrate`` migrates it."""

from __future__ import annotations

import argparse
import os
import sys

from payment.config import DATABASE_URL, MIGRATIONS_DIR, Config
from svckit.config import from_env_or_exit
from svckit.migrations import migrate
from svckit.logging import configure_logging
from svckit.metrics import start_metrics_server
from svckit.runtime import run


async def _serve(config: Config) -> None:
    from payment.bootstrap import create_app

    app = await create_app(config)
    await app.serve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payment")
    parser.add_argument("command", choices=("serve", "migrate"))
    command = parser.parse_args(argv).command
    if command == "migrate":  # needs the database only, not the provider's secrets
        configure_logging("payment", os.environ.get("LOG_LEVEL", Config.log_level))
        migrate(os.environ.get(DATABASE_URL, Config.database_url), MIGRATIONS_DIR, "payment")
        return 0
    config = from_env_or_exit(Config.from_env, "payment")
    configure_logging("payment", config.log_level)
    start_metrics_server(config.metrics_port)
    run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
