"""Holds and bookings."""

from __future__ import annotations

from typing import Any

from gateway.rendering.common import BOOKING_STATUS, TIERS, money, page, timestamp
from ticketing.booking.v1 import booking_pb2
from ticketing.inventory.v1 import inventory_pb2


def holds(reply: inventory_pb2.HoldSeatsResponse) -> dict[str, Any]:
    return {
        "success": True,
        "holds": [
            {"seatId": hold.seat_id, "expiresAt": timestamp(hold, "expires_at")}
            for hold in reply.holds
        ],
        "expiresIn": reply.expires_in_seconds,
    }


def _show(show: booking_pb2.ShowSnapshot) -> dict[str, Any]:
    return {
        "id": show.show_id,
        "movieId": show.movie_id,
        "movie": show.movie_title,
        "theatreId": show.theatre_id,
        "theatre": show.theatre_name,
        "city": show.city,
        "screenId": show.screen_id,
        "screen": show.screen_name,
        "startTime": timestamp(show, "start_time"),
    }


def _payment(payment: booking_pb2.PaymentSummary, currency: str) -> dict[str, Any]:
    amount, amount_currency = money(payment, "amount")
    refunded, _ = money(payment, "refunded")
    return {
        "status": payment.status or "NONE",
        "amount": amount,
        "refundedAmount": refunded,
        "currency": amount_currency or currency,
    }


def booking(reply: booking_pb2.Booking) -> dict[str, Any]:
    total, currency = money(reply, "total")
    return {
        "id": reply.id,
        "userId": reply.user_id,
        "showId": reply.show_id,
        "status": BOOKING_STATUS.get(reply.status, "UNSPECIFIED"),
        "statusReason": reply.status_reason,
        "totalAmount": total,
        "currency": currency,
        "expiresAt": timestamp(reply, "expires_at"),
        "createdAt": timestamp(reply, "created_at"),
        "updatedAt": timestamp(reply, "updated_at"),
        "seats": [
            {
                "id": line.seat_id,
                "row": line.row_label,
                "number": line.number,
                "tier": TIERS.get(line.tier, "UNSPECIFIED"),
                "price": line.price_minor,
            }
            for line in reply.seats
        ],
        "show": _show(reply.show) if reply.HasField("show") else None,
        "payment": _payment(reply.payment, currency) if reply.HasField("payment") else None,
        "history": [
            {
                "fromStatus": BOOKING_STATUS[change.from_status] if change.from_status else None,
                "toStatus": BOOKING_STATUS.get(change.to_status, "UNSPECIFIED"),
                "reason": change.reason,
                "at": timestamp(change, "at"),
            }
            for change in reply.history
        ],
    }


def booking_list(reply: booking_pb2.ListUserBookingsResponse) -> dict[str, Any]:
    return {"bookings": [booking(item) for item in reply.bookings], **page(reply)}
