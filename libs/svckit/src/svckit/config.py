"""The one error of configuration, and how a process stops on it.

Settings are read by ``svckit.settings`` (pydantic-settings); whatever is missing or malformed
surfaces as a ``ConfigError`` naming the variable, e.g. ``GRPC_PORT: expected an integer, got
'abc'``, and ``from_env_or_exit`` turns it into that one line and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

__all__ = ["ConfigError", "from_env_or_exit"]

T = TypeVar("T")


class ConfigError(ValueError):
    """A required environment variable is missing or its value cannot be used."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


def from_env_or_exit(load: Callable[[], T], program: str) -> T:
    """``load()`` a process's settings; on a ConfigError say which variable and exit with 2.

    Processes start from this (``svckit.cli``), so a missing or bad variable is one clear line,
    not a traceback.
    """
    try:
        return load()
    except ConfigError as exc:
        print(f"{program}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
