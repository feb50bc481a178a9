"""`python -m booking serve` runs the service; `python -m booking migrate` migrates its schema."""

from __future__ import annotations

import argparse
import sys

from booking.bootstrap import create_app
from booking.config import MIGRATIONS_DIR, Config
from svckit import runtime
from svckit.config import from_env_or_exit
from svckit.migrations import migrate
from svckit.logging import configure_logging
from svckit.metrics import start_metrics_server


async def _serve(config: Config) -> None:
    app = await create_app(config)
    await app.serve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="booking", description=__doc__)
    parser.add_argument("command", choices=("serve", "migrate"))
    args = parser.parse_args(argv)
    config = from_env_or_exit(Config.from_env, "booking")
    configure_logging("booking", config.log_level)
    if args.command == "migrate":
        migrate(config.database_url, MIGRATIONS_DIR, "booking")
        return 0
    start_metrics_server(config.metrics_port)
    runtime.run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
