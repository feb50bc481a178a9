"""``python -m catalog serve | migrate | seed [--catalog-addr HOST:PORT]``."""

from __future__ import annotations

import argparse
import sys

from catalog.bootstrap import create_app
from catalog.config import SERVICE, Config, SeedConfig
from svckit import cli


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog-addr",
        default=None,
        help="host:port of the catalog service (default: $CATALOG_ADDR or 127.0.0.1:7051)",
    )


def _seed(config: SeedConfig, args: argparse.Namespace) -> None:
    from catalog.entrypoints.seed import seed_catalog
    from svckit.runtime import run

    run(seed_catalog(args.catalog_addr or config.catalog_addr))


SEED = cli.Command(
    "load the demo catalog through a running catalog",
    SeedConfig,
    _seed,
    arguments=_seed_arguments,
    log_as="catalog-seed",
)


def main(argv: list[str] | None = None) -> int:
    commands = {
        "serve": cli.serve(Config, create_app),
        "migrate": cli.migrate(SERVICE),
        "seed": SEED,
    }
    return cli.main(SERVICE.name, commands, argv)


if __name__ == "__main__":
    sys.exit(main())
