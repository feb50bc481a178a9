"""The admission gate over gRPC: the waiting room's CheckPass, with its answers remembered.

"No waiting room" is remembered for ``unguarded_ttl_seconds`` (a show's waiting room is set when
the show is created), "admitted" for ``admitted_ttl_seconds`` but never past the pass's expiry;
a refusal is never remembered, so whoever is admitted gets through on their next try. A show
catalog does not know needs no pass: inventory's own lookup then says it does not exist (404).
"""

from __future__ import annotations

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

    async def require_pass(self, show_id: str, user_id: str) -> None:
        now = self._monotonic()
        if (
            self._unguarded.get(show_id, 0.0) > now
            or self._admitted.get((show_id, user_id), 0.0) > now
        ):
            return
        request = waitingroom_pb2.CheckPassRequest(show_id=show_id, user_id=user_id)
        try:
            with WAITING_ROOM_ERRORS.translated(request):
                reply = await self._stub.CheckPass(request, timeout=self._deadline)
        except UnknownShow:
            return
        if not reply.guarded:
            self._remember(self._unguarded, show_id, now + self._unguarded_ttl)
            return
        if not reply.admitted:
            raise AdmissionRequired(show_id)
        expires = timestamp_field(reply, "pass_expires_at")
        left = (expires - datetime.now(UTC)).total_seconds() if expires else 0.0
        self._remember(self._admitted, (show_id, user_id), now + min(self._admitted_ttl, left))

    @staticmethod
    def _remember(table: dict[K, float], key: K, until: float) -> None:
        if len(table) >= MAX_REMEMBERED:
            table.clear()
        table[key] = until
