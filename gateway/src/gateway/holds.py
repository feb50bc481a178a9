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
from typing import Any

import grpc

from gateway.batched_calls import BatchedCalls, Metadata, Pending, time_left
from svckit.errors import rpc_error_of
from svckit.identity import ANONYMOUS, caller_metadata
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

__all__ = ["MAX_BATCH_SIZE", "BatchedHolds"]

MAX_BATCH_SIZE = 64  # inventory.proto's bound on HoldSeatsBatch
# An item inventory could not serve just then: a call of its own would be resent by the
# channel's policy (svckit.grpc_client), so it is sent again on its own.
_RESENT_ALONE = grpc.StatusCode.UNAVAILABLE.value[0]

HoldRequest = inventory_pb2.HoldSeatsRequest
HoldReply = inventory_pb2.HoldSeatsResponse


class BatchedHolds(BatchedCalls[HoldRequest, HoldReply]):
    """``hold`` has the shape of the stub's HoldSeats; it raises the ``AioRpcError`` a HoldSeats
    call would."""

    max_batch_size = MAX_BATCH_SIZE

    def __init__(self, stub: inventory_pb2_grpc.InventoryServiceStub, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stub = stub

    hold = BatchedCalls.call

    async def _single(
        self,
        request: HoldRequest,
        *,
        timeout: float,  # noqa: ASYNC109 - the gRPC deadline
        metadata: Metadata,
    ) -> HoldReply:
        reply: HoldReply = await self._stub.HoldSeats(request, timeout=timeout, metadata=metadata)
        return reply

    async def _together(
        self, show_id: str, holds: list[Pending[HoldRequest]]
    ) -> list[HoldReply | BaseException]:
        """Per hold its reply or its error; raises when the call itself failed."""
        reply = await self._stub.HoldSeatsBatch(
            inventory_pb2.HoldSeatsBatchRequest(holds=[hold.request for hold in holds]),
            timeout=time_left(holds),
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
                *(self._alone(holds[index]) for index in resend), return_exceptions=True
            )
            for index, answer in zip(resend, again, strict=True):
                answers[index] = answer
        return answers
