"""One upstream write sent alone, or with the others of its show that arrive together.

The gateway's hot writes (holds, new bookings) cost a unary RPC each on both sides. A
``BatchedCalls`` keeps a queue per show (svckit.batching): a request that finds fewer than two
calls for its show in flight is sent at once as the single call, so an idle gateway adds no
latency; requests that arrive meanwhile go in one batch call, whose items are each answered with
what their own call would have given (the reply, or the same error, raised as the
``AioRpcError`` that call would raise). Every request keeps its own deadline, counted from when
it asked; the batch call gets the earliest one left. What happens when the batch call itself
fails is the subclass's to say (``gateway.holds``, ``gateway.bookings_batch``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import grpc

from svckit.batching import Batcher

__all__ = ["IN_FLIGHT_PER_SHOW", "BatchedCalls", "Metadata", "Pending", "deadline_exceeded"]

# Two calls per show in flight per gateway process. One was measured too (2026-12-02): c32 and e
# ran 6-13 % faster with a p99 of 1.3-1.45x the p50 instead of 1.5-1.7x, but in the on-sale
# (workload g) a batch slowed by a row lock held every booking of the show behind it, and five
# buyers got 504. With two, a slow batch leaves the other slot free.
IN_FLIGHT_PER_SHOW = 2

Metadata = Sequence[tuple[str, str]]
Q = TypeVar("Q")  # the single call's request (it has a show_id)
R = TypeVar("R")  # the single call's reply


@dataclass(frozen=True, slots=True)
class Pending(Generic[Q]):
    request: Q
    metadata: tuple[tuple[str, str], ...]  # the user's, as a call of its own sends them
    deadline: float  # the event loop's clock


def deadline_exceeded() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(),
        details="Deadline Exceeded",
    )


def time_left(pending: Sequence[Pending[Any]]) -> float:
    """The earliest deadline of ``pending`` from now; DEADLINE_EXCEEDED once it has passed."""
    left = min(item.deadline for item in pending) - asyncio.get_running_loop().time()
    if left <= 0:
        raise deadline_exceeded()
    return left


class BatchedCalls(Generic[Q, R]):
    """``call`` has the shape of the stub's single call (``upstreams.call`` passes the deadline
    and the caller's metadata); subclasses send a batch in ``_together``."""

    max_batch_size = 64  # the protos' bound on a batch call

    def __init__(
        self, *, batch_size: int, on_batch: Callable[[int, str], None] | None = None
    ) -> None:
        """``batch_size`` > 1 sends requests of one show that arrive together in one call."""
        if not 1 <= batch_size <= self.max_batch_size:
            raise ValueError(f"batch_size must be 1 to {self.max_batch_size}")
        self._batches = (
            Batcher[str, Pending[Q]](
                self._together,
                self._alone,
                max_size=batch_size,
                in_flight=IN_FLIGHT_PER_SHOW,
                on_batch=on_batch,
            )
            if batch_size > 1
            else None
        )

    async def _single(self, request: Q, *, timeout: float, metadata: Metadata) -> R:  # noqa: ASYNC109
        raise NotImplementedError

    async def _together(self, show_id: str, pending: list[Pending[Q]]) -> list[R | BaseException]:
        """Per request its reply or its error; raise to send each alone."""
        raise NotImplementedError

    async def call(
        self,
        request: Q,
        *,
        timeout: float,  # noqa: ASYNC109 - the gRPC deadline, as the stub's call takes it
        metadata: Metadata,
    ) -> R:
        if self._batches is None:
            return await self._single(request, timeout=timeout, metadata=metadata)
        deadline = asyncio.get_running_loop().time() + timeout
        show_id: str = request.show_id  # type: ignore[attr-defined]
        answer: R = await self._batches.submit(show_id, Pending(request, tuple(metadata), deadline))
        return answer

    async def _alone(self, pending: Pending[Q]) -> R:
        return await self._single(
            pending.request, timeout=time_left([pending]), metadata=pending.metadata
        )

    def queued(self, show_id: str) -> int:
        """Requests of the show waiting for the next batch."""
        return self._batches.queued(show_id) if self._batches is not None else 0

    async def close(self) -> None:
        """Answer the requests still in a batch."""
        if self._batches is not None:
            await self._batches.close()
