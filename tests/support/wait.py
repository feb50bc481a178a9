"""Waiting for asynchronous effects: poll with a deadline, never sleep blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline, not a cancellation scope
    interval: float = 0.05,
    message: str = "condition not met",
) -> T:
    """Call `probe` until it returns a truthy value or raises no AssertionError; return that value.

    A probe may either return a value (falsy means "not yet") or assert. The last failure is
    reported when the deadline passes, so a timeout says what was last seen.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = await probe()
            if result:
                return result
            last = result
        except AssertionError as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} within {timeout}s; last seen: {last!r}")
        await asyncio.sleep(interval)
