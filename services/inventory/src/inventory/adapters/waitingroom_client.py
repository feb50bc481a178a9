"""The admission gate over gRPC: the waiting room's CheckPass, with its answers remembered.

"No waiting room" is remembered for ``unguarded_ttl_seconds`` (a show's waiting room is set when
the show is created), "admitted" for ``admitted_ttl_seconds`` but never past the pass's expiry;
a refusal is never remembered, so whoever is admitted gets through on their next try. A show
catalog does not know needs no pass: inventory's own lookup then says it does not exist (404).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc

from inventory.domain.errors import AdmissionRequired, InvalidRequest, WaitingRoomUnavailable
from svckit.errors import UpstreamErrors
from svckit.proto_values import timestamp_field
from ticketing.waitingroom.v1 import waitingroom_pb2, waitingroom_pb2_grpc

MAX_REMEMBERED = 50_000
K = TypeVar("K")


class UnknownShow(Exception):
    """The waiting room's catalog has no such show."""


WAITING_ROOM_ERRORS = UpstreamErrors(
    "waitingroom",
    {
        grpc.StatusCode.NOT_FOUND: lambda call: UnknownShow(call.message),
        grpc.StatusCode.INVALID_ARGUMENT: lambda call: InvalidRequest(
            call.metadata.get("field", "show_id"), call.message
        ),
    },
    otherwise=lambda call: WaitingRoomUnavailable(call.code.name),
)


class GrpcAdmissionGate:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        deadline_seconds: float,
        unguarded_ttl_seconds: float,
        admitted_ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stub = waitingroom_pb2_grpc.WaitingRoomServiceStub(channel)
        self._deadline = deadline_seconds
        self._unguarded_ttl = unguarded_ttl_seconds
        self._admitted_ttl = admitted_ttl_seconds
        self._monotonic = monotonic
        self._unguarded: dict[str, float] = {}
        self._admitted: dict[tuple[str, str], float] = {}
        self._first_asks: dict[str, asyncio.Future[bool]] = {}

    async def require_pass(self, show_id: str, user_id: str) -> None:
        now = self._monotonic()
        if (
            self._unguarded.get(show_id, 0.0) > now
            or self._admitted.get((show_id, user_id), 0.0) > now
        ):
            return
        asking = self._first_asks.get(show_id)
        if asking is not None and not await asyncio.shield(asking):
            return  # the question already in flight about this show found no waiting room
        reply = await self._check(show_id, user_id, first=asking is None)
        if reply is None:
            return
        if not reply.guarded:
            self._remember(self._unguarded, show_id, now + self._unguarded_ttl)
            return
        if not reply.admitted:
            raise AdmissionRequired(show_id)
        expires = timestamp_field(reply, "pass_expires_at")
        left = (expires - datetime.now(UTC)).total_seconds() if expires else 0.0
        self._remember(self._admitted, (show_id, user_id), now + min(self._admitted_ttl, left))

    async def _check(
        self, show_id: str, user_id: str, *, first: bool
    ) -> waitingroom_pb2.CheckPassResponse | None:
        """CheckPass, or None for a show catalog does not know. The ``first`` question about a
        show not known yet lets the holds that arrive meanwhile wait for its answer: when a new
        show's sale opens with hundreds of holds at once, one question is asked, not hundreds.
        Its answer is shared only when it says "no waiting room" (a pass is each user's own);
        if it fails, each of them asks for itself."""
        if not first:
            return await self._ask(show_id, user_id)
        shared: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._first_asks[show_id] = shared
        try:
            reply = await self._ask(show_id, user_id)
        except BaseException:
            shared.set_result(True)
            raise
        finally:
            self._first_asks.pop(show_id, None)
        shared.set_result(reply is not None and reply.guarded)
        return reply

    async def _ask(self, show_id: str, user_id: str) -> waitingroom_pb2.CheckPassResponse | None:
        request = waitingroom_pb2.CheckPassRequest(show_id=show_id, user_id=user_id)
        try:
            with WAITING_ROOM_ERRORS.translated(request):
                reply: waitingroom_pb2.CheckPassResponse = await self._stub.CheckPass(
                    request, timeout=self._deadline
                )
        except UnknownShow:
            return None
        return reply

    @staticmethod
    def _remember(table: dict[K, float], key: K, until: float) -> None:
        if len(table) >= MAX_REMEMBERED:
            table.clear()
        table[key] = until
