"""The queue's rules: where a newcomer stands, how many the room may admit now, what a place
looks like to its holder. Standard library only; time comes in as arguments.

Order. Whoever joins before the on-sale draws a random key below ``LOTTERY_SPAN``; whoever joins
after gets ``LOTTERY_SPAN`` plus the join time in microseconds. Ordering by (key, user id) puts
the whole lottery first, in random order, then everyone else in arrival order — so arriving a
second after the room opens or an hour before it gains the same: nothing.

Rate. The room earns ``admit_per_minute / 60`` admissions per second from the on-sale on, as
credit (a token bucket). Credit is capped at ``BURST_SECONDS`` seconds' worth (at least one
person), so a room that was held back by its cap or had nobody waiting does not let a crowd in
at once later. Each admission spends one credit and needs a free slot: at most ``max_active``
unexpired passes at a time; a pass that runs out frees its slot by itself.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from waitingroom.domain.errors import InvalidRequest

LOTTERY_SPAN = 2**62
BURST_SECONDS = 2.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class QueueState(enum.Enum):
    WAITING = "WAITING"
    ADMITTED = "ADMITTED"
    PASS_EXPIRED = "PASS_EXPIRED"


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """A show's waiting room, as catalog says."""

    show_id: str
    on_sale_at: datetime
    admit_per_minute: int
    max_active: int


@dataclass(frozen=True, slots=True)
class Credit:
    """The room's unspent admissions and when they were last topped up."""

    amount: float
    credited_at: datetime | None


@dataclass(frozen=True, slots=True)
class Entry:
    show_id: str
    user_id: str
    joined_at: datetime
    queue_key: int
    in_lottery: bool
    admitted_at: datetime | None = None
    pass_expires_at: datetime | None = None

    def state(self, now: datetime) -> QueueState:
        if self.pass_expires_at is None:
            return QueueState.WAITING
        return QueueState.ADMITTED if now < self.pass_expires_at else QueueState.PASS_EXPIRED

    def holds_pass(self, now: datetime) -> bool:
        return self.state(now) is QueueState.ADMITTED


@dataclass(frozen=True, slots=True)
class Place:
    """An entry as its holder sees it."""

    entry: Entry
    room: RoomSettings
    state: QueueState
    people_ahead: int
    estimated_wait: timedelta

    @property
    def position(self) -> int:
        return self.people_ahead + 1 if self.state is QueueState.WAITING else 0


def check_id(field: str, value: str) -> str:
    if not _UUID.match(value or ""):
        raise InvalidRequest(field, f"{field} must be a UUID")
    return value.lower()


def new_entry(
    room: RoomSettings, user_id: str, joined_at: datetime, draw: Callable[[int], int]
) -> Entry:
    """``draw(n)`` returns a uniformly random integer in [0, n) (``secrets.randbelow``)."""
    if joined_at < room.on_sale_at:
        return Entry(room.show_id, user_id, joined_at, draw(LOTTERY_SPAN), in_lottery=True)
    micros = (joined_at - _EPOCH) // timedelta(microseconds=1)
    return Entry(room.show_id, user_id, joined_at, LOTTERY_SPAN + micros, in_lottery=False)


def estimated_wait(room: RoomSettings, people_ahead: int, now: datetime) -> timedelta:
    until_sale = max(room.on_sale_at - now, timedelta())
    return until_sale + timedelta(minutes=people_ahead / room.admit_per_minute)


def place_of(room: RoomSettings, entry: Entry, people_ahead: int, now: datetime) -> Place:
    state = entry.state(now)
    ahead = people_ahead if state is QueueState.WAITING else 0
    wait = estimated_wait(room, ahead, now) if state is QueueState.WAITING else timedelta()
    return Place(entry, room, state, ahead, wait)


@dataclass(frozen=True, slots=True)
class AdmissionPlan:
    admit: int
    credit: Credit


def plan_admission(
    room: RoomSettings, credit: Credit, now: datetime, *, active: int, waiting: int
) -> AdmissionPlan:
    """How many of the ``waiting`` to admit at ``now`` with ``active`` passes still running."""
    if now < room.on_sale_at:
        return AdmissionPlan(0, Credit(0.0, None))
    # The first admission is due at the on-sale itself; the rest accrue at the rate.
    start = credit.amount if credit.credited_at is not None else 1.0
    since = max(credit.credited_at or room.on_sale_at, room.on_sale_at)
    per_second = room.admit_per_minute / 60
    earned = start + per_second * max((now - since).total_seconds(), 0.0)
    amount = min(earned, max(1.0, per_second * BURST_SECONDS))
    admit = max(0, min(math.floor(amount), room.max_active - active, waiting))
    return AdmissionPlan(admit, Credit(amount - admit, now))
