"""Creating and listing shows: validation, overlap, inventory opening, pagination."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest

from svckit.errors import error_info_from_rpc_error
from tests.integration.catalog.helpers import (
    ADMIN,
    PREMIUM,
    REGULAR,
    VIP,
    Catalog,
    code_of,
    in_days,
    layout,
    prices,
    show_request,
)
from ticketing.catalog.v1 import catalog_pb2
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration


async def test_a_new_show_is_bookable_with_its_seats_open_in_inventory(
    catalog: Catalog, seat_inventory: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    movie = await catalog.movie(minutes=148)
    theatre = await catalog.theatre(city="Pune")
    screen = await catalog.screen(theatre.id)
    start = in_days(3)

    show = await catalog.show(movie.id, screen.id, start)

    assert show.bookable
    assert (show.movie_title, show.theatre_name, show.screen_name, show.city, show.capacity) == (
        movie.title,
        theatre.name,
        screen.name,
        "Pune",
        6,
    )
    assert show.end_time.ToDatetime() - show.start_time.ToDatetime() == timedelta(minutes=148)
    assert await catalog.stub.GetShow(catalog_pb2.GetShowRequest(show_id=show.id)) == show
    seat_map = await seat_inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.id))
    assert [(s.row_label, s.number, s.price_minor) for s in seat_map.seats] == [
        ("A", 1, 20000),
        ("A", 2, 20000),
        ("A", 4, 20000),
        ("B", 1, 35000),
        ("B", 2, 35000),
        ("B", 3, 50000),
    ]
    assert seat_map.currency == "INR"


async def test_show_validation(catalog: Catalog) -> None:
    movie = await catalog.movie()
    screen = await catalog.screen()
    invalid, missing = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
    no_start = show_request(movie.id, screen.id, in_days(1))
    no_start.ClearField("start_time")
    cases = [
        (show_request(movie.id, screen.id, in_days(-1)), invalid),
        (
            show_request(
                movie.id, screen.id, in_days(1), prices({REGULAR: 1, PREMIUM: -5, VIP: 1})
            ),
            invalid,
        ),
        (show_request(movie.id, screen.id, in_days(1), prices({REGULAR: 1, PREMIUM: 2})), invalid),
        (no_start, invalid),
        (show_request("movie-1", screen.id, in_days(1)), invalid),
        (show_request(movie.id, "00000000-0000-4000-8000-000000000000", in_days(1)), missing),
        (show_request("00000000-0000-4000-8000-000000000000", screen.id, in_days(1)), missing),
    ]
    for request, expected in cases:
        assert await code_of(catalog.stub.CreateShow(request, metadata=ADMIN)) == expected, request


async def test_layout_validation(catalog: Catalog) -> None:
    theatre = await catalog.theatre()
    bad_layouts = [
        layout(),
        layout(("A", [])),
        layout(("A", [(1, REGULAR), (1, VIP)])),
        layout(("A", [(1, REGULAR)]), ("A", [(2, REGULAR)])),
        layout(("A", [(1, common_pb2.SEAT_TIER_UNSPECIFIED)])),
        layout(("", [(1, REGULAR)])),
    ]
    for bad in bad_layouts:
        request = catalog_pb2.CreateScreenRequest(theatre_id=theatre.id, name="X", layout=bad)
        code = await code_of(catalog.stub.CreateScreen(request, metadata=ADMIN))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, bad


async def test_shows_may_not_overlap_on_one_screen(catalog: Catalog) -> None:
    movie = await catalog.movie(minutes=148)
    screen = await catalog.screen()
    first = await catalog.show(movie.id, screen.id, in_days(2, hour=10))

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await catalog.show(movie.id, screen.id, in_days(2, hour=12))
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS  # the gateway's 409
    info = error_info_from_rpc_error(refused.value)
    assert info is not None
    assert (info.reason, info.metadata["other_show_id"]) == ("SHOW_OVERLAPS", first.id)

    # Back to back is fine, and so is the same time on another screen.
    after = await catalog.show(movie.id, screen.id, in_days(2, hour=10) + timedelta(minutes=148))
    other_screen = await catalog.screen()
    elsewhere = await catalog.show(movie.id, other_screen.id, in_days(2, hour=10))
    assert after.bookable and elsewhere.bookable


async def test_concurrent_overlapping_shows_leave_exactly_one(catalog: Catalog) -> None:
    movie = await catalog.movie(minutes=120)
    screen = await catalog.screen()
    starts = [in_days(4, hour=10) + timedelta(minutes=10 * i) for i in range(8)]

    codes = await asyncio.gather(
        *(
            code_of(catalog.stub.CreateShow(show_request(movie.id, screen.id, s), metadata=ADMIN))
            for s in starts
        )
    )

    assert codes.count(grpc.StatusCode.OK) == 1, codes
    assert codes.count(grpc.StatusCode.ALREADY_EXISTS) == len(starts) - 1
    listed = await catalog.stub.ListShows(catalog_pb2.ListShowsRequest(movie_id=movie.id))
    assert listed.page.total_size == 1


async def test_list_shows_filters_and_pages(catalog: Catalog) -> None:
    movie, other_movie = await catalog.movie(minutes=90), await catalog.movie(minutes=90)
    theatre = await catalog.theatre(city="Jaipur")
    screen = await catalog.screen(theatre.id)
    day = in_days(5, hour=6)
    created = [
        await catalog.show(movie.id, screen.id, day + timedelta(hours=2 * i)) for i in range(5)
    ]
    await catalog.show(other_movie.id, screen.id, day + timedelta(hours=12))
    await catalog.show(movie.id, screen.id, day + timedelta(days=1))

    seen: list[str] = []
    token = ""
    while True:
        page = await catalog.stub.ListShows(
            catalog_pb2.ListShowsRequest(
                movie_id=movie.id,
                date=day.date().isoformat(),
                page=common_pb2.PageRequest(page_size=2, page_token=token),
            )
        )
        assert page.page.total_size == 5
        seen += [show.id for show in page.shows]
        token = page.page.next_page_token
        if not token:
            break
    assert seen == [show.id for show in created]

    by_theatre = await catalog.stub.ListShows(
        catalog_pb2.ListShowsRequest(theatre_id=theatre.id, bookable_only=True)
    )
    by_city = await catalog.stub.ListShows(catalog_pb2.ListShowsRequest(city="Jaipur"))
    assert by_theatre.page.total_size == by_city.page.total_size == 7
    assert all(show.city == "Jaipur" and show.bookable for show in by_city.shows)

    bad_token = catalog_pb2.ListShowsRequest(page=common_pb2.PageRequest(page_token="garbage"))
    assert await code_of(catalog.stub.ListShows(bad_token)) == grpc.StatusCode.INVALID_ARGUMENT
    bad_date = catalog_pb2.ListShowsRequest(date="tomorrow")
    assert await code_of(catalog.stub.ListShows(bad_date)) == grpc.StatusCode.INVALID_ARGUMENT
    too_big = await catalog.stub.ListShows(
        catalog_pb2.ListShowsRequest(page=common_pb2.PageRequest(page_size=1000))
    )
    assert len(too_big.shows) <= 100


async def test_list_shows_on_the_first_and_last_representable_days_is_empty_not_an_error(
    catalog: Catalog,
) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        page = await catalog.stub.ListShows(catalog_pb2.ListShowsRequest(date=day))
        assert (list(page.shows), page.page.total_size) == ([], 0)
