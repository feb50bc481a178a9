"""``python -m payment serve`` runs the service; ``python -m payment migrate`` migrates it."""

from __future__ import annotations

import argparse

from payment.config import MIGRATIONS_DIR, Config
from svckit.db import migrate
from svckit.logging import configure_logging
from svckit.metrics import start_metrics_server
from svckit.runtime import run


async def _serve(config: Config) -> None:
    from payment.bootstrap import create_app

    app = await create_app(config)
    await app.serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m payment")
    parser.add_argument("command", choices=("serve", "migrate"))
    command = parser.parse_args(argv).command
    config = Config.from_env()
    configure_logging("payment", config.log_level)
    if command == "migrate":
        migrate(config.database_url, MIGRATIONS_DIR, "payment")
        return
    start_metrics_server(config.metrics_port)
    run(_serve(config))


if __name__ == "__main__":
    main()
