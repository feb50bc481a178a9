"""Seat holds sent to inventory, those of one show that arrive together in one call.

In an on-sale dozens of users hold seats of one show at once, and each HoldSeats call costs its
own RPC on both sides. Holds of a show that arrive while calls for it are in flight wait
(svckit.batching) and go in one HoldSeatsBatch, which inventory applies as it would each alone,
in one transaction; a hold that finds nothing in flight is sent at once as HoldSeats, so an idle
gateway adds no latency. Each item's answer becomes exactly what its own HoldSeats call would
have given: its reply, or the same error (so the route's gRPC to HTTP mapping answers the same).
If the batch call itself fails (inventory unavailable, the deadline passed, an inventory that
does not know the method yet), every hold of it is sent again on its own; a hold replaces the
user's holds on the show with the same seats, so one the lost batch made is made again, not
doubled. Every hold keeps its own deadline, counted from when the request asked for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc

from svckit.batching import Batcher
from svckit.errors import rpc_error_of
from svckit.identity import ANONYMOUS, caller_metadata
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

__all__ = ["MAX_BATCH_SIZE", "BatchedHolds"]

MAX_BATCH_SIZE = 64  # inventory.proto's bound on HoldSeatsBatch
IN_FLIGHT_PER_SHOW = 2
# An item inventory could not serve just then: a call of its own would be resent by the
# channel's policy (svckit.grpc_client), so it is sent again on its own.
_RESENT_ALONE = grpc.StatusCode.UNAVAILABLE.value[0]

Metadata = Sequence[tuple[str, str]]
HoldRequest = inventory_pb2.HoldSeatsRequest
HoldReply = inventory_pb2.HoldSeatsResponse


@dataclass(frozen=True, slots=True)
class _Hold:
    request: HoldRequest
    metadata: tuple[tuple[str, str], ...]  # the user's, as a call of its own sends them
    deadline: float  # the event loop's clock


def _deadline_exceeded() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(),
        details="Deadline Exceeded",
    )


class BatchedHolds:
    """``hold`` has the shape of the stub's HoldSeats (``upstreams.call`` passes the deadline
    and the caller's metadata); it raises the ``AioRpcError`` a HoldSeats call would."""

    def __init__(
        self,
        stub: inventory_pb2_grpc.InventoryServiceStub,
        *,
        batch_size: int,
        on_batch: Callable[[int, str], None] | None = None,
    ) -> None:
        """``batch_size`` > 1 sends holds of one show that arrive together in one call."""
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_SIZE}")
        self._stub = stub
        self._batches = (
            Batcher[str, _Hold](
                self._hold_together,
                self._hold_alone,
                max_size=batch_size,
                in_flight=IN_FLIGHT_PER_SHOW,
                on_batch=on_batch,
            )
            if batch_size > 1
            else None
        )

    async def hold(
        self,
        request: HoldRequest,
        *,
        timeout: float,  # noqa: ASYNC109 - the gRPC deadline, as the stub's HoldSeats takes it
        metadata: Metadata,
    ) -> HoldReply:
        if self._batches is None:
            reply: HoldReply = await self._stub.HoldSeats(
                request, timeout=timeout, metadata=metadata
            )
            return reply
        deadline = asyncio.get_running_loop().time() + timeout
        held: HoldReply = await self._batches.submit(
            request.show_id, _Hold(request, tuple(metadata), deadline)
        )
        return held

    async def _hold_alone(self, hold: _Hold) -> HoldReply:
        left = hold.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise _deadline_exceeded()
        reply: HoldReply = await self._stub.HoldSeats(
            hold.request, timeout=left, metadata=hold.metadata
        )
        return reply

    async def _hold_together(
        self, show_id: str, holds: list[_Hold]
    ) -> list[HoldReply | BaseException]:
        """Per hold its reply or its error; raises when the call itself failed."""
        left = min(hold.deadline for hold in holds) - asyncio.get_running_loop().time()
        if left <= 0:
            raise _deadline_exceeded()
        reply = await self._stub.HoldSeatsBatch(
            inventory_pb2.HoldSeatsBatchRequest(holds=[hold.request for hold in holds]),
            timeout=left,
            metadata=caller_metadata(ANONYMOUS),
        )
        answers: list[HoldReply | BaseException] = []
        resend: list[int] = []
        for result in reply.results:
            if result.HasField("held"):
                answers.append(result.held)
                continue
            if result.failed.code == _RESENT_ALONE:
                resend.append(len(answers))
            answers.append(rpc_error_of(result.failed))
        if len(answers) != len(holds):
            raise ValueError("HoldSeatsBatch answered another number of holds than it was sent")
        if resend:
            again = await asyncio.gather(
                *(self._hold_alone(holds[index]) for index in resend), return_exceptions=True
            )
            for index, answer in zip(resend, again, strict=True):
                answers[index] = answer
        return answers

    def queued(self, show_id: str) -> int:
        """Holds of the show waiting for the next batch."""
        return self._batches.queued(show_id) if self._batches is not None else 0

    async def close(self) -> None:
        """Answer the holds still in a batch."""
        if self._batches is not None:
            await self._batches.close()
