"""Catalog rows in PostgreSQL (schema ``catalog``), as plain SQL. Lists use keyset pagination
on their sort order; row ⇄ object mapping is in ``rows``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.rows import (
    layout_from_json,
    layout_to_json,
    movie_from_row,
    prices_to_json,
    screen_from_row,
    show_from_row,
    theatre_from_row,
)
from catalog.domain.errors import AlreadyExists, ShowOverlaps
from catalog.domain.model import Movie, Screen, SeatLayout, Show, Theatre
from catalog.service_layer.ports import Cursor, ShowFilter
from svckit.db import is_unique_violation, sqlstate_of

EXCLUSION_VIOLATION = "23P01"

_MOVIE = "id, title, duration_minutes, rating, genres, language, description, release_date"
_SHOW = """id, movie_id, screen_id, theatre_id, start_time, end_time, currency, prices, bookable,
    movie_title, theatre_name, screen_name, city, capacity,
    on_sale_at, admit_per_minute, max_active"""


def _show_conditions(where: ShowFilter) -> tuple[list[str], dict[str, Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {}
    for column, value in (
        ("movie_id", where.movie_id),
        ("theatre_id", where.theatre_id),
        ("city", where.city),
    ):
        if value is not None:
            conditions.append(f"{column} = :{column}")
            params[column] = value
    if where.starts_from is not None:
        conditions.append("start_time >= :starts_from")
        params["starts_from"] = where.starts_from
    if where.starts_before is not None:
        conditions.append("start_time < :starts_before")
        params["starts_before"] = where.starts_before
    if where.bookable_at is not None:
        conditions.append("bookable AND start_time > :bookable_at")
        params["bookable_at"] = where.bookable_at
    return conditions, params


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


class SqlCatalogRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _all(self, sql: str, params: Mapping[str, Any]) -> list[Row[Any]]:
        return list((await self._conn.execute(text(sql), params)).all())

    async def _first(self, sql: str, params: Mapping[str, Any]) -> Row[Any] | None:
        return (await self._conn.execute(text(sql), params)).first()

    async def _count(self, sql: str, params: Mapping[str, Any]) -> int:
        return int((await self._conn.execute(text(sql), params)).scalar_one())

    async def _insert(self, sql: str, params: Mapping[str, Any], taken: str) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(text(sql), params)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise AlreadyExists(taken) from exc
            raise

    async def add_movie(self, movie: Movie) -> None:
        await self._conn.execute(
            text(
                f"INSERT INTO catalog.movies ({_MOVIE}) VALUES (:id, :title, :duration_minutes,"
                " :rating, :genres, :language, :description, :release_date)"
            ),
            {
                "id": movie.id,
                "title": movie.title,
                "duration_minutes": movie.duration_minutes,
                "rating": movie.rating,
                "genres": list(movie.genres),
                "language": movie.language,
                "description": movie.description,
                "release_date": movie.release_date,
            },
        )

    async def get_movie(self, movie_id: str) -> Movie | None:
        row = await self._first(
            f"SELECT {_MOVIE} FROM catalog.movies WHERE id = :id", {"id": movie_id}
        )
        return None if row is None else movie_from_row(row)

    async def list_movies(self, after: Cursor | None, limit: int) -> list[Movie]:
        condition = "WHERE (title, id) > (:title, CAST(:id AS uuid))" if after else ""
        params: dict[str, Any] = {"limit": limit}
        if after:
            params.update(title=after[0], id=after[1])
        rows = await self._all(
            f"SELECT {_MOVIE} FROM catalog.movies {condition} ORDER BY title, id LIMIT :limit",
            params,
        )
        return [movie_from_row(row) for row in rows]

    async def count_movies(self) -> int:
        return await self._count("SELECT count(*) FROM catalog.movies", {})

    async def add_theatre(self, theatre: Theatre) -> None:
        await self._insert(
            "INSERT INTO catalog.theatres (id, name, city, address)"
            " VALUES (:id, :name, :city, :address)",
            {
                "id": theatre.id,
                "name": theatre.name,
                "city": theatre.city,
                "address": theatre.address,
            },
            f"theatre {theatre.name!r} already exists in {theatre.city}",
        )

    async def get_theatre(self, theatre_id: str) -> Theatre | None:
        row = await self._first(
            "SELECT id, name, city, address FROM catalog.theatres WHERE id = :id",
            {"id": theatre_id},
        )
        return None if row is None else theatre_from_row(row)

    async def list_theatres(
        self, city: str | None, after: Cursor | None, limit: int
    ) -> list[Theatre]:
        conditions, params = (["city = :city"], {"city": city}) if city else ([], {})
        if after:
            conditions.append("(name, id) > (:name, CAST(:id AS uuid))")
            params.update(name=after[0], id=after[1])
        rows = await self._all(
            f"SELECT id, name, city, address FROM catalog.theatres {_where(conditions)}"
            " ORDER BY name, id LIMIT :limit",
            {**params, "limit": limit},
        )
        return [theatre_from_row(row) for row in rows]

    async def count_theatres(self, city: str | None) -> int:
        if city:
            return await self._count(
                "SELECT count(*) FROM catalog.theatres WHERE city = :city", {"city": city}
            )
        return await self._count("SELECT count(*) FROM catalog.theatres", {})

    async def add_screen(self, screen: Screen) -> None:
        await self._insert(
            "INSERT INTO catalog.screens (id, theatre_id, name, layout, capacity)"
            " VALUES (:id, :theatre_id, :name, CAST(:layout AS jsonb), :capacity)",
            {
                "id": screen.id,
                "theatre_id": screen.theatre_id,
                "name": screen.name,
                "layout": layout_to_json(screen.layout),
                "capacity": screen.layout.capacity,
            },
            f"the theatre already has a screen named {screen.name!r}",
        )

    async def get_screen(self, screen_id: str) -> Screen | None:
        row = await self._first(
            "SELECT id, theatre_id, name, layout FROM catalog.screens WHERE id = :id",
            {"id": screen_id},
        )
        return None if row is None else screen_from_row(row)

    async def list_screens(self, theatre_id: str) -> list[Screen]:
        rows = await self._all(
            "SELECT id, theatre_id, name, layout FROM catalog.screens"
            " WHERE theatre_id = :theatre_id ORDER BY name, id",
            {"theatre_id": theatre_id},
        )
        return [screen_from_row(row) for row in rows]

    async def overlapping_show(self, screen_id: str, start: datetime, end: datetime) -> Show | None:
        row = await self._first(
            f"SELECT {_SHOW} FROM catalog.shows WHERE screen_id = :screen_id"
            " AND tstzrange(start_time, end_time, '[)') && tstzrange(:start, :end, '[)')"
            " ORDER BY start_time LIMIT 1",
            {"screen_id": screen_id, "start": start, "end": end},
        )
        return None if row is None else show_from_row(row)

    async def add_show(self, show: Show) -> None:
        room = show.waiting_room
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    text(
                        f"INSERT INTO catalog.shows ({_SHOW}) VALUES (:id, :movie_id, :screen_id,"
                        " :theatre_id, :start_time, :end_time, :currency, CAST(:prices AS jsonb),"
                        " :bookable, :movie_title, :theatre_name, :screen_name, :city, :capacity,"
                        " :on_sale_at, :admit_per_minute, :max_active)"
                    ),
                    {
                        "id": show.id,
                        "movie_id": show.movie_id,
                        "screen_id": show.screen_id,
                        "theatre_id": show.theatre_id,
                        "start_time": show.start_time,
                        "end_time": show.end_time,
                        "currency": show.currency,
                        "prices": prices_to_json(show.prices),
                        "bookable": show.bookable,
                        "movie_title": show.movie_title,
                        "theatre_name": show.theatre_name,
                        "screen_name": show.screen_name,
                        "city": show.city,
                        "capacity": show.capacity,
                        "on_sale_at": show.on_sale_at,
                        "admit_per_minute": room.admit_per_minute if room else None,
                        "max_active": room.max_active if room else None,
                    },
                )
        except DBAPIError as exc:
            if sqlstate_of(exc) == EXCLUSION_VIOLATION:
                raise ShowOverlaps(show.screen_id, None, show.start_time, show.end_time) from exc
            raise

    async def get_show(self, show_id: str) -> Show | None:
        row = await self._first(
            f"SELECT {_SHOW} FROM catalog.shows WHERE id = :id", {"id": show_id}
        )
        return None if row is None else show_from_row(row)

    async def list_shows(self, where: ShowFilter, after: Cursor | None, limit: int) -> list[Show]:
        conditions, params = _show_conditions(where)
        if after:
            conditions.append(
                "(start_time, id) > (CAST(:after_start AS timestamptz), CAST(:after_id AS uuid))"
            )
            params.update(after_start=after[0], after_id=after[1])
        rows = await self._all(
            f"SELECT {_SHOW} FROM catalog.shows {_where(conditions)}"
            " ORDER BY start_time, id LIMIT :limit",
            {**params, "limit": limit},
        )
        return [show_from_row(row) for row in rows]

    async def count_shows(self, where: ShowFilter) -> int:
        conditions, params = _show_conditions(where)
        return await self._count(f"SELECT count(*) FROM catalog.shows {_where(conditions)}", params)

    async def mark_bookable(self, show_id: str) -> None:
        await self._conn.execute(
            text("UPDATE catalog.shows SET bookable = true WHERE id = :id"), {"id": show_id}
        )

    async def unopened_shows(self, now: datetime, limit: int) -> list[tuple[Show, SeatLayout]]:
        rows = await self._all(
            f"SELECT {', '.join('s.' + c.strip() for c in _SHOW.split(','))}, sc.layout"
            " FROM catalog.shows s JOIN catalog.screens sc ON sc.id = s.screen_id"
            " WHERE NOT s.bookable AND s.start_time > :now ORDER BY s.start_time LIMIT :limit",
            {"now": now, "limit": limit},
        )
        return [(show_from_row(row), layout_from_json(row.layout)) for row in rows]
