"""Concurrent seat maps of one show share one read of its taken seats.

When thousands of viewers poll the same show, most seat-map calls for it arrive while a read
for it is already running. Joining that read would be wrong: it started before they arrived and
may miss a hold a viewer just made. So they wait for the *next* read, which starts the moment
the running one ends and serves everyone who arrived in between. Every caller therefore gets a
read that started after its call did (read-your-writes holds), and under load a show costs one
query per round trip of the database instead of one per viewer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedReads(Generic[T]):
    def __init__(self, read: Callable[[str], Awaitable[T]]) -> None:
        self._read = read
        self._running: set[str] = set()
        self._next: dict[str, asyncio.Future[T]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, key: str) -> T:
        """A read of ``key`` that starts no earlier than this call."""
        waiting = self._next.get(key)
        if waiting is None:
            waiting = self._next[key] = asyncio.get_running_loop().create_future()
            if key not in self._running:
                self._start(key)
        return await asyncio.shield(waiting)

    def _start(self, key: str) -> None:
        future = self._next.pop(key)
        self._running.add(key)
        task = asyncio.ensure_future(self._run(key, future))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: str, future: asyncio.Future[T]) -> None:
        # Retrieved here too, so a failure whose callers all gave up is not logged as lost.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            future.set_result(await self._read(key))
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
        finally:
            self._running.discard(key)
            if key in self._next:
                self._start(key)
