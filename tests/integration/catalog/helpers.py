"""Building catalog objects over gRPC for the catalog tests (as an admin unless told)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import grpc

from svckit.identity import Caller, caller_metadata
from svckit.proto_values import to_timestamp
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.common.v1 import common_pb2

ADMIN = caller_metadata(Caller(user_id=str(uuid.uuid4()), roles=frozenset({"admin"})))
REGULAR, PREMIUM, VIP = (
    common_pb2.SEAT_TIER_REGULAR,
    common_pb2.SEAT_TIER_PREMIUM,
    common_pb2.SEAT_TIER_VIP,
)
PRICES = {REGULAR: 20000, PREMIUM: 35000, VIP: 50000}


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:8]}"


def layout(*rows: tuple[str, Sequence[tuple[int, int]]]) -> catalog_pb2.SeatLayout:
    """rows of (label, [(number, tier), ...])."""
    return catalog_pb2.SeatLayout(
        rows=[
            catalog_pb2.LayoutRow(
                label=label,
                seats=[catalog_pb2.LayoutSeat(number=n, tier=t) for n, t in seats],
            )
            for label, seats in rows
        ]
    )


SMALL_LAYOUT = layout(
    ("A", [(1, REGULAR), (2, REGULAR), (4, REGULAR)]),  # seat 3 is an aisle
    ("B", [(1, PREMIUM), (2, PREMIUM), (3, VIP)]),
)


def prices(table: dict[int, int] | None = None) -> list[catalog_pb2.TierPrice]:
    return [
        catalog_pb2.TierPrice(tier=tier, amount_minor=amount)
        for tier, amount in (table or PRICES).items()
    ]


def show_request(
    movie_id: str,
    screen_id: str,
    start: datetime,
    price_list: list[catalog_pb2.TierPrice] | None = None,
) -> catalog_pb2.CreateShowRequest:
    request = catalog_pb2.CreateShowRequest(
        movie_id=movie_id,
        screen_id=screen_id,
        currency="INR",
        prices=prices() if price_list is None else price_list,
        start_time=to_timestamp(start),
    )
    return request


def in_days(days: float, hour: int = 10) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


class Catalog:
    def __init__(self, stub: catalog_pb2_grpc.CatalogServiceStub) -> None:
        self.stub = stub

    async def movie(self, minutes: int = 120, title: str | None = None) -> catalog_pb2.Movie:
        return await self.stub.CreateMovie(
            catalog_pb2.CreateMovieRequest(
                title=title or unique("Movie"), duration_minutes=minutes, genres=["Drama"]
            ),
            metadata=ADMIN,
        )

    async def theatre(self, city: str | None = None) -> catalog_pb2.Theatre:
        return await self.stub.CreateTheatre(
            catalog_pb2.CreateTheatreRequest(name=unique("Theatre"), city=city or unique("City")),
            metadata=ADMIN,
        )

    async def screen(
        self, theatre_id: str | None = None, seat_layout: catalog_pb2.SeatLayout = SMALL_LAYOUT
    ) -> catalog_pb2.Screen:
        if theatre_id is None:
            theatre_id = (await self.theatre()).id
        return await self.stub.CreateScreen(
            catalog_pb2.CreateScreenRequest(
                theatre_id=theatre_id, name=unique("Screen"), layout=seat_layout
            ),
            metadata=ADMIN,
        )

    async def show(
        self, movie_id: str, screen_id: str, start: datetime, **kwargs: object
    ) -> catalog_pb2.Show:
        return await self.stub.CreateShow(
            show_request(movie_id, screen_id, start, **kwargs),  # type: ignore[arg-type]
            metadata=ADMIN,
        )


async def code_of(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK
