"""Use-case results → waitingroom.proto messages."""

from __future__ import annotations

from svckit.proto_values import optional_timestamp, to_timestamp
from ticketing.waitingroom.v1 import waitingroom_pb2
from waitingroom.domain.model import Place, QueueState
from waitingroom.service_layer.services import PassCheck

STATES = {
    QueueState.WAITING: waitingroom_pb2.WAITING,
    QueueState.ADMITTED: waitingroom_pb2.ADMITTED,
    QueueState.PASS_EXPIRED: waitingroom_pb2.PASS_EXPIRED,
}


def queue_status(place: Place) -> waitingroom_pb2.QueueStatus:
    entry = place.entry
    return waitingroom_pb2.QueueStatus(
        show_id=entry.show_id,
        user_id=entry.user_id,
        state=STATES[place.state],
        position=place.position,
        people_ahead=place.people_ahead,
        estimated_wait_seconds=round(place.estimated_wait.total_seconds()),
        joined_at=to_timestamp(entry.joined_at),
        on_sale_at=to_timestamp(place.room.on_sale_at),
        in_lottery=entry.in_lottery,
        admitted_at=optional_timestamp(entry.admitted_at),
        pass_expires_at=optional_timestamp(entry.pass_expires_at),
    )


def pass_check(check: PassCheck) -> waitingroom_pb2.CheckPassResponse:
    return waitingroom_pb2.CheckPassResponse(
        guarded=check.guarded,
        admitted=check.admitted,
        pass_expires_at=optional_timestamp(check.expires_at),
    )
