"""Movies, theatres and screens: who may write, lookups, natural keys, paging."""

from __future__ import annotations

import grpc
import pytest

from svckit.identity import Caller, caller_metadata
from tests.integration.catalog.helpers import ADMIN, SMALL_LAYOUT, Catalog, code_of, unique
from ticketing.catalog.v1 import catalog_pb2
from ticketing.common.v1 import common_pb2

pytestmark = pytest.mark.integration

MISSING = "00000000-0000-4000-8000-000000000000"


async def test_only_admins_change_the_catalog(catalog: Catalog) -> None:
    request = catalog_pb2.CreateMovieRequest(title=unique("Movie"), duration_minutes=100)
    user = caller_metadata(Caller(user_id="11111111-1111-4111-8111-111111111111"))

    assert await code_of(catalog.stub.CreateMovie(request)) == grpc.StatusCode.UNAUTHENTICATED
    assert await code_of(catalog.stub.CreateMovie(request, metadata=user)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert await code_of(catalog.stub.CreateMovie(request, metadata=ADMIN)) == grpc.StatusCode.OK


async def test_movie_validation_and_lookup(catalog: Catalog) -> None:
    for bad in (
        catalog_pb2.CreateMovieRequest(title=" ", duration_minutes=100),
        catalog_pb2.CreateMovieRequest(title="Zero", duration_minutes=0),
    ):
        assert await code_of(catalog.stub.CreateMovie(bad, metadata=ADMIN)) == (
            grpc.StatusCode.INVALID_ARGUMENT
        )
    movie = await catalog.movie(minutes=148)
    assert await catalog.stub.GetMovie(catalog_pb2.GetMovieRequest(movie_id=movie.id)) == movie
    assert await code_of(catalog.stub.GetMovie(catalog_pb2.GetMovieRequest(movie_id=MISSING))) == (
        grpc.StatusCode.NOT_FOUND
    )


async def test_movies_page_through_everything_once(catalog: Catalog) -> None:
    for _ in range(3):
        await catalog.movie()
    seen: list[str] = []
    token = ""
    while True:
        page = await catalog.stub.ListMovies(
            catalog_pb2.ListMoviesRequest(
                page=common_pb2.PageRequest(page_size=2, page_token=token)
            )
        )
        seen += [movie.id for movie in page.movies]
        token = page.page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == page.page.total_size


async def test_theatres_and_screens(catalog: Catalog) -> None:
    city = unique("City")
    theatre = await catalog.theatre(city=city)
    twin = catalog_pb2.CreateTheatreRequest(name=theatre.name, city=city)
    assert await code_of(catalog.stub.CreateTheatre(twin, metadata=ADMIN)) == (
        grpc.StatusCode.ALREADY_EXISTS
    )
    listed = await catalog.stub.ListTheatres(catalog_pb2.ListTheatresRequest(city=city))
    assert [t.id for t in listed.theatres] == [theatre.id]

    screen = await catalog.screen(theatre.id)
    assert screen.capacity == 6
    assert await catalog.stub.GetScreen(catalog_pb2.GetScreenRequest(screen_id=screen.id)) == screen
    same_name = catalog_pb2.CreateScreenRequest(
        theatre_id=theatre.id, name=screen.name, layout=SMALL_LAYOUT
    )
    assert await code_of(catalog.stub.CreateScreen(same_name, metadata=ADMIN)) == (
        grpc.StatusCode.ALREADY_EXISTS
    )
    screens = await catalog.stub.ListScreens(catalog_pb2.ListScreensRequest(theatre_id=theatre.id))
    assert [s.id for s in screens.screens] == [screen.id]
    assert [seat.number for seat in screens.screens[0].layout.rows[0].seats] == [1, 2, 4]

    nowhere = catalog_pb2.CreateScreenRequest(theatre_id=MISSING, name="S", layout=SMALL_LAYOUT)
    assert await code_of(catalog.stub.CreateScreen(nowhere, metadata=ADMIN)) == (
        grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(catalog.stub.ListScreens(catalog_pb2.ListScreensRequest(theatre_id=MISSING)))
        == grpc.StatusCode.NOT_FOUND
    )
