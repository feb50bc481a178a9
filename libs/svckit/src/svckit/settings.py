"""One settings model for every Ticketing process, on pydantic-settings.

A process reads its settings once at start into one frozen object. The classes here hold what
processes share; a service's ``config.py`` extends one of them with its own fields, each naming
its environment variable::

    Settings                LOG_LEVEL
      DatabaseSettings      + DATABASE_URL                  (all that ``migrate`` needs)
        ServiceSettings     + ENV, DB_POOL_SIZE, AMQP_URL, AMQP_PREFIX, GRPC_PORT, METRICS_PORT

Every setting has one canonical variable, given first in its ``validation_alias``; a name
published earlier for the same setting follows it in ``AliasChoices`` and keeps working.

``Config.from_env()`` reads ``os.environ`` (or the mapping it is given, for tests) and turns a
missing or malformed value into a ``ConfigError`` that names the variable, e.g.
``GRPC_PORT: expected an integer, got 'abc'``. ``Config(field=...)`` builds settings from
keyword arguments alone and reads no environment, so tests are not at the mercy of the shell.
Blank values count as unset; values are stripped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from svckit.config import ConfigError

__all__ = [
    "DEFAULT_AMQP_URL",
    "DEFAULT_DATABASE_URL",
    "CommaSeparated",
    "DatabaseSettings",
    "Environment",
    "LogLevel",
    "Secrets",
    "ServiceInfo",
    "ServiceSettings",
    "Settings",
    "pool_size",
    "port",
]

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ticketing"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"

Environment = Literal["development", "production"]


@dataclass(frozen=True)
class ServiceInfo:
    """Who a service is: its name (logs, metrics, error domain), the schema it owns, its
    migrations, and the full name of its gRPC service (health and reflection)."""

    name: str
    schema: str
    migrations: Path
    grpc_service: str = ""


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


CommaSeparated = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split_commas)]
"""``a, b,c`` → ``("a", "b", "c")``: a list in one variable (allowed origins)."""


def _at_least_one(secrets: tuple[str, ...]) -> tuple[str, ...]:
    if not secrets:
        raise ValueError("needs at least one secret")
    return secrets


Secrets = Annotated[CommaSeparated, AfterValidator(_at_least_one)]
"""One or more comma-separated secrets, so a new one can be added before the old is retired."""


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
]
"""A logging level by name, in any case (``info`` is ``INFO``)."""


def port(name: str, default: int) -> Any:
    """A TCP port setting; 0 picks a free port (gRPC) or turns the listener off (metrics)."""
    return Field(default, ge=0, le=65535, validation_alias=name)


def pool_size(service: str, default: int) -> Any:
    """Database connections per process: ``<SERVICE>_DB_POOL_SIZE``, else ``DB_POOL_SIZE``.

    The prefixed name sizes one service in an environment every service shares (``make run``'s
    ``dev.env``); the plain one suits a process that has an environment of its own.
    """
    names = AliasChoices(f"{service.upper()}_DB_POOL_SIZE", "DB_POOL_SIZE")
    return Field(default, ge=1, validation_alias=names)


# The environment that ``from_env`` is reading, for ``settings_customise_sources``: a class
# method cannot be handed arguments, and a context variable keeps concurrent reads apart.
_reading: ContextVar[Mapping[str, str] | None] = ContextVar("svckit.settings.environ", default=None)


class _EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {
            name: value.strip() for name, value in self._environ.items() if value and value.strip()
        }


class Settings(BaseSettings):
    """The root of every process's settings: the machinery, and the log level."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        populate_by_name=True,
        extra="forbid",  # a misspelt keyword is an error, not a silent default
        allow_inf_nan=False,
    )

    log_level: LogLevel = Field("INFO", validation_alias="LOG_LEVEL")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _reading.get()
        if environ is None:
            return (init_settings,)
        return (_EnvironSource(settings_cls, environ),)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings as the environment gives them; ``ConfigError`` names a bad variable."""
        environ = os.environ if environ is None else environ
        with _environment(environ):
            try:
                return cls()
            except ValidationError as exc:
                raise _config_error(cls, exc, environ) from None


class DatabaseSettings(Settings):
    """What ``migrate`` needs, and nothing more (payment migrates without its secrets)."""

    database_url: str = Field(DEFAULT_DATABASE_URL, min_length=1, validation_alias="DATABASE_URL")


class ServiceSettings(DatabaseSettings):
    """What every gRPC service shares. A service redeclares ``grpc_port``, ``metrics_port`` and
    ``db_pool_size`` with its own defaults (``port(...)``, ``pool_size(...)``)."""

    env: Environment = Field("development", validation_alias="ENV")
    db_pool_size: int = Field(5, ge=1, validation_alias="DB_POOL_SIZE")
    amqp_url: str = Field(DEFAULT_AMQP_URL, min_length=1, validation_alias="AMQP_URL")
    amqp_prefix: str = Field("", validation_alias="AMQP_PREFIX")
    grpc_port: int = port("GRPC_PORT", 0)
    metrics_port: int = port("METRICS_PORT", 0)


@contextmanager
def _environment(environ: Mapping[str, str]) -> Iterator[None]:
    token = _reading.set(environ)
    try:
        yield
    finally:
        _reading.reset(token)


def _config_error(
    cls: type[Settings], exc: ValidationError, environ: Mapping[str, str]
) -> ConfigError:
    """The first problem of ``exc`` as one ``NAME: problem`` line."""
    error = exc.errors(include_url=False)[0]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    loc = error["loc"]
    name = _variable_set(cls, str(loc[0]), environ) if loc else cls.__name__
    return ConfigError(name, _problem(error["type"], error.get("ctx") or {}, error["input"]))


def _variable_set(cls: type[Settings], reported: str, environ: Mapping[str, str]) -> str:
    """Of the names a setting answers to, the one the value came from (pydantic reports the
    canonical one whichever alias was used)."""
    for field in cls.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and reported in alias.choices:
            names = [str(choice) for choice in alias.choices]
            return next((name for name in names if (environ.get(name) or "").strip()), reported)
    return reported


def _problem(kind: str, ctx: Mapping[str, Any], value: Any) -> str:
    if kind == "missing":
        return "is required but not set"
    expected = {
        "int_parsing": "an integer",
        "int_from_float": "an integer",
        "float_parsing": "a number",
        "finite_number": "a finite number",
        "bool_parsing": "a boolean (true/false)",
    }
    if kind in expected:
        return f"expected {expected[kind]}, got {value!r}"
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx[key]}, got {value}"
    if kind == "literal_error":
        return f"expected one of [{ctx['expected'].replace(' or ', ', ')}], got {value!r}"
    if kind == "string_too_short":
        return f"must be at least {ctx['min_length']} characters long"
    if kind == "value_error":
        return str(ctx["error"])
    return f"cannot use {value!r}"
