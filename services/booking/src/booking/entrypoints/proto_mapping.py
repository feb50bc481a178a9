"""Domain bookings as ticketing.booking.v1 messages."""

from __future__ import annotations

from booking.domain.model import Booking
from booking.domain.values import BookingStatus, PaymentSummary
from svckit.proto_values import to_money, to_timestamp
from ticketing.booking.v1 import booking_pb2
from ticketing.common.v1 import common_pb2


def booking_to_proto(booking: Booking) -> booking_pb2.Booking:
    show = booking.show
    return booking_pb2.Booking(
        id=booking.id,
        user_id=booking.user_id,
        show_id=show.show_id,
        status=status_to_proto(booking.status),
        total=to_money(booking.total),
        seats=[
            booking_pb2.BookingSeat(
                seat_id=seat.seat_id,
                row_label=seat.row_label,
                number=seat.number,
                tier=_tier(seat.tier),
                price_minor=seat.price_minor,
            )
            for seat in booking.seats
        ],
        show=booking_pb2.ShowSnapshot(
            show_id=show.show_id,
            movie_id=show.movie_id,
            movie_title=show.movie_title,
            theatre_id=show.theatre_id,
            theatre_name=show.theatre_name,
            city=show.city,
            screen_id=show.screen_id,
            screen_name=show.screen_name,
            start_time=to_timestamp(show.start_time),
        ),
        expires_at=to_timestamp(booking.expires_at),
        created_at=to_timestamp(booking.created_at),
        updated_at=to_timestamp(booking.updated_at),
        history=[
            booking_pb2.StatusChange(
                from_status=status_to_proto(change.from_status),
                to_status=status_to_proto(change.to_status),
                reason=change.reason,
                at=to_timestamp(change.at),
            )
            for change in booking.history
        ],
        payment=_payment(booking.payment, booking.total.currency),
        status_reason=booking.status_reason,
    )


def status_to_proto(status: BookingStatus | None) -> booking_pb2.BookingStatus.ValueType:
    if status is None:
        return booking_pb2.BOOKING_STATUS_UNSPECIFIED
    return booking_pb2.BookingStatus.Value(f"BOOKING_STATUS_{status.value}")


def _payment(payment: PaymentSummary, currency: str) -> booking_pb2.PaymentSummary:
    amount = payment.amount
    return booking_pb2.PaymentSummary(
        status=payment.status.value,
        amount=to_money(amount) if amount is not None else None,
        refunded=common_pb2.Money(
            amount_minor=payment.refunded_minor,
            currency=amount.currency if amount is not None else currency,
        ),
    )


def _tier(tier: str) -> common_pb2.SeatTier.ValueType:
    name = f"SEAT_TIER_{tier}"
    if name in common_pb2.SeatTier.keys():  # noqa: SIM118 (an enum wrapper, not a dict)
        return common_pb2.SeatTier.Value(name)
    return common_pb2.SEAT_TIER_UNSPECIFIED
