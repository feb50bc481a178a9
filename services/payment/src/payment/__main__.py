"""``python -m payment serve | migrate`` (migrate needs the database only, not the secrets)."""

from __future__ import annotations

import sys

from payment.bootstrap import create_app
from payment.config import SERVICE, Config
from svckit import cli


def main(argv: list[str] | None = None) -> int:
    commands = {"serve": cli.serve(Config, create_app), "migrate": cli.migrate(SERVICE)}
    return cli.main(SERVICE.name, commands, argv)


if __name__ == "__main__":
    sys.exit(main())
