"""WaitingRoomService over gRPC: decode → one use case → encode; errors map via ERROR_TABLE."""

from __future__ import annotations

from typing import Any

from ticketing.waitingroom.v1 import waitingroom_pb2, waitingroom_pb2_grpc
from waitingroom.entrypoints import proto_mapping as mapping
from waitingroom.service_layer.services import QueueService

Context = Any


class WaitingRoomServicer(waitingroom_pb2_grpc.WaitingRoomServiceServicer):
    def __init__(self, queue: QueueService) -> None:
        self._queue = queue

    async def Join(
        self, request: waitingroom_pb2.JoinRequest, context: Context
    ) -> waitingroom_pb2.QueueStatus:
        return mapping.queue_status(await self._queue.join(request.show_id, request.user_id))

    async def GetStatus(
        self, request: waitingroom_pb2.GetStatusRequest, context: Context
    ) -> waitingroom_pb2.QueueStatus:
        return mapping.queue_status(await self._queue.place(request.show_id, request.user_id))

    async def CheckPass(
        self, request: waitingroom_pb2.CheckPassRequest, context: Context
    ) -> waitingroom_pb2.CheckPassResponse:
        return mapping.pass_check(await self._queue.check_pass(request.show_id, request.user_id))
