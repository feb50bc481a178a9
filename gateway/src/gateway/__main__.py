"""``python -m gateway serve | migrate | token --user <uuid> [--role admin] [--ttl-hours 24]``."""

from __future__ import annotations

import argparse
import sys
import uuid

from gateway.config import SERVICE, Config, share_metrics_across_workers
from svckit import cli


def _serve(config: Config, args: argparse.Namespace) -> None:
    import uvicorn

    share_metrics_across_workers(config)
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


def _user_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a user id (uuid): {value!r}") from None


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, type=_user_id, help="the user's uuid (sub)")
    parser.add_argument("--role", action="append", default=[], help="a role, e.g. admin")
    parser.add_argument("--ttl-hours", type=float, default=24.0, help="lifetime (default 24)")


def _token(config: Config, args: argparse.Namespace) -> None:
    from gateway.auth import TokenSettings, issue_token

    settings = TokenSettings(config.jwt_secret, config.jwt_issuer, config.jwt_audience)
    print(issue_token(settings, args.user, args.role, ttl_seconds=args.ttl_hours * 3600))


COMMANDS = {
    "serve": cli.Command("run the HTTP gateway (uvicorn)", Config, _serve),
    "migrate": cli.migrate(SERVICE),
    "token": cli.Command(
        "print a development JWT signed with JWT_SECRET",
        Config,
        _token,
        arguments=_token_arguments,
        logs=False,
    ),
}


def main(argv: list[str] | None = None) -> int:
    return cli.main(SERVICE.name, COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())
