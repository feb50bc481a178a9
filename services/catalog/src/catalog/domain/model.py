"""Movies, theatres, screens with seat layouts, and shows with a price per tier.

A show occupies its screen from its start until start + the movie's duration; two shows on one
screen may not overlap (the database enforces it too, under concurrency). A show is listed as
bookable only once inventory has opened its seats.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from catalog.domain.errors import InvalidRequest, NotAdmin, NotAuthenticated

MAX_DURATION_MINUTES = 24 * 60
DEFAULT_CURRENCY = "INR"


class Tier(StrEnum):
    REGULAR = "REGULAR"
    PREMIUM = "PREMIUM"
    VIP = "VIP"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a change: only admins may change the catalog."""

    user_id: str | None
    is_admin: bool

    def require_admin(self) -> None:
        if self.is_admin:
            return
        if self.user_id is None:
            raise NotAuthenticated()
        raise NotAdmin()


@dataclass(frozen=True, slots=True)
class LayoutSeat:
    number: int
    tier: Tier


@dataclass(frozen=True, slots=True)
class LayoutRow:
    label: str
    seats: tuple[LayoutSeat, ...]


@dataclass(frozen=True, slots=True)
class SeatLayout:
    """Rows in display order; numbers missing from a row are gaps (aisles)."""

    rows: tuple[LayoutRow, ...]

    @property
    def capacity(self) -> int:
        return sum(len(row.seats) for row in self.rows)

    @property
    def tiers(self) -> frozenset[Tier]:
        return frozenset(seat.tier for row in self.rows for seat in row.seats)

    def check(self) -> None:
        if self.capacity == 0:
            raise InvalidRequest("layout", "a screen needs at least one seat")
        labels: set[str] = set()
        for row in self.rows:
            label = row.label.strip()
            if not label:
                raise InvalidRequest("layout", "every row needs a label")
            if label in labels:
                raise InvalidRequest("layout", f"row {label} appears more than once")
            labels.add(label)
            numbers: set[int] = set()
            for seat in row.seats:
                if seat.number <= 0:
                    raise InvalidRequest("layout", f"row {label}: seat numbers start at 1")
                if seat.number in numbers:
                    raise InvalidRequest("layout", f"seat {label}{seat.number} appears twice")
                numbers.add(seat.number)


@dataclass(frozen=True, slots=True)
class Movie:
    id: str
    title: str
    duration_minutes: int
    rating: str = ""
    genres: tuple[str, ...] = ()
    language: str = ""
    description: str = ""
    release_date: datetime | None = None

    def check(self) -> None:
        if not self.title.strip():
            raise InvalidRequest("title", "a movie needs a title")
        if not 0 < self.duration_minutes <= MAX_DURATION_MINUTES:
            raise InvalidRequest(
                "duration_minutes",
                f"duration must be 1..{MAX_DURATION_MINUTES} minutes, got {self.duration_minutes}",
            )


@dataclass(frozen=True, slots=True)
class Theatre:
    id: str
    name: str
    city: str
    address: str = ""

    def check(self) -> None:
        if not self.name.strip():
            raise InvalidRequest("name", "a theatre needs a name")
        if not self.city.strip():
            raise InvalidRequest("city", "a theatre needs a city")


@dataclass(frozen=True, slots=True)
class Screen:
    id: str
    theatre_id: str
    name: str
    layout: SeatLayout

    def check(self) -> None:
        if not self.name.strip():
            raise InvalidRequest("name", "a screen needs a name")
        self.layout.check()


@dataclass(frozen=True, slots=True)
class PricedSeat:
    row_label: str
    number: int
    tier: Tier
    price_minor: int


@dataclass(frozen=True, slots=True)
class Show:
    id: str
    movie_id: str
    screen_id: str
    theatre_id: str
    start_time: datetime
    end_time: datetime
    currency: str
    prices: Mapping[Tier, int]
    movie_title: str
    theatre_name: str
    screen_name: str
    city: str
    capacity: int
    bookable: bool = False
    on_sale_at: datetime | None = None
    waiting_room: WaitingRoom | None = None
    created_at: datetime | None = field(default=None, compare=False)

    def seats(self, layout: SeatLayout) -> list[PricedSeat]:
        """Every seat of the screen with this show's price for its tier."""
        return [
            PricedSeat(row.label, seat.number, seat.tier, self.prices[seat.tier])
            for row in layout.rows
            for seat in row.seats
        ]


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(field_name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidRequest(field_name, f"{field_name} must be a UUID, got {value!r}") from None


def check_currency(currency: str) -> str:
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InvalidRequest("currency", f"currency must be an ISO 4217 code, got {currency!r}")
    return code


def check_prices(prices: Sequence[tuple[Tier, int]], layout: SeatLayout) -> dict[Tier, int]:
    """One non-negative price per tier, for every tier the screen has."""
    priced: dict[Tier, int] = {}
    for tier, amount in prices:
        if tier in priced:
            raise InvalidRequest("prices", f"tier {tier} is priced twice")
        if amount < 0:
            raise InvalidRequest("prices", f"price for {tier} is negative ({amount})")
        priced[tier] = amount
    missing = sorted(layout.tiers - priced.keys())
    if missing:
        raise InvalidRequest("prices", f"no price for tier {', '.join(missing)} of the screen")
    return {tier: priced[tier] for tier in Tier if tier in priced}


@dataclass(frozen=True, slots=True)
class WaitingRoom:
    """A queue in front of the on-sale (the waiting room service runs it): people are let in at
    ``admit_per_minute``, never more than ``max_active`` holding a pass at once."""

    admit_per_minute: int
    max_active: int


MAX_ADMIT_PER_MINUTE = 1_000_000
MAX_ACTIVE = 1_000_000


def check_on_sale(
    on_sale_at: datetime | None, waiting_room: WaitingRoom | None, start_time: datetime
) -> None:
    if on_sale_at is not None and on_sale_at >= start_time:
        raise InvalidRequest("on_sale_at", "on_sale_at must be before the show's start_time")
    if waiting_room is None:
        return
    if on_sale_at is None:
        raise InvalidRequest("on_sale_at", "a waiting room needs on_sale_at")
    if not 1 <= waiting_room.admit_per_minute <= MAX_ADMIT_PER_MINUTE:
        raise InvalidRequest(
            "waiting_room.admit_per_minute",
            f"admit_per_minute must be between 1 and {MAX_ADMIT_PER_MINUTE}",
        )
    if not 1 <= waiting_room.max_active <= MAX_ACTIVE:
        raise InvalidRequest(
            "waiting_room.max_active", f"max_active must be between 1 and {MAX_ACTIVE}"
        )


def new_show(
    *,
    movie: Movie,
    screen: Screen,
    theatre: Theatre,
    start_time: datetime,
    currency: str,
    prices: Sequence[tuple[Tier, int]],
    now: datetime,
    on_sale_at: datetime | None = None,
    waiting_room: WaitingRoom | None = None,
) -> Show:
    if start_time <= now:
        raise InvalidRequest("start_time", f"start_time {start_time.isoformat()} is in the past")
    try:
        end_time = start_time + timedelta(minutes=movie.duration_minutes)
    except OverflowError:
        raise InvalidRequest(
            "start_time", f"start_time {start_time.isoformat()} leaves no time for the movie"
        ) from None
    check_on_sale(on_sale_at, waiting_room, start_time)
    return Show(
        id=new_id(),
        movie_id=movie.id,
        screen_id=screen.id,
        theatre_id=theatre.id,
        start_time=start_time,
        end_time=end_time,
        currency=check_currency(currency),
        prices=check_prices(prices, screen.layout),
        movie_title=movie.title,
        theatre_name=theatre.name,
        screen_name=screen.name,
        city=theatre.city,
        capacity=screen.layout.capacity,
        on_sale_at=on_sale_at,
        waiting_room=waiting_room,
    )
