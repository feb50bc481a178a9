"""Structured JSON logs on stdout, one object per line, for every service.

structlog's context variables carry the request id (bound by the gRPC interceptor) into every
line logged while handling a request, including lines from the standard ``logging`` module used
by aio-pika, alembic and grpc, which are routed through the same JSON renderer.

Our own (structlog) lines are rendered and written by structlog directly, not through a stdlib
``LogRecord``, handler and formatter: an access line per request and per RPC is on every hot
path, and the direct route costs a fraction of the stdlib one.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import orjson
import structlog

__all__ = ["configure_logging", "get_logger"]


class _NamedPrintLogger(structlog.PrintLogger):
    """structlog's print logger with the name ``get_logger(name)`` asked for (the ``logger``
    field, added by ``add_logger_name`` as for stdlib loggers)."""

    def __init__(self, name: str | None) -> None:
        super().__init__(sys.stdout)
        self.name = name


def _named_print_logger(*args: Any) -> _NamedPrintLogger:
    return _NamedPrintLogger(args[0] if args else None)


def _dumps(event: dict[str, Any], **kwargs: Any) -> str:
    """A line's JSON, by orjson (several times faster than the standard library on every access
    line); what orjson cannot encode (an integer beyond 64 bits) by the standard library."""
    try:
        return orjson.dumps(event, default=kwargs.get("default"), option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(event, **kwargs)


_OPTIONS = orjson.OPT_NON_STR_KEYS


def _service_adder(service: str) -> Any:
    def add_service(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)
        return event

    return add_service


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send structlog and stdlib logging to stdout as JSON at ``level`` (e.g. ``"DEBUG"``)."""
    numeric_level = logging.getLevelNamesMapping().get(level.upper())
    if numeric_level is None:
        raise ValueError(f"unknown log level {level!r}")
    add_service = _service_adder(service)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_service,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(_dumps),
        ],
        logger_factory=_named_print_logger,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )

    # Lines of stdlib loggers (uvicorn, grpc, aio-pika, alembic) get the same fields and shape.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_service,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(_dumps),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for noisy in ("aiormq", "aio_pika", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.WARNING))


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    """A structured logger; safe to call at import time (configuration is applied lazily, on
    first use, which is why nothing here may ``bind``)."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
