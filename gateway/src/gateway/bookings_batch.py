"""New bookings sent to booking, those of one show that arrive together in one call.

In an on-sale dozens of users book seats of one show at once, and each CreateBooking call costs
its own RPC on both sides. Bookings of a show that arrive while calls for it are in flight wait
(svckit.batching) and go in one CreateBookingBatch, which booking runs as it would each alone,
each for the caller that asked for it (the item carries the identity its own call would carry
in its metadata, and booking checks it exactly as it checks a call's); a booking that finds
nothing in flight is sent at once as CreateBooking, so an idle gateway adds no latency. Each
item's answer becomes exactly what its own CreateBooking call would have given: its reply, or
the same error (so the route's gRPC to HTTP mapping answers the same).

CreateBooking is not idempotent, and neither is the batch: when the batch call itself fails,
only bookings with a request_key (the client's Idempotency-Key) are sent again on their own,
as booking answers a resend of those with the booking the first attempt stored, if it did; the
others are answered with the batch call's error, as their own failed call would have been. A
booking that does not know the method yet (UNIMPLEMENTED) made nothing, so every booking of it
is sent again on its own. Every booking keeps its own deadline, counted from when the request
asked for it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from gateway.batched_calls import BatchedCalls, Metadata, Pending, time_left
from svckit.errors import rpc_error_of
from svckit.identity import ANONYMOUS, caller_from_metadata, caller_metadata
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc

__all__ = ["MAX_BATCH_SIZE", "BatchedBookings"]

MAX_BATCH_SIZE = 64  # booking.proto's bound on CreateBookingBatch

CreateRequest = booking_pb2.CreateBookingRequest
Booking = booking_pb2.Booking


def _item(create: Pending[CreateRequest]) -> booking_pb2.CreateBookingBatchItem:
    """The booking with the caller its own call would carry in its metadata."""
    caller = caller_from_metadata(create.metadata)
    return booking_pb2.CreateBookingBatchItem(
        booking=create.request,
        caller_user_id=caller.user_id or "",
        caller_roles=sorted(caller.roles),
    )


class BatchedBookings(BatchedCalls[CreateRequest, Booking]):
    """``create`` has the shape of the stub's CreateBooking; it raises the ``AioRpcError`` a
    CreateBooking call would."""

    max_batch_size = MAX_BATCH_SIZE

    def __init__(self, stub: booking_pb2_grpc.BookingServiceStub, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stub = stub

    create = BatchedCalls.call

    async def _single(
        self,
        request: CreateRequest,
        *,
        timeout: float,  # noqa: ASYNC109 - the gRPC deadline
        metadata: Metadata,
    ) -> Booking:
        reply: Booking = await self._stub.CreateBooking(request, timeout=timeout, metadata=metadata)
        return reply

    async def _together(
        self, show_id: str, creates: list[Pending[CreateRequest]]
    ) -> list[Booking | BaseException]:
        """Per booking its reply or its error; raises only when nothing was sent (or booking
        does not know the method), so that every booking is sent on its own."""
        left = time_left(creates)
        try:
            reply = await self._stub.CreateBookingBatch(
                booking_pb2.CreateBookingBatchRequest(bookings=[_item(c) for c in creates]),
                timeout=left,
                metadata=caller_metadata(ANONYMOUS),
            )
        except grpc.aio.AioRpcError as error:
            if error.code() is grpc.StatusCode.UNIMPLEMENTED:
                raise
            return await self._after_failed_batch(creates, error)
        answers: list[Booking | BaseException] = [
            result.created if result.HasField("created") else rpc_error_of(result.failed)
            for result in reply.results
        ]
        if len(answers) != len(creates):
            raise ValueError(
                "CreateBookingBatch answered another number of bookings than it was sent"
            )
        return answers

    async def _after_failed_batch(
        self, creates: list[Pending[CreateRequest]], error: grpc.aio.AioRpcError
    ) -> list[Booking | BaseException]:
        """The batch may have made some of its bookings: those with a request_key are sent
        again (booking answers them with what the first attempt stored); the others fail as
        their own call would have."""
        answers: list[Booking | BaseException] = [error] * len(creates)
        resend = [index for index, create in enumerate(creates) if create.request.request_key]
        again = await asyncio.gather(
            *(self._alone(creates[index]) for index in resend), return_exceptions=True
        )
        for index, answer in zip(resend, again, strict=True):
            answers[index] = answer
        return answers
