"""The queue's rules: the lottery before the on-sale, arrival order after it, admission at the
room's rate and never past its cap, passes that run out and free their slot."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from svckit.clock import FakeClock
from waitingroom.domain import model
from waitingroom.domain.errors import InvalidRequest
from waitingroom.domain.model import Credit, Entry, QueueState, RoomSettings

pytestmark = pytest.mark.unit

ON_SALE = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
SHOW = "6f0f7c4e-0000-4000-8000-000000000001"


def room(rate: int = 60, cap: int = 100) -> RoomSettings:
    return RoomSettings(SHOW, ON_SALE, admit_per_minute=rate, max_active=cap)


def user(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def queue_order(entries: list[Entry]) -> list[str]:
    return [e.user_id for e in sorted(entries, key=lambda e: (e.queue_key, e.user_id))]


def test_early_joiners_are_ordered_by_lot_not_by_who_came_first() -> None:
    clock = FakeClock(ON_SALE - timedelta(hours=1))
    draw = random.Random(7).randrange
    entries = []
    for n in range(200):
        entries.append(model.new_entry(room(), user(n), clock.now(), draw))
        clock.advance(seconds=1)
    assert all(e.in_lottery for e in entries)
    order = queue_order(entries)
    assert order != [e.user_id for e in entries]
    # The earliest arrivals are spread over the whole draw, not bunched at its front.
    first_ten = {user(n) for n in range(10)}
    assert sum(1 for u in order[:50] if u in first_ten) < 10


def test_late_joiners_queue_after_the_lottery_in_arrival_order() -> None:
    clock = FakeClock(ON_SALE - timedelta(seconds=1))
    draw = random.Random(1).randrange
    early = model.new_entry(room(), user(1), clock.now(), draw)
    clock.set(ON_SALE)
    late = []
    for n in range(2, 6):
        late.append(model.new_entry(room(), user(n), clock.now(), draw))
        clock.advance(milliseconds=3)
    assert not any(e.in_lottery for e in late)
    assert queue_order([*reversed(late), early]) == [user(1), user(2), user(3), user(4), user(5)]


def test_the_first_person_is_admitted_at_the_on_sale_and_the_rest_at_the_rate() -> None:
    clock = FakeClock(ON_SALE - timedelta(seconds=5))
    credit = Credit(0.0, None)
    plan = model.plan_admission(room(rate=60), credit, clock.now(), active=0, waiting=100)
    assert plan.admit == 0, "nobody before the on-sale"
    clock.set(ON_SALE)
    admitted = 0
    for _ in range(60):  # one minute of ticks, one a second
        plan = model.plan_admission(room(rate=60), credit, clock.now(), active=0, waiting=100)
        admitted += plan.admit
        credit = plan.credit
        clock.advance(seconds=1)
    assert admitted == 60


def test_a_slow_rate_admits_one_person_per_interval() -> None:
    clock = FakeClock(ON_SALE)
    plan = model.plan_admission(room(rate=2), Credit(0.0, None), clock.now(), active=0, waiting=9)
    assert plan.admit == 1
    clock.advance(seconds=29)
    plan = model.plan_admission(room(rate=2), plan.credit, clock.now(), active=1, waiting=8)
    assert plan.admit == 0
    clock.advance(seconds=1)
    plan = model.plan_admission(room(rate=2), plan.credit, clock.now(), active=1, waiting=8)
    assert plan.admit == 1


def test_admission_never_exceeds_the_cap_of_active_passes() -> None:
    clock = FakeClock(ON_SALE + timedelta(seconds=30))
    plan = model.plan_admission(
        room(rate=6000, cap=5), Credit(100.0, ON_SALE), clock.now(), active=3, waiting=50
    )
    assert plan.admit == 2
    plan = model.plan_admission(
        room(rate=6000, cap=5), plan.credit, clock.now(), active=5, waiting=48
    )
    assert plan.admit == 0


def test_credit_held_back_by_the_cap_does_not_become_a_burst() -> None:
    clock = FakeClock(ON_SALE + timedelta(minutes=10))
    plan = model.plan_admission(
        room(rate=60, cap=1000), Credit(0.0, ON_SALE), clock.now(), active=0, waiting=500
    )
    assert plan.admit <= 2, "ten idle minutes at 1/s must not let 600 in at once"


def test_a_pass_runs_for_its_time_then_frees_its_slot() -> None:
    clock = FakeClock(ON_SALE)
    expires = clock.now() + timedelta(minutes=10)
    entry = Entry(SHOW, user(1), ON_SALE, 5, True, admitted_at=clock.now(), pass_expires_at=expires)
    assert entry.holds_pass(clock.now())
    clock.advance(minutes=9, seconds=59)
    assert entry.state(clock.now()) is QueueState.ADMITTED
    clock.advance(seconds=1)
    assert entry.state(clock.now()) is QueueState.PASS_EXPIRED
    assert not entry.holds_pass(clock.now())


def test_the_wait_counts_the_time_to_the_on_sale_and_the_people_ahead_at_the_rate() -> None:
    now = ON_SALE - timedelta(minutes=2)
    entry = Entry(SHOW, user(1), now, 5, True)
    place = model.place_of(room(rate=30), entry, people_ahead=60, now=now)
    assert (place.position, place.people_ahead) == (61, 60)
    assert place.estimated_wait == timedelta(minutes=4)


def test_ids_must_be_uuids() -> None:
    with pytest.raises(InvalidRequest) as refused:
        model.check_id("show_id", "not-a-show")
    assert refused.value.details == {"field": "show_id"}
