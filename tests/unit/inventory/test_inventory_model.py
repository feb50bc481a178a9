"""Seat rules: lazy expiry, what each viewer sees, and all-or-nothing plans."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inventory.domain import model
from inventory.domain.errors import (
    InvalidRequest,
    SeatsNotFound,
    SeatsOfAnotherShow,
    SeatsUnavailable,
    TooManySeats,
)
from inventory.domain.model import Seat, SeatSpec, SeatState, SeatView, Tier

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SHOW = str(uuid.uuid4())
ALICE, BOB = str(uuid.uuid4()), str(uuid.uuid4())


def seat(label: str = "A1", state: SeatState = SeatState.AVAILABLE, **kwargs: object) -> Seat:
    base = Seat(
        id=str(uuid.uuid4()),
        show_id=SHOW,
        row_label=label[0],
        number=int(label[1:]),
        tier=Tier.REGULAR,
        price_minor=20000,
        state=state,
    )
    return replace(base, **kwargs)  # type: ignore[arg-type]


def held(label: str, user: str, expires_in: timedelta = timedelta(minutes=5)) -> Seat:
    return seat(label, SeatState.HELD, hold_user_id=user, hold_expires_at=NOW + expires_in)


def booked(label: str, booking: str, state: SeatState = SeatState.RESERVED) -> Seat:
    return seat(label, state, booking_id=booking)


def test_an_expired_hold_is_available_to_everyone_at_once() -> None:
    expired = held("A1", ALICE, timedelta(seconds=-1))
    assert expired.effective_state(NOW) is SeatState.AVAILABLE
    assert expired.view_for(ALICE, NOW) is SeatView.AVAILABLE
    assert expired.can_be_held_by(BOB, NOW)


def test_each_viewer_sees_their_own_holds() -> None:
    mine = held("A1", ALICE)
    assert mine.view_for(ALICE, NOW) is SeatView.HELD_BY_ME
    assert mine.view_for(BOB, NOW) is SeatView.HELD
    assert mine.view_for(None, NOW) is SeatView.HELD
    assert booked("A2", "b", SeatState.SOLD).view_for(ALICE, NOW) is SeatView.BOOKED


def test_summary_counts_the_viewers_holds_among_all_holds() -> None:
    views = [SeatView.AVAILABLE, SeatView.HELD, SeatView.HELD_BY_ME, SeatView.BOOKED]
    assert model.summarize(views) == model.SeatMapSummary(4, 1, 1, 2, 1)


def test_a_hold_is_refused_as_a_whole_naming_every_taken_seat() -> None:
    taken = [held("A2", BOB), booked("A3", "x")]
    with pytest.raises(SeatsUnavailable) as refused:
        model.plan_hold([seat("A1"), *taken], [], ALICE, NOW)
    assert refused.value.labels == ["A3", "A2"]
    assert str(refused.value) == "seat A3 is already booked; seat A2 is held by another user"


def test_a_new_hold_releases_the_users_other_holds_on_the_show() -> None:
    keep, drop = held("A1", ALICE), held("A2", ALICE)
    plan = model.plan_hold([keep, seat("A3")], [keep, drop], ALICE, NOW)
    assert [s.label for s in plan.hold] == ["A1", "A3"]
    assert plan.release == [drop]


def test_reservation_accepts_own_holds_and_expired_holds_of_others() -> None:
    mine, stale = held("A1", ALICE), held("A2", BOB, timedelta(seconds=-1))
    plan = model.plan_reservation([mine, stale], [mine], ALICE, "booking", NOW)
    assert plan.reserve == [mine, stale]
    with pytest.raises(SeatsUnavailable):
        model.plan_reservation([held("A3", BOB)], [], ALICE, "booking", NOW)


def test_a_repeated_reservation_changes_nothing() -> None:
    seats = [booked("A1", "booking"), booked("A2", "booking")]
    plan = model.plan_reservation(seats, [held("B1", ALICE)], ALICE, "booking", NOW)
    assert plan.changes_nothing
    assert plan.seats == seats
    with pytest.raises(SeatsUnavailable):
        model.plan_reservation(seats, [], ALICE, "another booking", NOW)


def test_selections_are_distinct_uuids_within_the_limit() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    assert model.check_selection([i.upper() for i in ids], 3, allow_empty=False) == ids
    with pytest.raises(TooManySeats):
        model.check_selection(ids, 2, allow_empty=False)
    with pytest.raises(InvalidRequest):
        model.check_selection([ids[0], ids[0]], 3, allow_empty=False)
    with pytest.raises(InvalidRequest):
        model.check_selection(["A1"], 3, allow_empty=False)
    with pytest.raises(InvalidRequest):
        model.check_selection([], 3, allow_empty=False)
    assert model.check_selection([], 3, allow_empty=True) == []


def test_requested_seats_must_exist_and_belong_to_the_show() -> None:
    mine, foreign = seat("A1"), replace(seat("A2"), show_id=str(uuid.uuid4()))
    missing = str(uuid.uuid4())
    assert model.check_requested(SHOW, [mine.id], [mine]) == [mine]
    with pytest.raises(SeatsNotFound):
        model.check_requested(SHOW, [mine.id, missing], [mine])
    with pytest.raises(SeatsOfAnotherShow):
        model.check_requested(SHOW, [mine.id, foreign.id], [mine, foreign])


def test_layouts_need_seats_once_each_and_no_negative_price() -> None:
    a1 = SeatSpec("A", 1, Tier.VIP, 100)
    model.check_layout([a1, SeatSpec("A", 2, Tier.VIP, 0)])
    for bad in ([], [a1, a1], [SeatSpec("A", 3, Tier.VIP, -1)], [SeatSpec("", 1, Tier.VIP, 1)]):
        with pytest.raises(InvalidRequest):
            model.check_layout(bad)
