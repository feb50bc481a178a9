"""The command line of every Ticketing process: ``python -m <service> <command>``.

A service's ``__main__`` names its commands and hands them to ``main``::

    main("inventory", {"serve": serve(Config, create_app), "migrate": migrate(SERVICE)})

``main`` parses the command line, reads the command's settings once (a missing or bad variable
is one line, ``inventory: configuration error: GRPC_PORT: expected an integer, got 'abc'``,
and exit code 2), configures logging, and runs the command. ``migrate`` reads only
``DatabaseSettings``, so a service migrates without, say, its provider's secrets.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from svckit.config import from_env_or_exit
from svckit.settings import DatabaseSettings, ServiceInfo, ServiceSettings, Settings

__all__ = ["Command", "main", "migrate", "serve"]

S = TypeVar("S", bound=Settings)
SS = TypeVar("SS", bound=ServiceSettings)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class Command:
    """One subcommand: ``run(settings, args)`` with ``settings`` read from the environment.

    ``arguments`` adds the command's own options to its parser; ``log_as`` names the process in
    its log lines (the program's name by default); ``logs=False`` keeps stdout for the output
    alone (a printed token).
    """

    help: str
    settings: type[Settings]
    run: Callable[[Any, argparse.Namespace], int | None]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    log_as: str | None = None
    logs: bool = True


def main(
    prog: str,
    commands: Mapping[str, Command],
    argv: list[str] | None = None,
    *,
    default: str | None = None,
) -> int:
    """Run the command ``argv`` names (``default`` when it names none) and return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog=f"python -m {prog}")
    subparsers = parser.add_subparsers(dest="command", required=default is None)
    for name, command in commands.items():
        command.arguments(subparsers.add_parser(name, help=command.help))
    args = parser.parse_args(argv)
    if args.command is None and default is not None:
        args = parser.parse_args([*argv, default])
    command = commands[args.command]
    settings = from_env_or_exit(command.settings.from_env, prog)
    if command.logs:
        from svckit.logging import configure_logging

        configure_logging(command.log_as or prog, settings.log_level)
    return command.run(settings, args) or 0


def serve(settings: type[SS], create_app: Callable[[SS], Awaitable[Any]]) -> Command:
    """``serve``: the metrics listener, then the gRPC service ``create_app`` wires, until
    SIGTERM (``ServiceProcess.serve``)."""

    def run(config: SS, args: argparse.Namespace) -> None:
        from svckit.metrics import start_metrics_server
        from svckit.runtime import run as run_on_uvloop

        async def serve_app() -> None:
            app = await create_app(config)
            await app.serve()

        start_metrics_server(config.metrics_port)
        run_on_uvloop(serve_app())

    return Command("run the service until SIGTERM", settings, run)


def migrate(service: ServiceInfo) -> Command:
    """``migrate``: bring the service's schema to the newest revision (needs only the database)."""

    def run(config: DatabaseSettings, args: argparse.Namespace) -> None:
        from svckit.migrations import migrate as migrate_schema

        migrate_schema(config.database_url, service.migrations, service.schema)

    return Command(
        f"migrate the {service.schema} schema to the newest revision", DatabaseSettings, run
    )
