"""Catalog use cases. Creating a show is two steps that cannot share a transaction: store it
(not bookable), then ask inventory to open its seats and mark it bookable. If inventory is down
the show stays unbookable and ``open_unopened_shows`` (a periodic job) finishes the job later;
opening is idempotent by show id, so doing it twice is harmless."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from catalog.domain import model
from catalog.domain.errors import (
    InvalidRequest,
    MovieNotFound,
    ScreenNotFound,
    ShowNotFound,
    ShowOverlaps,
    TheatreNotFound,
)
from catalog.domain.model import (
    Actor,
    Movie,
    Screen,
    SeatLayout,
    Show,
    Theatre,
    Tier,
    WaitingRoom,
)
from catalog.service_layer import paging
from catalog.service_layer.paging import Page
from catalog.service_layer.ports import (
    Clock,
    Cursor,
    InventoryGateway,
    InventoryUnavailable,
    ShowFilter,
    UnitOfWorkFactory,
)
from svckit.logging import get_logger

T = TypeVar("T")

log = get_logger(__name__)

OPEN_BATCH_SIZE = 50


class CatalogService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, inventory: InventoryGateway, clock: Clock
    ) -> None:
        self._uow = uow_factory
        self._inventory = inventory
        self._clock = clock

    # --- movies and theatres -----------------------------------------------------------------

    async def create_movie(self, actor: Actor, movie: Movie) -> Movie:
        actor.require_admin()
        movie = replace(movie, id=model.new_id(), title=movie.title.strip())
        movie.check()
        async with self._uow() as uow:
            await uow.catalog.add_movie(movie)
            await uow.commit()
        return movie

    async def get_movie(self, movie_id: str) -> Movie:
        movie_id = model.check_id("movie_id", movie_id)
        async with self._uow() as uow:
            movie = await uow.catalog.get_movie(movie_id)
        if movie is None:
            raise MovieNotFound(movie_id)
        return movie

    async def list_movies(self, size: int, token: str) -> Page[Movie]:
        limit, after = paging.page_size(size), paging.decode("movies", token)
        async with self._uow() as uow:
            movies = await uow.catalog.list_movies(after, limit + 1)
            total = await uow.catalog.count_movies()
        return _page("movies", movies, limit, total, lambda m: (m.title, m.id))

    async def create_theatre(self, actor: Actor, theatre: Theatre) -> Theatre:
        actor.require_admin()
        theatre = replace(
            theatre, id=model.new_id(), name=theatre.name.strip(), city=theatre.city.strip()
        )
        theatre.check()
        async with self._uow() as uow:
            await uow.catalog.add_theatre(theatre)
            await uow.commit()
        return theatre

    async def get_theatre(self, theatre_id: str) -> Theatre:
        theatre_id = model.check_id("theatre_id", theatre_id)
        async with self._uow() as uow:
            theatre = await uow.catalog.get_theatre(theatre_id)
        if theatre is None:
            raise TheatreNotFound(theatre_id)
        return theatre

    async def list_theatres(self, city: str, size: int, token: str) -> Page[Theatre]:
        limit, after = paging.page_size(size), paging.decode("theatres", token)
        city_filter = city.strip() or None
        async with self._uow() as uow:
            theatres = await uow.catalog.list_theatres(city_filter, after, limit + 1)
            total = await uow.catalog.count_theatres(city_filter)
        return _page("theatres", theatres, limit, total, lambda t: (t.name, t.id))

    # --- screens -----------------------------------------------------------------------------

    async def create_screen(
        self, actor: Actor, *, theatre_id: str, name: str, layout: SeatLayout
    ) -> Screen:
        actor.require_admin()
        theatre_id = model.check_id("theatre_id", theatre_id)
        screen = Screen(model.new_id(), theatre_id, name.strip(), layout)
        screen.check()
        async with self._uow() as uow:
            if await uow.catalog.get_theatre(theatre_id) is None:
                raise TheatreNotFound(theatre_id)
            await uow.catalog.add_screen(screen)
            await uow.commit()
        return screen

    async def get_screen(self, screen_id: str) -> Screen:
        screen_id = model.check_id("screen_id", screen_id)
        async with self._uow() as uow:
            screen = await uow.catalog.get_screen(screen_id)
        if screen is None:
            raise ScreenNotFound(screen_id)
        return screen

    async def list_screens(self, theatre_id: str) -> list[Screen]:
        theatre_id = model.check_id("theatre_id", theatre_id)
        async with self._uow() as uow:
            if await uow.catalog.get_theatre(theatre_id) is None:
                raise TheatreNotFound(theatre_id)
            return await uow.catalog.list_screens(theatre_id)

    # --- shows -------------------------------------------------------------------------------

    async def create_show(
        self,
        actor: Actor,
        *,
        movie_id: str,
        screen_id: str,
        start_time: datetime | None,
        currency: str,
        prices: Sequence[tuple[Tier, int]],
        on_sale_at: datetime | None = None,
        waiting_room: WaitingRoom | None = None,
    ) -> Show:
        """Without ``waiting_room`` the show's seats can be held by anyone once it is bookable;
        with one, only by people the waiting room has admitted from ``on_sale_at`` on."""
        actor.require_admin()
        movie_id = model.check_id("movie_id", movie_id)
        screen_id = model.check_id("screen_id", screen_id)
        if start_time is None:
            raise InvalidRequest("start_time", "start_time is required")
        async with self._uow() as uow:
            movie = await uow.catalog.get_movie(movie_id)
            if movie is None:
                raise MovieNotFound(movie_id)
            screen = await uow.catalog.get_screen(screen_id)
            if screen is None:
                raise ScreenNotFound(screen_id)
            theatre = await uow.catalog.get_theatre(screen.theatre_id)
            if theatre is None:
                raise TheatreNotFound(screen.theatre_id)
            show = model.new_show(
                movie=movie,
                screen=screen,
                theatre=theatre,
                start_time=start_time,
                currency=currency,
                prices=prices,
                now=self._clock.now(),
                on_sale_at=on_sale_at,
                waiting_room=waiting_room,
            )
            clash = await uow.catalog.overlapping_show(screen_id, show.start_time, show.end_time)
            if clash is not None:
                raise ShowOverlaps(screen_id, clash.id, clash.start_time, clash.end_time)
            await uow.catalog.add_show(show)
            await uow.commit()
        return await self._open(show, screen.layout)

    async def get_show(self, show_id: str) -> Show:
        show_id = model.check_id("show_id", show_id)
        async with self._uow() as uow:
            show = await uow.catalog.get_show(show_id)
        if show is None:
            raise ShowNotFound(show_id)
        return show

    async def list_shows(
        self,
        *,
        movie_id: str,
        theatre_id: str,
        city: str,
        day: str,
        bookable_only: bool,
        size: int,
        token: str,
    ) -> Page[Show]:
        limit, after = paging.page_size(size), paging.decode("shows", token)
        starts_from = _day_start(day) if day else None
        where = ShowFilter(
            movie_id=model.check_id("movie_id", movie_id) if movie_id else None,
            theatre_id=model.check_id("theatre_id", theatre_id) if theatre_id else None,
            city=city.strip() or None,
            starts_from=starts_from,
            starts_before=_next_day(starts_from) if starts_from else None,
            bookable_at=self._clock.now() if bookable_only else None,
        )
        async with self._uow() as uow:
            shows = await uow.catalog.list_shows(where, after, limit + 1)
            total = await uow.catalog.count_shows(where)
        return _page("shows", shows, limit, total, lambda s: (s.start_time.isoformat(), s.id))

    async def open_unopened_shows(self) -> int:
        """Retry opening future shows inventory has not opened yet; returns how many opened."""
        async with self._uow() as uow:
            pending = await uow.catalog.unopened_shows(self._clock.now(), OPEN_BATCH_SIZE)
        opened = 0
        for show, layout in pending:
            opened += (await self._open(show, layout)).bookable
        return opened

    async def _open(self, show: Show, layout: SeatLayout) -> Show:
        try:
            await self._inventory.open_show(show, show.seats(layout))
        except InventoryUnavailable as exc:
            log.warning("show.not_opened", show_id=show.id, error=str(exc))
            return show
        async with self._uow() as uow:
            await uow.catalog.mark_bookable(show.id)
            await uow.commit()
        return replace(show, bookable=True)


def _day_start(day: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time(), tzinfo=UTC)
    except ValueError:
        raise InvalidRequest("date", f"date must be YYYY-MM-DD, got {day!r}") from None


def _next_day(day_start: datetime) -> datetime | None:
    """The end of the day starting at ``day_start``; None (unbounded) for the last date there is."""
    try:
        return day_start + timedelta(days=1)
    except OverflowError:
        return None


def _page(kind: str, items: list[T], limit: int, total: int, key: Callable[[T], Cursor]) -> Page[T]:
    if len(items) <= limit:
        return Page(items, "", total)
    items = items[:limit]
    return Page(items, paging.encode(kind, key(items[-1])), total)
