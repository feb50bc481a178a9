"""Running a service's main coroutine on uvloop.

uvloop's faster event loop and I/O lower per-request overhead for gRPC, psycopg and aio-pika
alike; ``run`` is the one place that chooses the loop, so ``__main__`` modules stay one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

__all__ = ["run"]

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T], *, use_uvloop: bool = True) -> T:
    """Run ``main`` to completion on a fresh (uvloop) event loop and return its result."""
    loop_factory = uvloop.new_event_loop if use_uvloop else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main)
