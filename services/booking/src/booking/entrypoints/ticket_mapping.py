"""E-tickets and check-ins ⇄ protobuf."""

from __future__ import annotations

from booking.domain.tickets import CheckIn, CheckInOutcome, Ticket
from booking.entrypoints.proto_mapping import _tier
from svckit.proto_values import to_timestamp
from ticketing.booking.v1 import booking_pb2

_OUTCOME = {
    CheckInOutcome.ADMITTED: booking_pb2.CHECK_IN_OUTCOME_ADMITTED,
    CheckInOutcome.ALREADY_CHECKED_IN: booking_pb2.CHECK_IN_OUTCOME_ALREADY_CHECKED_IN,
    CheckInOutcome.REFUSED: booking_pb2.CHECK_IN_OUTCOME_REFUSED,
}


def ticket_to_proto(ticket: Ticket) -> booking_pb2.Ticket:
    message = booking_pb2.Ticket(
        booking_id=ticket.booking_id,
        seat_id=ticket.seat_id,
        row_label=ticket.row,
        number=ticket.number,
        tier=_tier(ticket.tier),
        code=ticket.code,
    )
    if ticket.checked_in_at is not None:
        message.checked_in_at.CopyFrom(to_timestamp(ticket.checked_in_at))
    return message


def check_in_to_proto(result: CheckIn) -> booking_pb2.CheckInResponse:
    message = booking_pb2.CheckInResponse(
        outcome=_OUTCOME[result.outcome],
        booking_id=result.ref.booking_id,
        seat_id=result.ref.seat_id,
        reason=result.reason,
        row_label=result.row,
        number=result.number,
        movie_title=result.movie,
    )
    if result.checked_in_at is not None:
        message.checked_in_at.CopyFrom(to_timestamp(result.checked_in_at))
    if result.show_starts_at is not None:
        message.show_start_time.CopyFrom(to_timestamp(result.show_starts_at))
    return message
