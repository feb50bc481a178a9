"""``python -m booking serve | migrate``."""

from __future__ import annotations

import sys

from booking.bootstrap import create_app
from booking.config import SERVICE, Config
from svckit import cli


def main(argv: list[str] | None = None) -> int:
    commands = {"serve": cli.serve(Config, create_app), "migrate": cli.migrate(SERVICE)}
    return cli.main(SERVICE.name, commands, argv)


if __name__ == "__main__":
    sys.exit(main())
