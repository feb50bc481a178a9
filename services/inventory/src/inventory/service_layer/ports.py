"""What the use cases need from storage, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from inventory.domain.model import Seat, SeatSpec, Show
from svckit.clock import Clock as Clock  # the port use cases take; re-exported


class SeatRepository(Protocol):
    async def add_show(self, show: Show, screen_id: str, seats: Sequence[SeatSpec]) -> bool:
        """Store the show and its seats; False when the show already exists (then only a
        ``show.guarded`` turns the stored show's guard on; nothing else changes)."""
        ...

    async def get_show(self, show_id: str) -> Show | None: ...

    async def set_show_rules(self, show_id: str, *, no_orphan_seats: bool) -> Show | None:
        """Turn the show's no-orphan rule on or off; None when there is no such show."""
        ...

    async def opened_seats(self, show_id: str) -> tuple[Show | None, list[Seat]]:
        """Every seat of the show as opened (AVAILABLE, no holder), in layout order."""
        ...

    async def taken_seats(self, show_id: str) -> list[Seat]:
        """The show's seats whose state is not AVAILABLE (expired holds included), any order."""
        ...

    async def available_seats(self, show_id: str, now: datetime) -> tuple[Show | None, list[Seat]]:
        """Seats that are free at ``now`` (expired holds included), in layout order."""
        ...

    async def lock_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        """Lock (FOR UPDATE, in id order) the given seats plus ``holder_id``'s holds on the show.

        Returns the seats found and the show when any locked seat belongs to it. Raises SeatsBusy
        when a lock is not granted within the lock timeout.
        """
        ...

    async def lock_for_batch(
        self, seat_ids: Sequence[str], *, show_id: str, holders: Sequence[str]
    ) -> tuple[Show | None, list[Seat]]:
        """Lock, in id order, the show's seats among ``seat_ids`` and every seat of the show
        that one of ``holders`` holds; the show is None when no row was locked."""
        ...

    async def seats_of_other_shows(self, seat_ids: Sequence[str], *, show_id: str) -> list[Seat]:
        """The seats among ``seat_ids`` that belong to other shows (read, not locked)."""
        ...

    async def write_seats(
        self,
        show_id: str,
        seats: Sequence[Seat],
        sold_to: Sequence[tuple[str, str]],
        now: datetime,
    ) -> None:
        """Set each seat (locked by this transaction) to its given state, and record the seat
        sales ``(seat id, booking id)``."""
        ...

    async def lock_free_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        """As ``lock_seats``, but rows another transaction has locked are skipped (left out of
        the result) instead of waited for."""
        ...

    async def hold(
        self,
        user_id: str,
        hold: Sequence[Seat],
        release: Sequence[Seat],
        expires_at: datetime,
        now: datetime,
    ) -> None: ...

    async def reserve(
        self, booking_id: str, reserve: Sequence[Seat], release: Sequence[Seat], now: datetime
    ) -> None:
        """Mark ``reserve`` RESERVED for the booking (recording the sale) and free ``release``."""
        ...

    async def confirm(self, booking_id: str, now: datetime) -> int:
        """RESERVED → SOLD for the booking; returns how many seats the booking has."""
        ...

    async def release(self, booking_id: str, now: datetime) -> int:
        """RESERVED/SOLD → AVAILABLE for the booking; returns how many seats changed."""
        ...

    async def release_holds(self, user_id: str, show_id: str | None, now: datetime) -> int:
        """Free the user's holds; returns how many were still active."""
        ...

    async def free_expired_holds(self, now: datetime, batch_size: int) -> int:
        """Turn up to ``batch_size`` expired holds back into AVAILABLE rows."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; leaving the block without ``commit`` rolls it back."""

    @property
    def seats(self) -> SeatRepository: ...

    @property
    def retryable(self) -> bool:
        """True when the use case may run again in a fresh transaction after a deadlock."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """``read_only``: one consistent statement needs no transaction around it (saves the
        BEGIN and ROLLBACK round trips on the seat map, the hottest read)."""
        ...
