"""What the use cases need from storage and from catalog, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from svckit.clock import Clock as Clock  # the port use cases take; re-exported
from waitingroom.domain.model import Credit, Entry, RoomSettings


class ShowSettings(Protocol):
    async def room_of(self, show_id: str) -> RoomSettings | None:
        """The show's waiting room, or None when none guards it. Raises ShowNotFound, or
        CatalogUnavailable when catalog cannot be asked."""
        ...


class QueueRepository(Protocol):
    async def save_room(self, room: RoomSettings) -> None:
        """Create the room or refresh its settings (its credit and counters stay)."""
        ...

    async def add_entry(self, entry: Entry) -> None:
        """Insert the entry unless the user already has one for the show (then: no change)."""
        ...

    async def requeue(self, entry: Entry, now: datetime) -> None:
        """Put the user's entry back in the queue as ``entry`` (a new arrival) if their pass
        has run out by ``now``; otherwise change nothing."""
        ...

    async def get_entry(self, show_id: str, user_id: str) -> Entry | None: ...

    async def get_room(self, show_id: str) -> RoomSettings | None: ...

    async def people_ahead(self, entry: Entry) -> int:
        """Waiting entries of the show that come before ``entry`` in queue order."""
        ...

    async def rooms_with_waiting(self, now: datetime) -> list[str]:
        """Shows whose room is on sale at ``now`` and has someone waiting."""
        ...

    async def lock_room(self, show_id: str) -> tuple[RoomSettings, Credit] | None:
        """The room's row, locked (FOR UPDATE) until the transaction ends."""
        ...

    async def count_active(self, show_id: str, now: datetime) -> int: ...

    async def count_waiting(self, show_id: str) -> int: ...

    async def admit_next(
        self, show_id: str, count: int, now: datetime, pass_expires_at: datetime
    ) -> Sequence[str]:
        """Admit the first ``count`` waiting entries in queue order, numbering them after the
        room's admitted total; returns their user ids in that order."""
        ...

    async def save_credit(self, show_id: str, credit: Credit) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction; leaving the block without ``commit`` rolls it back."""

    @property
    def queue(self) -> QueueRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
