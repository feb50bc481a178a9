"""E-tickets of a confirmed booking and check-in at the door (staff only).

Admission is one statement's decision in the store (``CheckInStore.admit``): the booking row is
share-locked so a refund or cancellation cannot slip between the status check and the insert, and
the check-in row's primary key lets exactly one of two simultaneous scans insert; the other reads
the first one's time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from booking.domain.errors import RuleViolated
from booking.domain.tickets import CheckIn, Ticket, TicketRef, TicketSigner, ensure_staff
from booking.domain.values import BookingStatus, Requester
from booking.service_layer.ports import Clock
from booking.service_layer.services import Bookings


class CheckInStore(Protocol):
    async def checked_in(self, booking_id: str) -> dict[str, datetime]: ...

    async def admit(self, ref: TicketRef, *, by: str | None, now: datetime) -> CheckIn: ...


class CheckIns:
    def __init__(
        self, *, bookings: Bookings, store: CheckInStore, signer: TicketSigner, clock: Clock
    ) -> None:
        self._bookings = bookings
        self._store = store
        self._signer = signer
        self._clock = clock

    async def tickets(self, booking_id: str, requester: Requester) -> list[Ticket]:
        """One ticket per seat of the caller's CONFIRMED booking, each with its signed code."""
        booking = await self._bookings.get(booking_id, requester)
        if booking.status is not BookingStatus.CONFIRMED:
            raise RuleViolated(
                f"booking {booking.id} is {booking.status.value}; "
                "tickets exist only for a CONFIRMED booking",
                reason="BOOKING_NOT_CONFIRMED",
                details={"booking_id": booking.id, "status": booking.status.value},
            )
        admitted = await self._store.checked_in(booking.id)
        return [
            Ticket(
                booking_id=booking.id,
                seat_id=seat.seat_id,
                row=seat.row_label,
                number=seat.number,
                tier=seat.tier,
                code=self._signer.code(booking.id, seat.seat_id),
                checked_in_at=admitted.get(seat.seat_id),
            )
            for seat in booking.seats
        ]

    async def check_in(self, code: str, requester: Requester, roles: frozenset[str]) -> CheckIn:
        """Admit the ticket a scanned or typed code names, once."""
        requester.identity()
        ensure_staff(roles)
        ref = self._signer.read(code)
        return await self._store.admit(ref, by=requester.user_id, now=self._clock.now())
