"""Movies, theatres, screens and shows: reads are public, writes need the admin role."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from gateway.auth import OPTIONAL_BEARER, Admin, MaybeAuthenticated
from gateway.rendering import catalog as render
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.catalog import (
    CreateMovieRequest,
    CreateScreenRequest,
    CreateShowRequest,
    CreateTheatreRequest,
    MovieListResponse,
    MovieResponse,
    ScreenListResponse,
    ScreenResponse,
    ShowListResponse,
    ShowResponse,
    TheatreListResponse,
    TheatreResponse,
)
from gateway.schemas.common import (
    PAGE_TOKEN_PATTERN,
    QUERY_TEXT,
    IsoDate,
    JsonBoolean,
    PageSize,
    error_responses,
)
from gateway.state import State
from svckit.proto_values import to_timestamp
from ticketing.catalog.v1 import catalog_pb2
from ticketing.common.v1 import common_pb2

router = APIRouter(prefix=API_PREFIX, tags=["catalog"])

PageSizeQuery = Annotated[PageSize | None, Query(alias="pageSize")]
PageTokenQuery = Annotated[
    str,
    Query(
        alias="pageToken",
        max_length=512,
        pattern=PAGE_TOKEN_PATTERN,
        description="The `nextPageToken` of the previous page (opaque); another list's token, "
        "or any other text, → 400.",
    ),
]
CityQuery = Annotated[str, Query(max_length=100, pattern=QUERY_TEXT)]
TheatreId = Annotated[UUID, Path(alias="theatreId")]
READ_ERRORS = error_responses(400, 401, 404, 503, 504)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 503, 504)
# Catalog reads are open to anonymous viewers: a token is optional.
public_get = functools.partial(router.get, responses=READ_ERRORS, openapi_extra=OPTIONAL_BEARER)
TIER_NUMBERS = {
    name: common_pb2.SeatTier.Value(f"SEAT_TIER_{name}") for name in ("REGULAR", "PREMIUM", "VIP")
}


def _page(size: int | None, token: str) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size or 0, page_token=token)


@public_get("/movies", response_model=MovieListResponse)
async def list_movies(
    gw: State,
    caller: MaybeAuthenticated,
    page_size: PageSizeQuery = None,
    page_token: PageTokenQuery = "",
) -> Response:
    request = catalog_pb2.ListMoviesRequest(page=_page(page_size, page_token))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.ListMovies, request, caller)
    return json_response(render.movie_list(reply))


@router.post("/movies", status_code=201, response_model=MovieResponse, responses=WRITE_ERRORS)
async def create_movie(gw: State, caller: Admin, body: CreateMovieRequest) -> Response:
    request = catalog_pb2.CreateMovieRequest(
        title=body.title,
        duration_minutes=body.duration_minutes,
        rating=body.rating,
        genres=body.genres,
        language=body.language,
        description=body.description,
    )
    if body.release_date is not None:
        midnight = dt.datetime.combine(body.release_date, dt.time(), tzinfo=dt.UTC)
        request.release_date.CopyFrom(to_timestamp(midnight))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.CreateMovie, request, caller)
    return json_response(render.movie(reply), 201)


@public_get("/movies/{movieId}", response_model=MovieResponse)
async def get_movie(
    gw: State, caller: MaybeAuthenticated, movie_id: Annotated[UUID, Path(alias="movieId")]
) -> Response:
    request = catalog_pb2.GetMovieRequest(movie_id=str(movie_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.GetMovie, request, caller)
    return json_response(render.movie(reply))


@public_get("/theatres", response_model=TheatreListResponse)
async def list_theatres(
    gw: State,
    caller: MaybeAuthenticated,
    city: CityQuery = "",
    page_size: PageSizeQuery = None,
    page_token: PageTokenQuery = "",
) -> Response:
    request = catalog_pb2.ListTheatresRequest(city=city, page=_page(page_size, page_token))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.ListTheatres, request, caller)
    return json_response(render.theatre_list(reply))


@router.post("/theatres", status_code=201, response_model=TheatreResponse, responses=WRITE_ERRORS)
async def create_theatre(gw: State, caller: Admin, body: CreateTheatreRequest) -> Response:
    request = catalog_pb2.CreateTheatreRequest(name=body.name, city=body.city, address=body.address)
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.CreateTheatre, request, caller)
    return json_response(render.theatre(reply), 201)


@public_get("/theatres/{theatreId}", response_model=TheatreResponse)
async def get_theatre(gw: State, caller: MaybeAuthenticated, theatre_id: TheatreId) -> Response:
    request = catalog_pb2.GetTheatreRequest(theatre_id=str(theatre_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.GetTheatre, request, caller)
    return json_response(render.theatre(reply))


@public_get("/theatres/{theatreId}/screens", response_model=ScreenListResponse)
async def list_screens(gw: State, caller: MaybeAuthenticated, theatre_id: TheatreId) -> Response:
    request = catalog_pb2.ListScreensRequest(theatre_id=str(theatre_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.ListScreens, request, caller)
    return json_response(render.screen_list(reply))


@router.post(
    "/theatres/{theatreId}/screens",
    status_code=201,
    response_model=ScreenResponse,
    responses=WRITE_ERRORS,
)
async def create_screen(
    gw: State, caller: Admin, theatre_id: TheatreId, body: CreateScreenRequest
) -> Response:
    layout = catalog_pb2.SeatLayout(
        rows=[
            catalog_pb2.LayoutRow(
                label=row.label,
                seats=[
                    catalog_pb2.LayoutSeat(number=seat.number, tier=TIER_NUMBERS[seat.tier])
                    for seat in row.seats
                ],
            )
            for row in body.layout.rows
        ]
    )
    request = catalog_pb2.CreateScreenRequest(
        theatre_id=str(theatre_id), name=body.name, layout=layout
    )
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.CreateScreen, request, caller)
    return json_response(render.screen(reply), 201)


@public_get("/screens/{screenId}", response_model=ScreenResponse)
async def get_screen(
    gw: State, caller: MaybeAuthenticated, screen_id: Annotated[UUID, Path(alias="screenId")]
) -> Response:
    request = catalog_pb2.GetScreenRequest(screen_id=str(screen_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.GetScreen, request, caller)
    return json_response(render.screen(reply))


@public_get(
    "/shows",
    response_model=ShowListResponse,
    summary="Shows, filtered",
    description="Every filter is optional; `date` is the UTC calendar day the show starts on; "
    "`bookableOnly` keeps shows whose seats are open and that have not started.",
)
async def list_shows(
    gw: State,
    caller: MaybeAuthenticated,
    movie_id: Annotated[UUID | None, Query(alias="movieId")] = None,
    theatre_id: Annotated[UUID | None, Query(alias="theatreId")] = None,
    city: CityQuery = "",
    date: Annotated[IsoDate | None, Query(description="YYYY-MM-DD (UTC)")] = None,
    bookable_only: Annotated[JsonBoolean, Query(alias="bookableOnly")] = False,
    page_size: PageSizeQuery = None,
    page_token: PageTokenQuery = "",
) -> Response:
    request = catalog_pb2.ListShowsRequest(
        movie_id=str(movie_id) if movie_id else "",
        theatre_id=str(theatre_id) if theatre_id else "",
        city=city,
        date=date.isoformat() if date else "",
        bookable_only=bookable_only,
        page=_page(page_size, page_token),
    )
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.ListShows, request, caller)
    return json_response(render.show_list(reply))


@router.post(
    "/shows",
    status_code=201,
    response_model=ShowResponse,
    summary="Schedule a show (opens its seats)",
    responses=WRITE_ERRORS,
)
async def create_show(gw: State, caller: Admin, body: CreateShowRequest) -> Response:
    request = catalog_pb2.CreateShowRequest(
        movie_id=str(body.movie_id),
        screen_id=str(body.screen_id),
        start_time=to_timestamp(body.start_time.astimezone(dt.UTC)),
        currency=body.currency,
        prices=[
            catalog_pb2.TierPrice(tier=TIER_NUMBERS[price.tier], amount_minor=price.amount)
            for price in body.prices
        ],
        on_sale_at=to_timestamp(body.on_sale_at) if body.on_sale_at else None,
        waiting_room=(
            catalog_pb2.WaitingRoom(
                admit_per_minute=body.waiting_room.admit_per_minute,
                max_active=body.waiting_room.max_active,
            )
            if body.waiting_room
            else None
        ),
    )
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.CreateShow, request, caller)
    return json_response(render.show(reply), 201)


@public_get("/shows/{showId}", response_model=ShowResponse)
async def get_show(
    gw: State, caller: MaybeAuthenticated, show_id: Annotated[UUID, Path(alias="showId")]
) -> Response:
    request = catalog_pb2.GetShowRequest(show_id=str(show_id))
    reply = await gw.upstreams.call("catalog", gw.upstreams.catalog.GetShow, request, caller)
    return json_response(render.show(reply))
