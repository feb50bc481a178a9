"""A waiting room's QueueStatus as its JSON document (see schemas.queue)."""

from __future__ import annotations

from typing import Any

from gateway.rendering.common import enum_names, timestamp
from ticketing.waitingroom.v1 import waitingroom_pb2

QUEUE_STATES = enum_names(waitingroom_pb2.QueueState, "QUEUE_STATE_")


def queue_status(reply: waitingroom_pb2.QueueStatus) -> dict[str, Any]:
    state = QUEUE_STATES.get(reply.state, "WAITING")
    return {
        "showId": reply.show_id,
        "userId": reply.user_id,
        "state": state,
        "admitted": state == "ADMITTED",
        "position": reply.position,
        "peopleAhead": reply.people_ahead,
        "estimatedWaitSeconds": reply.estimated_wait_seconds,
        "joinedAt": timestamp(reply, "joined_at"),
        "onSaleAt": timestamp(reply, "on_sale_at"),
        "inLottery": reply.in_lottery,
        "admittedAt": timestamp(reply, "admitted_at"),
        "passExpiresAt": timestamp(reply, "pass_expires_at"),
    }
