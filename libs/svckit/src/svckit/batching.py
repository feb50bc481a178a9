"""Requests that arrive while their kind of write is busy, run together in one transaction.

A hot write (a seat reservation of one show, a new booking) costs its round trips and a commit
per request; when dozens arrive at once, most of that is the same work done again. A
``Batcher`` keeps a queue per key (a show, say): a request that finds fewer than ``in_flight``
transactions of its key running starts one at once, alone, so an idle system adds no latency;
requests that arrive while they run wait, and the next transaction to finish takes everything
queued (up to ``max_size``) as one batch. The batch size follows the load.

The caller supplies the two ways to run: ``together(key, requests)`` runs a batch in one
transaction and returns, per request, its result or its refusal (an exception instance); when
it raises, nothing of the batch was written and each request runs ``alone``, as it would have
without batching, so every request still gets the answer it would have got alone.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["BatchRunner", "Batcher"]

Q = TypeVar("Q")
K = TypeVar("K", bound=Hashable)

BatchRunner = Callable[[K, list[Q]], Awaitable[list[Any]]]


@dataclass(eq=False)
class _Waiting(Generic[Q]):
    request: Q
    answer: asyncio.Future[Any]


@dataclass(eq=False)
class _Queue(Generic[Q]):
    waiting: deque[_Waiting[Q]]
    running: int = 0


class Batcher(Generic[K, Q]):
    """Per key: at most ``in_flight`` transactions; what arrives meanwhile goes in the next."""

    def __init__(
        self,
        together: Callable[[K, list[Q]], Awaitable[list[Any]]],
        alone: Callable[[Q], Awaitable[Any]],
        *,
        max_size: int,
        in_flight: int,
        on_batch: Callable[[int, str], None] | None = None,
    ) -> None:
        """``on_batch(requests, how)`` is told of every run: how is alone, together or split."""
        if max_size < 1 or in_flight < 1:
            raise ValueError("max_size and in_flight must be at least 1")
        self._together = together
        self._alone = alone
        self._max_size = max_size
        self._in_flight = in_flight
        self._on_batch = on_batch or (lambda size, how: None)
        self._queues: dict[K, _Queue[Q]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def queued(self, key: K) -> int:
        """Requests of ``key`` waiting for a transaction (not those in one)."""
        queue = self._queues.get(key)
        return len(queue.waiting) if queue is not None else 0

    async def submit(self, key: K, request: Q) -> Any:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(deque())
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # A caller that gave up leaves its refusal unread: it is not "never retrieved".
        answer.add_done_callback(_retrieved)
        queue.waiting.append(_Waiting(request, answer))
        if queue.running < self._in_flight:
            queue.running += 1
            task = asyncio.create_task(self._drain(key, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # A caller that gives up does not stop its batch: the answer is set (and dropped) later.
        return await asyncio.shield(answer)

    async def _drain(self, key: K, queue: _Queue[Q]) -> None:
        try:
            while queue.waiting:
                batch: list[_Waiting[Q]] = []
                while queue.waiting and len(batch) < self._max_size:
                    batch.append(queue.waiting.popleft())
                await self._run(key, batch)
        finally:
            queue.running -= 1
            if not queue.running and not queue.waiting:
                self._queues.pop(key, None)

    async def _run(self, key: K, batch: list[_Waiting[Q]]) -> None:
        if len(batch) == 1:
            self._on_batch(1, "alone")
            await self._settle(batch[0])
            return
        try:
            answers = await self._together(key, [item.request for item in batch])
        except Exception:
            # Nothing of the batch was written: each request runs as it would alone.
            self._on_batch(len(batch), "split")
            await asyncio.gather(*(self._settle(item) for item in batch))
            return
        self._on_batch(len(batch), "together")
        for item, answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                _reject(item.answer, answer)
            else:
                _resolve(item.answer, answer)

    async def _settle(self, item: _Waiting[Q]) -> None:
        try:
            result = await self._alone(item.request)
        except Exception as exc:
            _reject(item.answer, exc)
        else:
            _resolve(item.answer, result)

    async def close(self) -> None:
        """Wait for the batches in flight (their callers are owed an answer)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _reject(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
