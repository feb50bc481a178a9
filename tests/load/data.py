"""The bench's own data, created through the public API like an admin would, and its users.

A 10,000-seat screen (100 rows of 100) and a 100-seat screen in a bench theatre; shows on them
are created on demand (``SeatPool`` opens another 10,000-seat show when its seats run out) so
every booking and hold of a run takes seats nobody touched before. Users are random uuids with
a signed token each.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from gateway.auth import TokenSettings, issue_token

API = "/api/v1"
BIG_ROWS = 100
BIG_SEATS_PER_ROW = 100
SMALL_ROWS = 10
SMALL_SEATS_PER_ROW = 10
PRICES = [
    {"tier": "REGULAR", "amount": 20000},
    {"tier": "PREMIUM", "amount": 30000},
    {"tier": "VIP", "amount": 45000},
]


def _tier(row: int, rows: int) -> str:
    if row < rows // 10:
        return "VIP"
    if row < rows * 4 // 10:
        return "PREMIUM"
    return "REGULAR"


def layout(rows: int, per_row: int) -> dict[str, object]:
    return {
        "rows": [
            {
                "label": f"R{row:02d}",
                "seats": [
                    {"number": number, "tier": _tier(row, rows)} for number in range(1, per_row + 1)
                ],
            }
            for row in range(rows)
        ]
    }


@dataclass
class Users:
    settings: TokenSettings

    def token(self, user_id: str, *roles: str) -> str:
        return issue_token(self.settings, user_id, roles, ttl_seconds=6 * 3600)

    def fresh(self) -> tuple[str, str]:
        """A new user: (user id, bearer token)."""
        user_id = str(uuid.uuid4())
        return user_id, self.token(user_id)


@dataclass
class Catalog:
    """The bench theatre and screens; shows are added with ``show()``."""

    client: httpx.Client
    admin_token: str
    big_screen: str = ""
    small_screen: str = ""
    movie: str = ""
    shows: list[str] = field(default_factory=list)
    _start: dt.datetime = field(
        default_factory=lambda: (
            dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
        )
    )

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        response = self.client.post(
            f"{API}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=120,
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        created: dict[str, object] = response.json()
        return created

    def create(self) -> Catalog:
        tag = uuid.uuid4().hex[:6]
        self.movie = str(
            self._post(
                "/movies",
                {"title": f"Bench Blockbuster {tag}", "durationMinutes": 150, "language": "EN"},
            )["id"]
        )
        theatre = self._post("/theatres", {"name": f"Bench Arena {tag}", "city": "Benchville"})
        screens = f"/theatres/{theatre['id']}/screens"
        self.big_screen = str(
            self._post(
                screens,
                {"name": "Stadium", "layout": layout(BIG_ROWS, BIG_SEATS_PER_ROW)},
            )["id"]
        )
        self.small_screen = str(
            self._post(
                screens,
                {"name": "Studio", "layout": layout(SMALL_ROWS, SMALL_SEATS_PER_ROW)},
            )["id"]
        )
        return self

    def show(self, *, big: bool) -> str:
        """A new show (a distinct start time each) whose seats are open for booking."""
        self._start += dt.timedelta(hours=4)
        show = self._post(
            "/shows",
            {
                "movieId": self.movie,
                "screenId": self.big_screen if big else self.small_screen,
                "startTime": self._start.isoformat(),
                "currency": "INR",
                "prices": PRICES,
            },
        )
        show_id = str(show["id"])
        self.shows.append(show_id)
        return show_id

    def seat_ids(self, show_id: str) -> list[str]:
        response = self.client.get(f"{API}/seats/shows/{show_id}", timeout=120)
        response.raise_for_status()
        seats = response.json()["seats"]
        if not seats:
            raise RuntimeError(f"show {show_id} has no open seats (inventory did not open it)")
        return [str(seat["id"]) for seat in seats]


@dataclass
class SeatPool:
    """Seats nobody has touched, taken in order from shows this pool opened for itself."""

    catalog: Catalog
    shows: list[str] = field(default_factory=list)
    _free: list[tuple[str, str]] = field(default_factory=list)

    def take(self, count: int) -> tuple[str, list[str]]:
        """``count`` adjacent fresh seats of one show: (show id, seat ids)."""
        if len(self._free) < count:
            show_id = self.catalog.show(big=True)
            self.shows.append(show_id)
            self._free = [(show_id, seat) for seat in self.catalog.seat_ids(show_id)]
        taken, self._free = self._free[:count], self._free[count:]
        return taken[0][0], [seat for _, seat in taken]

    def selections(self, count: int, per_request: int) -> Iterator[tuple[str, list[str]]]:
        for _ in range(count):
            yield self.take(per_request)
