"""Seats of a show and the rules for taking them.

A seat is AVAILABLE, HELD (by a user until an instant), RESERVED (for a booking) or SOLD. A hold
whose expiry has passed is AVAILABLE at once for every rule here (lazy expiry): nobody waits for
the cleanup job. The rules run on seat rows the adapters have already locked, so what they see
cannot change before the write that follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inventory.domain.errors import (
    InvalidRequest,
    SeatsNotFound,
    SeatsOfAnotherShow,
    SeatsUnavailable,
    TooManySeats,
)


class SeatState(StrEnum):
    AVAILABLE = "AVAILABLE"
    HELD = "HELD"
    RESERVED = "RESERVED"
    SOLD = "SOLD"


class Tier(StrEnum):
    REGULAR = "REGULAR"
    PREMIUM = "PREMIUM"
    VIP = "VIP"


class SeatView(StrEnum):
    """A seat's status as one viewer sees it."""

    AVAILABLE = "available"
    HELD = "held"
    HELD_BY_ME = "held_by_me"
    BOOKED = "booked"


BOOKED_STATES = frozenset({SeatState.RESERVED, SeatState.SOLD})


@dataclass(frozen=True, slots=True)
class Show:
    show_id: str
    currency: str
    start_time: datetime
    seat_count: int
    # The no-orphan rule (domain/seating.py): off unless the show's admin turns it on.
    no_orphan_seats: bool = False
    # A waiting room guards the show: taking its seats needs the user's admission pass. Set when
    # the show is opened (catalog's waiting room), never changed after.
    guarded: bool = False

    def has_started(self, now: datetime) -> bool:
        return now >= self.start_time


@dataclass(frozen=True, slots=True)
class SeatSpec:
    """One seat to open for a show."""

    row_label: str
    number: int
    tier: Tier
    price_minor: int


@dataclass(frozen=True, slots=True)
class Seat:
    id: str
    show_id: str
    row_label: str
    number: int
    tier: Tier
    price_minor: int
    state: SeatState
    hold_user_id: str | None = None
    hold_expires_at: datetime | None = None
    booking_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.row_label}{self.number}"

    def effective_state(self, now: datetime) -> SeatState:
        if self.state is SeatState.HELD and (
            self.hold_expires_at is None or self.hold_expires_at <= now
        ):
            return SeatState.AVAILABLE
        return self.state

    def can_be_held_by(self, user_id: str, now: datetime) -> bool:
        state = self.effective_state(now)
        return state is SeatState.AVAILABLE or (
            state is SeatState.HELD and self.hold_user_id == user_id
        )

    def is_booked_for(self, booking_id: str) -> bool:
        return self.state in BOOKED_STATES and self.booking_id == booking_id

    def view_for(self, viewer_id: str | None, now: datetime) -> SeatView:
        state = self.effective_state(now)
        if state is SeatState.AVAILABLE:
            return SeatView.AVAILABLE
        if state is SeatState.HELD:
            return SeatView.HELD_BY_ME if self.hold_user_id == viewer_id else SeatView.HELD
        return SeatView.BOOKED


@dataclass(frozen=True, slots=True)
class SeatMapSummary:
    total: int
    available: int
    booked: int
    held: int
    held_by_me: int


def summarize_taken(taken: Iterable[SeatView], total: int) -> SeatMapSummary:
    """The summary of a show of ``total`` seats where only ``taken`` are not available."""
    counts = dict.fromkeys(SeatView, 0)
    for view in taken:
        counts[view] += 1
    mine = counts[SeatView.HELD_BY_ME]
    return SeatMapSummary(
        total=total,
        available=total - counts[SeatView.HELD] - mine - counts[SeatView.BOOKED],
        booked=counts[SeatView.BOOKED],
        held=counts[SeatView.HELD] + mine,
        held_by_me=mine,
    )


def summarize(views: Iterable[SeatView]) -> SeatMapSummary:
    counts = dict.fromkeys(SeatView, 0)
    for view in views:
        counts[view] += 1
    mine = counts[SeatView.HELD_BY_ME]
    return SeatMapSummary(
        total=sum(counts.values()),
        available=counts[SeatView.AVAILABLE],
        booked=counts[SeatView.BOOKED],
        held=counts[SeatView.HELD] + mine,
        held_by_me=mine,
    )


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """Seats to (re)hold for the user, and the user's other holds on the show to let go."""

    hold: list[Seat]
    release: list[Seat]


@dataclass(frozen=True, slots=True)
class ReservationPlan:
    """Seats to mark RESERVED, the user's other holds on the show to let go, and the result."""

    reserve: list[Seat]
    release: list[Seat]
    seats: list[Seat]

    @property
    def changes_nothing(self) -> bool:
        return not self.reserve and not self.release


def unavailable(seats: Sequence[Seat], now: datetime) -> SeatsUnavailable:
    """The refusal naming ``seats``, booked ones first, each group in seat order."""
    ordered = sorted(seats, key=lambda seat: (seat.row_label, seat.number))
    booked = [(s.id, s.label) for s in ordered if s.effective_state(now) in BOOKED_STATES]
    held = [(s.id, s.label) for s in ordered if s.effective_state(now) not in BOOKED_STATES]
    return SeatsUnavailable(held=held, booked=booked)


def plan_hold(
    requested: Sequence[Seat], users_holds: Sequence[Seat], user_id: str, now: datetime
) -> HoldPlan:
    """All or nothing: raise SeatsUnavailable naming every seat someone else has."""
    taken = [seat for seat in requested if not seat.can_be_held_by(user_id, now)]
    if taken:
        raise unavailable(taken, now)
    wanted = {seat.id for seat in requested}
    release = [seat for seat in users_holds if seat.id not in wanted]
    return HoldPlan(hold=list(requested), release=release)


def plan_reservation(
    requested: Sequence[Seat],
    users_holds: Sequence[Seat],
    user_id: str,
    booking_id: str,
    now: datetime,
) -> ReservationPlan:
    """Seats already booked for this booking are fine (a retry); the rest must be free for the
    user: available, held by the user, or held by someone whose hold has expired."""
    taken = [
        seat
        for seat in requested
        if not seat.is_booked_for(booking_id) and not seat.can_be_held_by(user_id, now)
    ]
    if taken:
        raise unavailable(taken, now)
    reserve = [seat for seat in requested if not seat.is_booked_for(booking_id)]
    wanted = {seat.id for seat in requested}
    release = [
        seat for seat in users_holds if seat.id not in wanted and seat.hold_user_id == user_id
    ]
    if not reserve:
        release = []
    return ReservationPlan(reserve=reserve, release=release, seats=list(requested))


def check_id(field: str, value: str) -> str:
    """The id in canonical form; anything but a UUID is a bad argument, not a lookup miss."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidRequest(field, f"{field} must be a UUID, got {value!r}") from None


def check_currency(currency: str) -> str:
    """An ISO 4217 code such as ``INR``."""
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InvalidRequest("currency", f"currency must be an ISO 4217 code, got {currency!r}")
    return code


def check_selection(seat_ids: Sequence[str], maximum: int, *, allow_empty: bool) -> list[str]:
    """Canonical, distinct seat ids, at most ``maximum`` of them."""
    if not seat_ids and not allow_empty:
        raise InvalidRequest("seat_ids", "at least one seat is required")
    ids = [check_id("seat_ids", seat_id) for seat_id in seat_ids]
    if len(set(ids)) != len(ids):
        repeated = sorted({seat_id for seat_id in ids if ids.count(seat_id) > 1})
        raise InvalidRequest("seat_ids", f"seats listed more than once: {', '.join(repeated)}")
    if len(ids) > maximum:
        raise TooManySeats(len(ids), maximum)
    return ids


def check_requested(show_id: str, seat_ids: Sequence[str], found: Sequence[Seat]) -> list[Seat]:
    """The requested seats, in request order, once all exist and belong to ``show_id``."""
    by_id = {seat.id: seat for seat in found}
    missing = [seat_id for seat_id in seat_ids if seat_id not in by_id]
    if missing:
        raise SeatsNotFound(missing)
    foreign = [seat_id for seat_id in seat_ids if by_id[seat_id].show_id != show_id]
    if foreign:
        raise SeatsOfAnotherShow(show_id, foreign)
    return [by_id[seat_id] for seat_id in seat_ids]


def check_layout(seats: Sequence[SeatSpec]) -> None:
    """A show opens with at least one seat, each position once, no negative price."""
    if not seats:
        raise InvalidRequest("seats", "a show needs at least one seat")
    positions: set[tuple[str, int]] = set()
    for seat in seats:
        label = f"{seat.row_label}{seat.number}"
        if not seat.row_label.strip() or seat.number <= 0:
            raise InvalidRequest("seats", f"seat {label!r} needs a row label and a positive number")
        if (seat.row_label, seat.number) in positions:
            raise InvalidRequest("seats", f"seat {label} is listed more than once")
        if seat.price_minor < 0:
            raise InvalidRequest("seats", f"seat {label} has a negative price")
        positions.add((seat.row_label, seat.number))
