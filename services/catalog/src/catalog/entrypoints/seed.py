"""``python -m catalog seed``: the demo catalog, loaded through the catalog's own gRPC API.

Idempotent: every object is looked up by the seed's own key first (a movie's title, length,
rating and language, so a movie of the same title created through the API is never taken for
the seed's; theatre name and city; screen name in its theatre; show screen and start time) and
created only when missing, so running the seed again the same day creates nothing. A slot that
a show created through the API already overlaps is skipped and counted, not an error. Shows
cover the next 7 days starting tomorrow (UTC), three per screen per day at fixed times far
enough apart for the longest movie, so a demo refund is still ≥ 24 h before the show (100 %).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import grpc

from svckit.grpc_client import create_channel
from svckit.identity import ADMIN_ROLE, Caller, caller_metadata
from svckit.proto_values import from_timestamp, to_timestamp
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.common.v1 import common_pb2

ALICE_ID = "11111111-1111-4111-8111-111111111111"
BOB_ID = "22222222-2222-4222-8222-222222222222"
DEMO_USERS = (("alice", ALICE_ID), ("bob", BOB_ID))

CURRENCY = "INR"
LANGUAGE = "English"
PRICES = {  # paise
    common_pb2.SEAT_TIER_REGULAR: 20000,
    common_pb2.SEAT_TIER_PREMIUM: 35000,
    common_pb2.SEAT_TIER_VIP: 50000,
}
MOVIES = (
    ("Inception", 148, "UA", ("Sci-Fi", "Thriller"), "A thief who steals corporate secrets..."),
    ("The Dark Knight", 152, "UA", ("Action", "Crime"), "Batman faces the Joker in Gotham."),
    ("Interstellar", 169, "UA", ("Sci-Fi", "Drama"), "Explorers travel through a wormhole."),
)
THEATRES = (
    (
        "PVR Cinemas",
        "Mumbai",
        "Phoenix Palladium, Lower Parel",
        (("Screen 1", 10), ("Screen 2", 8)),
    ),
    ("INOX Megaplex", "Delhi", "Mall of India, Sector 18", (("Audi 1", 12),)),
)
SEATS_PER_ROW = 10
VIP_ROWS = 2
SHOW_TIMES_UTC = (time(4, 30), time(9, 30), time(14, 30))  # 10:00, 15:00, 20:00 IST
DAYS = 7
READY_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 10.0


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    skipped_shows: int = 0
    bookable_shows: int = 0
    sample_show_id: str = ""

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1

    def lines(self) -> list[str]:
        kinds = ("movies", "theatres", "screens", "shows")
        counts = ", ".join(
            f"{kind} {self.created.get(kind, 0)} new / {self.existing.get(kind, 0)} existing"
            for kind in kinds
        )
        users = ", ".join(f"{name} {user_id}" for name, user_id in DEMO_USERS)
        return [
            f"seeded: {counts}",
            *(
                [f"skipped: {self.skipped_shows} show slots already taken by other shows"]
                if self.skipped_shows
                else []
            ),
            f"bookable shows: {self.bookable_shows}",
            f"sample show id: {self.sample_show_id}",
            f"demo users: {users}",
        ]


def layout(rows: int) -> catalog_pb2.SeatLayout:
    """Front rows REGULAR, middle rows PREMIUM, the back rows VIP."""
    regular = (rows - VIP_ROWS + 1) // 2
    result = catalog_pb2.SeatLayout()
    for index in range(rows):
        if index < regular:
            tier = common_pb2.SEAT_TIER_REGULAR
        elif index < rows - VIP_ROWS:
            tier = common_pb2.SEAT_TIER_PREMIUM
        else:
            tier = common_pb2.SEAT_TIER_VIP
        result.rows.append(
            catalog_pb2.LayoutRow(
                label=chr(ord("A") + index),
                seats=[
                    catalog_pb2.LayoutSeat(number=n, tier=tier) for n in range(1, SEATS_PER_ROW + 1)
                ],
            )
        )
    return result


def movie_key(movie: catalog_pb2.Movie) -> tuple[str, int, str, str]:
    """What makes a movie the seed's: titles alone are not unique in a catalog."""
    return (movie.title, movie.duration_minutes, movie.rating, movie.language)


class Seeder:
    def __init__(self, stub: catalog_pb2_grpc.CatalogServiceStub) -> None:
        self._stub = stub
        self._metadata = caller_metadata(Caller(user_id=None, roles=frozenset({ADMIN_ROLE})))
        self.summary = SeedSummary()

    async def movies(self) -> list[catalog_pb2.Movie]:
        existing: dict[tuple[str, int, str, str], catalog_pb2.Movie] = {}
        token = ""
        while True:
            page = await self._stub.ListMovies(
                catalog_pb2.ListMoviesRequest(
                    page=common_pb2.PageRequest(page_size=100, page_token=token)
                ),
                timeout=CALL_TIMEOUT_S,
            )
            for movie in page.movies:
                existing.setdefault(movie_key(movie), movie)
            token = page.page.next_page_token
            if not token:
                break
        result = []
        for title, minutes, rating, genres, description in MOVIES:
            movie = existing.get((title, minutes, rating, LANGUAGE))
            self.summary.count("movies", movie is None)
            if movie is None:
                movie = await self._stub.CreateMovie(
                    catalog_pb2.CreateMovieRequest(
                        title=title,
                        duration_minutes=minutes,
                        rating=rating,
                        genres=list(genres),
                        language=LANGUAGE,
                        description=description,
                    ),
                    metadata=self._metadata,
                    timeout=CALL_TIMEOUT_S,
                )
            result.append(movie)
        return result

    async def theatre(self, name: str, city: str, address: str) -> catalog_pb2.Theatre:
        listed = await self._stub.ListTheatres(
            catalog_pb2.ListTheatresRequest(city=city, page=common_pb2.PageRequest(page_size=100)),
            timeout=CALL_TIMEOUT_S,
        )
        found: catalog_pb2.Theatre | None = next(
            (t for t in listed.theatres if t.name == name), None
        )
        self.summary.count("theatres", found is None)
        if found is not None:
            return found
        created: catalog_pb2.Theatre = await self._stub.CreateTheatre(
            catalog_pb2.CreateTheatreRequest(name=name, city=city, address=address),
            metadata=self._metadata,
            timeout=CALL_TIMEOUT_S,
        )
        return created

    async def screen(self, theatre_id: str, name: str, rows: int) -> catalog_pb2.Screen:
        listed = await self._stub.ListScreens(
            catalog_pb2.ListScreensRequest(theatre_id=theatre_id), timeout=CALL_TIMEOUT_S
        )
        found: catalog_pb2.Screen | None = next((s for s in listed.screens if s.name == name), None)
        self.summary.count("screens", found is None)
        if found is not None:
            return found
        created: catalog_pb2.Screen = await self._stub.CreateScreen(
            catalog_pb2.CreateScreenRequest(theatre_id=theatre_id, name=name, layout=layout(rows)),
            metadata=self._metadata,
            timeout=CALL_TIMEOUT_S,
        )
        return created

    async def shows_on(self, theatre_id: str, day: date) -> dict[tuple[str, datetime], str]:
        """(screen id, start) → show id of the theatre's shows starting on ``day``."""
        found: dict[tuple[str, datetime], str] = {}
        token = ""
        while True:
            page = await self._stub.ListShows(
                catalog_pb2.ListShowsRequest(
                    theatre_id=theatre_id,
                    date=day.isoformat(),
                    page=common_pb2.PageRequest(page_size=100, page_token=token),
                ),
                timeout=CALL_TIMEOUT_S,
            )
            for show in page.shows:
                found[(show.screen_id, from_timestamp(show.start_time))] = show.id
            token = page.page.next_page_token
            if not token:
                return found

    async def show(
        self, movie: catalog_pb2.Movie, screen: catalog_pb2.Screen, start: datetime
    ) -> catalog_pb2.Show | None:
        """The new show, or None when a show created through the API overlaps the slot."""
        request = catalog_pb2.CreateShowRequest(
            movie_id=movie.id,
            screen_id=screen.id,
            currency=CURRENCY,
            prices=[catalog_pb2.TierPrice(tier=t, amount_minor=p) for t, p in PRICES.items()],
            start_time=to_timestamp(start),
        )
        try:
            created: catalog_pb2.Show = await self._stub.CreateShow(
                request, metadata=self._metadata, timeout=CALL_TIMEOUT_S * 3
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            return None
        return created

    async def run(self, today: date) -> SeedSummary:
        movies = await self.movies()
        screen_number = 0
        for name, city, address, screens in THEATRES:
            theatre = await self.theatre(name, city, address)
            created_screens = [
                await self.screen(theatre.id, screen_name, rows) for screen_name, rows in screens
            ]
            for offset in range(1, DAYS + 1):
                day = today + timedelta(days=offset)
                existing = await self.shows_on(theatre.id, day)
                for index, screen in enumerate(created_screens):
                    for slot, at in enumerate(SHOW_TIMES_UTC):
                        start = datetime.combine(day, at, tzinfo=UTC)
                        show_id = existing.get((screen.id, start))
                        new = show_id is None
                        if show_id is None:
                            movie = movies[(offset + slot + screen_number + index) % len(movies)]
                            created = await self.show(movie, screen, start)
                            if created is None:
                                self.summary.skipped_shows += 1
                                continue
                            show_id = created.id
                        self.summary.count("shows", new)
                        self.summary.sample_show_id = self.summary.sample_show_id or show_id
            screen_number += len(screens)
        return self.summary

    async def count_bookable(self) -> int:
        page = await self._stub.ListShows(
            catalog_pb2.ListShowsRequest(
                bookable_only=True, page=common_pb2.PageRequest(page_size=1)
            ),
            timeout=CALL_TIMEOUT_S,
        )
        return int(page.page.total_size)


async def run_seed(channel: grpc.aio.Channel, today: date | None = None) -> SeedSummary:
    seeder = Seeder(catalog_pb2_grpc.CatalogServiceStub(channel))
    summary = await seeder.run(today or datetime.now(UTC).date())
    summary.bookable_shows = await seeder.count_bookable()
    return summary


async def seed_catalog(catalog_addr: str) -> SeedSummary:
    """Wait for the catalog at ``catalog_addr``, seed it and print a summary."""
    channel = create_channel(catalog_addr)
    try:
        try:
            await asyncio.wait_for(channel.channel_ready(), READY_TIMEOUT_S)
        except TimeoutError:
            raise SystemExit(
                f"catalog is not reachable at {catalog_addr} after {READY_TIMEOUT_S:.0f}s"
            ) from None
        summary = await run_seed(channel)
    finally:
        await channel.close()
    for line in summary.lines():
        print(line)
    return summary
