"""Typed reads of environment variables that fail loudly and name the culprit.

Services keep one frozen settings dataclass in their own ``config.py`` and fill it with these
functions, so a missing or malformed variable stops the process at start with a message such as
``GRPC_PORT: expected an integer, got 'abc'`` instead of surfacing later as a confusing error.
Every function takes an optional ``environ`` mapping so tests need not touch ``os.environ``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

__all__ = [
    "ConfigError",
    "env_bool",
    "env_choice",
    "env_float",
    "env_int",
    "env_optional_str",
    "env_pool_size",
    "env_str",
]

T = TypeVar("T")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """A required environment variable is missing or its value cannot be used."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    """The variable's value, with empty and blank values treated as unset."""
    source = os.environ if environ is None else environ
    value = source.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _read(
    name: str,
    default: T | None,
    parse: Callable[[str], T],
    expected: str,
    environ: Mapping[str, str] | None,
) -> T:
    raw = _raw(name, environ)
    if raw is None:
        if default is None:
            raise ConfigError(name, "is required but not set")
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ConfigError(name, f"expected {expected}, got {raw!r}") from None


def _check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ConfigError(name, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(name, f"must be <= {maximum}, got {value}")


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    """A string variable; required when ``default`` is None."""
    return _read(name, default, str, "a string", environ)


def env_optional_str(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    """A string variable that may be absent (None then)."""
    return _raw(name, environ)


def env_int(
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """An integer variable, optionally bounded (ports, pool sizes)."""
    value = _read(name, default, int, "an integer", environ)
    _check_range(name, value, minimum, maximum)
    return value


def env_float(
    name: str,
    default: float | None = None,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    """A number that may have a fraction, so tests can shrink durations (``0.05`` minutes)."""
    value = _read(name, default, float, "a number", environ)
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(name, f"expected a finite number, got {value}")
    _check_range(name, value, minimum, maximum)
    return value


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(raw)


def env_bool(
    name: str, default: bool | None = None, *, environ: Mapping[str, str] | None = None
) -> bool:
    """A flag: 1/true/yes/on or 0/false/no/off, case-insensitive."""
    return _read(name, default, _parse_bool, "a boolean (true/false)", environ)


def env_choice(
    name: str,
    choices: Collection[str],
    default: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """One of a closed set of words, e.g. ``ENV`` in development|production."""
    value = env_str(name, default, environ=environ)
    if value not in choices:
        raise ConfigError(name, f"expected one of {sorted(choices)}, got {value!r}")
    return value


def from_env_or_exit(load: Callable[[], T], program: str) -> T:
    """``load()`` a service's settings; on a ConfigError say which variable and exit with 2.

    Processes start from this, so a missing or bad variable is one clear line, not a traceback.
    """
    try:
        return load()
    except ConfigError as exc:
        print(f"{program}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def env_pool_size(service: str, default: int, *, environ: Mapping[str, str] | None = None) -> int:
    """Database connections per process of ``service``: ``<SERVICE>_DB_POOL_SIZE``, else
    ``DB_POOL_SIZE``, else ``default``.

    The prefixed name sizes one service in an environment every service shares (``make run``'s
    ``dev.env``); the plain one suits a process that has an environment of its own.
    """
    own = f"{service.upper()}_DB_POOL_SIZE"
    name = own if _raw(own, environ) is not None else "DB_POOL_SIZE"
    return env_int(name, default, minimum=1, environ=environ)
