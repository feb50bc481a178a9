"""``python -m inventory serve`` runs the service; ``python -m inventory migrate`` migrates it."""

from __future__ import annotations

import argparse
import sys

from inventory.config import MIGRATIONS_DIR, Config


async def _serve(config: Config) -> None:
    from inventory.bootstrap import create_app
    from svckit.metrics import start_metrics_server

    start_metrics_server(config.metrics_port)
    app = await create_app(config)
    await app.serve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inventory")
    parser.add_argument("command", choices=("serve", "migrate"))
    args = parser.parse_args(argv)

    from svckit.config import from_env_or_exit

    config = from_env_or_exit(Config.from_env, "inventory")

    from svckit.logging import configure_logging

    configure_logging("inventory", config.log_level)
    if args.command == "migrate":
        from svckit.migrations import migrate

        migrate(config.database_url, MIGRATIONS_DIR, "inventory")
        return 0

    from svckit.runtime import run

    run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
