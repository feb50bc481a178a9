"""Listing stale reservations for booking's housekeeping: pages, tokens, bad arguments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from inventory.domain.errors import InvalidRequest
from inventory.service_layer.housekeeping import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    StaleReservation,
    StaleReservations,
)

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(minutes=30)


class FakeReader:
    """Reservations in booking id order, as the query returns them; records what it was asked."""

    def __init__(self, count: int) -> None:
        ids = sorted(str(uuid.uuid4()) for _ in range(count))
        self.rows = [StaleReservation(booking_id, "show", 2, CUTOFF) for booking_id in ids]
        self.asked: list[tuple[datetime, str | None, int]] = []

    async def reserved_before(
        self, cutoff: datetime, *, after: str | None, limit: int
    ) -> list[StaleReservation]:
        self.asked.append((cutoff, after, limit))
        return [row for row in self.rows if after is None or row.booking_id > after][:limit]


async def test_pages_follow_each_other_in_booking_id_order_until_the_last() -> None:
    reader = FakeReader(5)
    stale = StaleReservations(reader)

    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await stale.list(reserved_before=CUTOFF, page_size=2, page_token=token)
        seen += [reservation.booking_id for reservation in page.reservations]
        pages += 1
        token = page.next_page_token
        if not token:
            break

    assert seen == [row.booking_id for row in reader.rows]
    assert pages == 3
    assert [after for _, after, _ in reader.asked] == [None, seen[1], seen[3]]
    assert {cutoff for cutoff, _, _ in reader.asked} == {CUTOFF}


async def test_a_page_that_ends_exactly_at_the_last_reservation_has_no_next_token() -> None:
    page = await StaleReservations(FakeReader(2)).list(
        reserved_before=CUTOFF, page_size=2, page_token=""
    )
    assert len(page.reservations) == 2
    assert page.next_page_token == ""


async def test_page_size_zero_means_the_default() -> None:
    reader = FakeReader(0)
    await StaleReservations(reader).list(reserved_before=CUTOFF, page_size=0, page_token="")
    assert reader.asked[0][2] == DEFAULT_PAGE_SIZE + 1


@pytest.mark.parametrize(
    ("page_size", "page_token", "field"),
    [(-1, "", "page_size"), (MAX_PAGE_SIZE + 1, "", "page_size"), (10, "next", "page_token")],
)
async def test_a_bad_page_argument_is_refused_naming_the_field(
    page_size: int, page_token: str, field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await StaleReservations(FakeReader(1)).list(
            reserved_before=CUTOFF, page_size=page_size, page_token=page_token
        )
    assert refused.value.field == field
