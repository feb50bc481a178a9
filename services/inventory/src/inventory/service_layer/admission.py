"""Taking seats behind a waiting room: on a show a waiting room guards, holding and reserving
seats need the user's admission pass.

Every way of taking seats is gated: a hold of chosen seats, a best-available hold, a reservation.
Whether a show is guarded is inventory's own answer: its show row (``shows.guarded``, written by
OpenShow from catalog's waiting room). Only on a guarded show is the waiting room service asked
whether the user holds a pass (``AdmissionGate``), before any row is locked, so no lock is held
across the call; an unguarded show never calls it and does not notice its outage. Releasing
holds (an empty hold) needs no pass.

The guard is read with the show row (one primary-key read, shared by the holds that arrive
together) the first time a process takes seats of the show, then remembered: "guarded" for good
(a guard is fixed when the show is opened), "unguarded" for ``unguarded_ttl`` (a show opened
before inventory stored guards is unguarded until catalog opens it again with its guard, which
running processes then notice within that time). The gate itself remembers "admitted" briefly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from inventory.domain import model
from inventory.domain.model import Tier
from inventory.service_layer.seating import BestHold
from inventory.service_layer.services import Holds, Reservation, SeatService
from inventory.service_layer.shared_reads import SharedReads

DEFAULT_UNGUARDED_TTL = timedelta(seconds=60)
MAX_REMEMBERED = 100_000


class AdmissionGate(Protocol):
    async def require_pass(self, show_id: str, user_id: str) -> None:
        """Return when the user may take seats of the show now; raise AdmissionRequired when a
        waiting room guards it and the user holds no valid pass, WaitingRoomUnavailable when
        that cannot be known."""
        ...


class AdmittedSeatService(SeatService):
    def __init__(
        self,
        *args: Any,
        gate: AdmissionGate,
        unguarded_ttl: timedelta = DEFAULT_UNGUARDED_TTL,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._gate = gate
        self._unguarded_ttl = unguarded_ttl
        self._guarded_shows: set[str] = set()
        self._unguarded_until: dict[str, datetime] = {}
        self._show_reads = SharedReads(self._read_guard)

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
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        if await self.is_guarded(show_id):
            await self._gate.require_pass(show_id, user_id)

    async def is_guarded(self, show_id: str) -> bool:
        """Whether a waiting room guards the show, as its row says (False for a show that does
        not exist: the use case then says so)."""
        if show_id in self._guarded_shows:
            return True
        until = self._unguarded_until.get(show_id)
        if until is not None and until > self._clock.now():
            return False
        guarded = await self._show_reads.get(show_id)
        if guarded is None:
            return False
        # What is remembered can be read again: a full table is emptied, not grown.
        if guarded:
            self._unguarded_until.pop(show_id, None)
            if len(self._guarded_shows) >= MAX_REMEMBERED:
                self._guarded_shows.clear()
            self._guarded_shows.add(show_id)
        else:
            if len(self._unguarded_until) >= MAX_REMEMBERED:
                self._unguarded_until.clear()
            self._unguarded_until[show_id] = self._clock.now() + self._unguarded_ttl
        return guarded

    async def _read_guard(self, show_id: str) -> bool | None:
        async with self._uow_factory(read_only=True) as uow:
            show = await uow.seats.get_show(show_id)
        return None if show is None else show.guarded
