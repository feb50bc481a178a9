"""Catalog rules: layouts, prices per tier, show times, who may write, page tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog.domain import model
from catalog.domain.errors import InvalidRequest, NotAdmin, NotAuthenticated
from catalog.domain.model import (
    Actor,
    LayoutRow,
    LayoutSeat,
    Movie,
    Screen,
    SeatLayout,
    Theatre,
    Tier,
)
from catalog.service_layer import paging

pytestmark = pytest.mark.unit

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
LAYOUT = SeatLayout(
    (
        LayoutRow("A", (LayoutSeat(1, Tier.REGULAR), LayoutSeat(3, Tier.REGULAR))),
        LayoutRow("B", (LayoutSeat(1, Tier.VIP),)),
    )
)
MOVIE = Movie("m", "Inception", 148)
THEATRE = Theatre("t", "PVR Cinemas", "Mumbai")
SCREEN = Screen("s", "t", "Screen 1", LAYOUT)


def show(**changes: object) -> model.Show:
    arguments: dict[str, object] = {
        "movie": MOVIE,
        "screen": SCREEN,
        "theatre": THEATRE,
        "start_time": NOW + timedelta(days=1),
        "currency": "inr",
        "prices": [(Tier.VIP, 50000), (Tier.REGULAR, 20000)],
        "now": NOW,
    }
    arguments.update(changes)
    return model.new_show(**arguments)  # type: ignore[arg-type]


def test_a_show_lasts_as_long_as_its_movie_and_prices_every_seat() -> None:
    created = show()
    assert created.end_time - created.start_time == timedelta(minutes=148)
    assert (created.currency, created.capacity, created.bookable) == ("INR", 3, False)
    assert [(s.row_label, s.number, s.price_minor) for s in created.seats(LAYOUT)] == [
        ("A", 1, 20000),
        ("A", 3, 20000),
        ("B", 1, 50000),
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"start_time": NOW - timedelta(minutes=1)},
        {"prices": [(Tier.VIP, 1)]},
        {"prices": [(Tier.VIP, 1), (Tier.REGULAR, -1)]},
        {"prices": [(Tier.VIP, 1), (Tier.VIP, 2), (Tier.REGULAR, 1)]},
        {"currency": "rupees"},
        {"start_time": datetime.max.replace(tzinfo=UTC) - timedelta(minutes=1)},  # ends after 9999
    ],
)
def test_invalid_shows_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        show(**changes)


def test_layouts_need_seats_unique_rows_and_numbers() -> None:
    SCREEN.check()
    for rows in (
        (),
        (LayoutRow("A", ()),),
        (LayoutRow("A", (LayoutSeat(1, Tier.VIP), LayoutSeat(1, Tier.VIP))),),
        (LayoutRow("A", (LayoutSeat(1, Tier.VIP),)), LayoutRow("A", (LayoutSeat(2, Tier.VIP),))),
        (LayoutRow("A", (LayoutSeat(0, Tier.VIP),)),),
    ):
        with pytest.raises(InvalidRequest):
            SeatLayout(rows).check()


def test_only_admins_write() -> None:
    Actor(None, is_admin=True).require_admin()
    with pytest.raises(NotAuthenticated):
        Actor(None, is_admin=False).require_admin()
    with pytest.raises(NotAdmin):
        Actor("u", is_admin=False).require_admin()


def test_page_tokens_round_trip_and_belong_to_one_list() -> None:
    token = paging.encode("shows", ("2030-05-01T12:00:00+00:00", "id-1"))
    assert paging.decode("shows", token) == ("2030-05-01T12:00:00+00:00", "id-1")
    assert paging.decode("shows", "") is None
    for bad in ("garbage", paging.encode("movies", ("a", "b"))):
        with pytest.raises(InvalidRequest):
            paging.decode("shows", bad)
    assert (paging.page_size(0), paging.page_size(500), paging.page_size(7)) == (20, 100, 7)
    with pytest.raises(InvalidRequest):
        paging.page_size(-1)
