"""Taking seats behind a waiting room: on a show a waiting room guards, holding and reserving
seats need the user's admission pass.

Every way of taking seats is gated: a hold of chosen seats, a best-available hold, a reservation.
Whether a show is guarded, and whether a user holds a pass, is the waiting room service's
answer (``AdmissionGate``); inventory asks it before any row is locked, so no lock is held
across the call. Releasing holds (an empty hold) needs no pass. The gate remembers "this show
has no waiting room" and "this user was admitted" for a short while, so an unguarded show costs
one question per show and process, not one per hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from inventory.domain import model
from inventory.domain.model import Tier
from inventory.service_layer.seating import BestHold
from inventory.service_layer.services import Holds, Reservation, SeatService


class AdmissionGate(Protocol):
    async def require_pass(self, show_id: str, user_id: str) -> None:
        """Return when the user may take seats of the show now; raise AdmissionRequired when a
        waiting room guards it and the user holds no valid pass, WaitingRoomUnavailable when
        that cannot be known."""
        ...


class AdmittedSeatService(SeatService):
    def __init__(self, *args: Any, gate: AdmissionGate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = gate

    async def hold_seats(self, *, show_id: str, user_id: str, seat_ids: Sequence[str]) -> Holds:
        if seat_ids:
            await self._require_pass(show_id, user_id)
        return await super().hold_seats(show_id=show_id, user_id=user_id, seat_ids=seat_ids)

    async def hold_best_seats(
        self, *, show_id: str, user_id: str, count: int, tier: Tier | None
    ) -> BestHold:
        await self._require_pass(show_id, user_id)
        return await super().hold_best_seats(
            show_id=show_id, user_id=user_id, count=count, tier=tier
        )

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        await self._require_pass(show_id, user_id)
        return await super().reserve_seats(
            booking_id=booking_id, user_id=user_id, show_id=show_id, seat_ids=seat_ids
        )

    async def _require_pass(self, show_id: str, user_id: str) -> None:
        await self._gate.require_pass(
            model.check_id("show_id", show_id), model.check_id("user_id", user_id)
        )
