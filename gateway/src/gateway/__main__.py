"""``python -m gateway serve | migrate | token --user <uuid> [--role admin] [--ttl-hours 24]``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid

from gateway.auth import TokenSettings, issue_token
from gateway.config import MIGRATIONS_DIR, PROMETHEUS_MULTIPROC_DIR, SCHEMA, Config
from svckit.config import from_env_or_exit
from svckit.logging import configure_logging


def _user_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a user id (uuid): {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP gateway (uvicorn)")
    commands.add_parser("migrate", help="migrate the gateway schema (idempotency keys)")
    token = commands.add_parser("token", help="print a development JWT signed with JWT_SECRET")
    token.add_argument("--user", required=True, type=_user_id, help="the user's uuid (sub)")
    token.add_argument("--role", action="append", default=[], help="a role, e.g. admin")
    token.add_argument("--ttl-hours", type=float, default=24.0, help="lifetime (default 24)")
    return parser


def _serve(config: Config) -> None:
    import uvicorn

    if config.workers > 1 and not config.metrics_multiproc_dir:
        # Workers are separate processes: let /metrics aggregate them (read by prometheus_client
        # in each worker at import, hence the environment rather than the config object).
        os.environ[PROMETHEUS_MULTIPROC_DIR] = tempfile.mkdtemp(prefix="gateway-metrics-")
    uvicorn.run(
        "gateway.app:app_from_env",
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        backlog=2048,
        timeout_graceful_shutdown=10,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = from_env_or_exit(Config.from_env, "gateway")
    if args.command == "token":
        settings = TokenSettings(config.jwt_secret, config.jwt_issuer, config.jwt_audience)
        print(issue_token(settings, args.user, args.role, ttl_seconds=args.ttl_hours * 3600))
        return 0
    configure_logging("gateway", config.log_level)
    if args.command == "migrate":
        from svckit.migrations import migrate

        migrate(config.database_url, MIGRATIONS_DIR, SCHEMA)
        return 0
    _serve(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
