"""What the catalog use cases need from the outside world, as protocols adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from catalog.domain.model import Movie, PricedSeat, Screen, SeatLayout, Show, Theatre
from svckit.clock import Clock as Clock  # the port use cases take; re-exported

Cursor = tuple[str, str]
"""(sort key, id) of the last item of a page, as text."""


@dataclass(frozen=True, slots=True)
class ShowFilter:
    movie_id: str | None = None
    theatre_id: str | None = None
    city: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    bookable_at: datetime | None = None
    """When set: only bookable shows that have not started at this instant."""


class InventoryUnavailable(Exception):
    """Inventory could not open a show's seats now (down, slow, or refusing)."""


class CatalogRepository(Protocol):
    async def add_movie(self, movie: Movie) -> None: ...

    async def get_movie(self, movie_id: str) -> Movie | None: ...

    async def list_movies(self, after: Cursor | None, limit: int) -> list[Movie]: ...

    async def count_movies(self) -> int: ...

    async def add_theatre(self, theatre: Theatre) -> None:
        """Raises AlreadyExists for a second theatre of the same name in the same city."""
        ...

    async def get_theatre(self, theatre_id: str) -> Theatre | None: ...

    async def list_theatres(
        self, city: str | None, after: Cursor | None, limit: int
    ) -> list[Theatre]: ...

    async def count_theatres(self, city: str | None) -> int: ...

    async def add_screen(self, screen: Screen) -> None:
        """Raises AlreadyExists for a second screen of the same name in the theatre."""
        ...

    async def get_screen(self, screen_id: str) -> Screen | None: ...

    async def list_screens(self, theatre_id: str) -> list[Screen]: ...

    async def overlapping_show(
        self, screen_id: str, start: datetime, end: datetime
    ) -> Show | None: ...

    async def add_show(self, show: Show) -> None:
        """Raises ShowOverlaps when another show took the screen meanwhile (the constraint)."""
        ...

    async def get_show(self, show_id: str) -> Show | None: ...

    async def list_shows(
        self, where: ShowFilter, after: Cursor | None, limit: int
    ) -> list[Show]: ...

    async def count_shows(self, where: ShowFilter) -> int: ...

    async def mark_bookable(self, show_id: str) -> None: ...

    async def unopened_shows(self, now: datetime, limit: int) -> list[tuple[Show, SeatLayout]]:
        """Future shows whose seats inventory has not opened yet, soonest first."""
        ...


class UnitOfWork(Protocol):
    @property
    def catalog(self) -> CatalogRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class InventoryGateway(Protocol):
    async def open_show(self, show: Show, seats: Sequence[PricedSeat]) -> None:
        """Idempotent by show id; raises InventoryUnavailable when it could not be done now."""
        ...
