"""Seat maps and screen layouts."""

from __future__ import annotations

from typing import Any

from gateway.rendering.common import TIERS, enum_names, timestamp
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2

SEAT_STATUS = {
    number: name.lower()
    for number, name in enum_names(inventory_pb2.SeatStatus, "SEAT_STATUS_").items()
}
SEAT_STATUS[inventory_pb2.SEAT_STATUS_UNSPECIFIED] = "unknown"


_HELD_BY_ME = inventory_pb2.SEAT_STATUS_HELD_BY_ME


def seat(seat: inventory_pb2.ShowSeat) -> dict[str, Any]:
    status = seat.status
    rendered: dict[str, Any] = {
        "id": seat.id,
        "row": seat.row_label,
        "number": seat.number,
        "price": seat.price_minor,
        "tier": TIERS.get(seat.tier, "UNSPECIFIED"),
        "status": SEAT_STATUS.get(status, "unknown"),
    }
    # Only the viewer's own holds carry an expiry: skip the presence check for every other seat
    # (a seat map is a few hundred seats, rendered on every poll).
    if status == _HELD_BY_ME and seat.HasField("hold_expires_at"):
        rendered["holdExpiresAt"] = timestamp(seat, "hold_expires_at")
    return rendered


def seat_map(reply: inventory_pb2.SeatMap) -> dict[str, Any]:
    summary = reply.summary
    return {
        "showId": reply.show_id,
        "currency": reply.currency,
        "seats": [seat(item) for item in reply.seats],
        "summary": {
            "total": summary.total,
            "available": summary.available,
            "booked": summary.booked,
            "held": summary.held,
            "heldByMe": summary.held_by_me,
        },
    }


def available_seats(reply: inventory_pb2.ListAvailableSeatsResponse) -> dict[str, Any]:
    seats = [seat(item) for item in reply.seats]
    return {
        "showId": reply.show_id,
        "currency": reply.currency,
        "count": len(seats),
        "seats": seats,
    }


def layout_rows(layout: catalog_pb2.SeatLayout) -> list[dict[str, Any]]:
    return [
        {
            "label": row.label,
            "seats": [
                {"number": item.number, "tier": TIERS.get(item.tier, "UNSPECIFIED")}
                for item in row.seats
            ],
        }
        for row in layout.rows
    ]


def screen_layout(screen: catalog_pb2.Screen) -> dict[str, Any]:
    return {
        "screenId": screen.id,
        "theatreId": screen.theatre_id,
        "name": screen.name,
        "capacity": screen.capacity,
        "rows": layout_rows(screen.layout),
    }
