"""``python -m waitingroom serve | migrate``."""

from __future__ import annotations

import sys

from svckit import cli
from waitingroom.bootstrap import create_app
from waitingroom.config import SERVICE, Config


def main(argv: list[str] | None = None) -> int:
    commands = {"serve": cli.serve(Config, create_app), "migrate": cli.migrate(SERVICE)}
    return cli.main(SERVICE.name, commands, argv)


if __name__ == "__main__":
    sys.exit(main())
