"""``python -m catalog serve | migrate | seed [--catalog-addr HOST:PORT]``."""

from __future__ import annotations

import argparse
import sys

from catalog.config import MIGRATIONS_DIR, Config, SeedConfig


async def _serve(config: Config) -> None:
    from catalog.bootstrap import create_app
    from svckit.metrics import start_metrics_server

    start_metrics_server(config.metrics_port)
    app = await create_app(config)
    await app.serve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m catalog")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the gRPC server and the show opener job")
    commands.add_parser("migrate", help="migrate the catalog schema to the newest revision")
    seed = commands.add_parser("seed", help="load the demo catalog through a running catalog")
    seed.add_argument(
        "--catalog-addr",
        default=None,
        help="host:port of the catalog service (default: $CATALOG_ADDR or 127.0.0.1:50051)",
    )
    args = parser.parse_args(argv)

    from svckit.config import from_env_or_exit
    from svckit.logging import configure_logging
    from svckit.runtime import run

    if args.command == "seed":
        from catalog.entrypoints.seed import seed_catalog

        seed_config = from_env_or_exit(SeedConfig.from_env, "catalog seed")
        configure_logging("catalog-seed", seed_config.log_level)
        run(seed_catalog(args.catalog_addr or seed_config.catalog_addr))
        return 0

    config = from_env_or_exit(Config.from_env, "catalog")
    configure_logging("catalog", config.log_level)
    if args.command == "migrate":
        from svckit.migrations import migrate

        migrate(config.database_url, MIGRATIONS_DIR, "catalog")
        return 0
    run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
