"""CatalogService over gRPC: decode → one use case → encode; errors map via ERROR_TABLE."""

from __future__ import annotations

from typing import Any

from catalog.domain.model import Actor
from catalog.entrypoints import proto_mapping as mapping
from catalog.service_layer.services import CatalogService
from svckit.identity import caller_from_context
from svckit.proto_values import timestamp_field
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc

Context = Any


def actor(context: Context) -> Actor:
    caller = caller_from_context(context)
    return Actor(caller.user_id, caller.is_admin)


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, catalog: CatalogService) -> None:
        self._catalog = catalog

    async def CreateMovie(
        self, request: catalog_pb2.CreateMovieRequest, context: Context
    ) -> catalog_pb2.Movie:
        created = await self._catalog.create_movie(actor(context), mapping.movie_from(request))
        return mapping.movie(created)

    async def GetMovie(
        self, request: catalog_pb2.GetMovieRequest, context: Context
    ) -> catalog_pb2.Movie:
        return mapping.movie(await self._catalog.get_movie(request.movie_id))

    async def ListMovies(
        self, request: catalog_pb2.ListMoviesRequest, context: Context
    ) -> catalog_pb2.ListMoviesResponse:
        page = await self._catalog.list_movies(request.page.page_size, request.page.page_token)
        return catalog_pb2.ListMoviesResponse(
            movies=[mapping.movie(m) for m in page.items], page=mapping.page(page)
        )

    async def CreateTheatre(
        self, request: catalog_pb2.CreateTheatreRequest, context: Context
    ) -> catalog_pb2.Theatre:
        created = await self._catalog.create_theatre(actor(context), mapping.theatre_from(request))
        return mapping.theatre(created)

    async def GetTheatre(
        self, request: catalog_pb2.GetTheatreRequest, context: Context
    ) -> catalog_pb2.Theatre:
        return mapping.theatre(await self._catalog.get_theatre(request.theatre_id))

    async def ListTheatres(
        self, request: catalog_pb2.ListTheatresRequest, context: Context
    ) -> catalog_pb2.ListTheatresResponse:
        page = await self._catalog.list_theatres(
            request.city, request.page.page_size, request.page.page_token
        )
        return catalog_pb2.ListTheatresResponse(
            theatres=[mapping.theatre(t) for t in page.items], page=mapping.page(page)
        )

    async def CreateScreen(
        self, request: catalog_pb2.CreateScreenRequest, context: Context
    ) -> catalog_pb2.Screen:
        created = await self._catalog.create_screen(
            actor(context),
            theatre_id=request.theatre_id,
            name=request.name,
            layout=mapping.layout_from(request.layout),
        )
        return mapping.screen(created)

    async def GetScreen(
        self, request: catalog_pb2.GetScreenRequest, context: Context
    ) -> catalog_pb2.Screen:
        return mapping.screen(await self._catalog.get_screen(request.screen_id))

    async def ListScreens(
        self, request: catalog_pb2.ListScreensRequest, context: Context
    ) -> catalog_pb2.ListScreensResponse:
        screens = await self._catalog.list_screens(request.theatre_id)
        return catalog_pb2.ListScreensResponse(screens=[mapping.screen(s) for s in screens])

    async def CreateShow(
        self, request: catalog_pb2.CreateShowRequest, context: Context
    ) -> catalog_pb2.Show:
        created = await self._catalog.create_show(
            actor(context),
            movie_id=request.movie_id,
            screen_id=request.screen_id,
            start_time=timestamp_field(request, "start_time"),
            currency=request.currency,
            prices=mapping.prices_from(request),
            on_sale_at=timestamp_field(request, "on_sale_at"),
            waiting_room=mapping.waiting_room_from(request),
        )
        return mapping.show(created)

    async def GetShow(
        self, request: catalog_pb2.GetShowRequest, context: Context
    ) -> catalog_pb2.Show:
        return mapping.show(await self._catalog.get_show(request.show_id))

    async def ListShows(
        self, request: catalog_pb2.ListShowsRequest, context: Context
    ) -> catalog_pb2.ListShowsResponse:
        page = await self._catalog.list_shows(
            movie_id=request.movie_id,
            theatre_id=request.theatre_id,
            city=request.city,
            day=request.date,
            bookable_only=request.bookable_only,
            size=request.page.page_size,
            token=request.page.page_token,
        )
        return catalog_pb2.ListShowsResponse(
            shows=[mapping.show(s) for s in page.items], page=mapping.page(page)
        )
