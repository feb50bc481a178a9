"""Seats of a show behind a waiting room: holding (chosen or best seats) and reserving ask the
admission gate first (before any row is locked), releasing does not, and the gate remembers only
what may be remembered — "no waiting room" and "admitted", never a refusal. Whether a show is
guarded is its inventory row's answer: an unguarded show never asks the gate, so it does not
notice the waiting room's outage, while a guarded one fails closed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from inventory.adapters.waitingroom_client import GrpcAdmissionGate
from inventory.domain.errors import AdmissionRequired, WaitingRoomUnavailable
from inventory.domain.model import Seat, SeatState, Show, Tier
from inventory.service_layer.admission import AdmittedSeatService
from inventory.service_layer.services import Policy
from svckit.clock import FakeClock
from svckit.proto_values import to_timestamp
from ticketing.waitingroom.v1 import waitingroom_pb2

pytestmark = pytest.mark.unit

SHOW = "6f0f7c4e-0000-4000-8000-000000000001"
USER = "00000000-0000-4000-8000-000000000007"
SEAT = "00000000-0000-4000-8000-00000000a001"


class ClosedDoor:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def require_pass(self, show_id: str, user_id: str) -> None:
        self.asked.append((show_id, user_id))
        raise AdmissionRequired(show_id)


def no_database(*, read_only: bool = False) -> Any:
    raise AssertionError("a refused user must not reach the seat rows")


def seats(gate: Any, rows: Any = None) -> AdmittedSeatService:
    """The seat service over ``rows`` (by default: SHOW's row says a waiting room guards it, and
    no seat row may be reached)."""
    policy = Policy(hold_ttl=timedelta(minutes=5), max_seats_per_hold=10)
    shows = rows if rows is not None else ShowRows(guarded={SHOW: True})
    return AdmittedSeatService(shows.unit_of_work, FakeClock(), policy, gate=gate)


class ShowRows:
    """Inventory's show rows, read-only: the admission gate's question "is the show guarded?"
    may read them; a transaction that would lock seats finds ``no_database``. Counts reads."""

    def __init__(self, guarded: dict[str, bool], *, lockable: bool = False) -> None:
        self.guarded = guarded
        self.lockable = lockable
        self.reads = 0
        self.locks = 0

    def unit_of_work(self, *, read_only: bool = False) -> Any:
        if not read_only and not self.lockable:
            return no_database()
        return _RowsUnitOfWork(self)

    async def get_show(self, show_id: str) -> Show | None:
        self.reads += 1
        await asyncio.sleep(0)
        return self._show(show_id)

    def _show(self, show_id: str) -> Show | None:
        if show_id not in self.guarded:
            return None
        return Show(
            show_id, "EUR", datetime(2099, 1, 1, tzinfo=UTC), 1, guarded=self.guarded[show_id]
        )

    async def lock_seats(self, seat_ids: Any, *, show_id: str, holder_id: Any) -> Any:
        self.locks += 1
        show = self._show(show_id)
        seat = Seat(
            SEAT, show_id, "A", 1, Tier.REGULAR, 1000, SeatState.AVAILABLE, None, None, None
        )
        return show, [seat]

    async def hold(self, *args: Any) -> None:
        return None


class _RowsUnitOfWork:
    retryable = True

    def __init__(self, rows: ShowRows) -> None:
        self.seats = rows

    async def __aenter__(self) -> _RowsUnitOfWork:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def commit(self) -> None:
        return None


async def test_a_hold_without_a_pass_is_refused_before_any_seat_is_locked() -> None:
    gate = ClosedDoor()
    with pytest.raises(AdmissionRequired) as refused:
        await seats(gate).hold_seats(show_id=SHOW, user_id=USER, seat_ids=[SEAT])
    assert gate.asked == [(SHOW, USER)]
    assert f"/api/v1/shows/{SHOW}/queue" in str(refused.value)
    assert refused.value.reason == "ADMISSION_REQUIRED"


async def test_a_reservation_without_a_pass_is_refused() -> None:
    gate = ClosedDoor()
    with pytest.raises(AdmissionRequired):
        await seats(gate).reserve_seats(
            booking_id=SEAT, user_id=USER, show_id=SHOW, seat_ids=[SEAT]
        )


async def test_a_best_available_hold_without_a_pass_is_refused() -> None:
    gate = ClosedDoor()
    with pytest.raises(AdmissionRequired):
        await seats(gate).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)
    assert gate.asked == [(SHOW, USER)]


class Answers:
    """CheckPass as the waiting room would answer, counting the questions."""

    def __init__(self, reply: waitingroom_pb2.CheckPassResponse) -> None:
        self.reply = reply
        self.calls = 0
        self.delay = 0.0

    async def __call__(self, request: Any, **options: Any) -> waitingroom_pb2.CheckPassResponse:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.reply

    def unary_unary(self, path: str, **options: Any) -> Answers:
        """As a channel: every method of the stub built on it is this CheckPass."""
        return self


def gate_answering(reply: waitingroom_pb2.CheckPassResponse) -> tuple[GrpcAdmissionGate, Answers]:
    answers = Answers(reply)
    gate = GrpcAdmissionGate(
        answers,  # type: ignore[arg-type]
        deadline_seconds=1,
        unguarded_ttl_seconds=60,
        admitted_ttl_seconds=5,
    )
    return gate, answers


async def test_an_unguarded_show_is_asked_about_once_not_on_every_hold() -> None:
    gate, answers = gate_answering(waitingroom_pb2.CheckPassResponse(guarded=False))
    for _ in range(100):
        await gate.require_pass(SHOW, USER)
    assert answers.calls == 1


async def test_holds_arriving_together_on_a_new_show_ask_one_question() -> None:
    gate, answers = gate_answering(waitingroom_pb2.CheckPassResponse(guarded=False))
    answers.delay = 0.01
    await asyncio.gather(*(gate.require_pass(SHOW, f"{USER[:-3]}{n:03d}") for n in range(200)))
    assert answers.calls == 1


async def test_on_a_guarded_show_each_user_is_asked_about() -> None:
    gate, answers = gate_answering(waitingroom_pb2.CheckPassResponse(guarded=True))
    answers.delay = 0.01
    refusals = await asyncio.gather(
        *(gate.require_pass(SHOW, f"{USER[:-3]}{n:03d}") for n in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(refusal, AdmissionRequired) for refusal in refusals)
    assert answers.calls == 5


async def test_an_admitted_user_is_remembered_and_a_refused_one_is_not() -> None:
    expires = datetime.now(UTC) + timedelta(minutes=10)
    gate, answers = gate_answering(
        waitingroom_pb2.CheckPassResponse(
            guarded=True, admitted=True, pass_expires_at=to_timestamp(expires)
        )
    )
    await gate.require_pass(SHOW, USER)
    await gate.require_pass(SHOW, USER)
    assert answers.calls == 1

    refused, asked = gate_answering(waitingroom_pb2.CheckPassResponse(guarded=True))
    for _ in range(2):
        with pytest.raises(AdmissionRequired):
            await refused.require_pass(SHOW, USER)
    assert asked.calls == 2


async def test_a_show_the_waiting_room_does_not_know_is_left_to_inventory_to_refuse() -> None:
    class UnknownShows(Answers):
        async def __call__(self, request: Any, **options: Any) -> Any:
            self.calls += 1
            raise _not_found()

    answers = UnknownShows(waitingroom_pb2.CheckPassResponse())
    gate = GrpcAdmissionGate(
        answers,  # type: ignore[arg-type]
        deadline_seconds=1,
        unguarded_ttl_seconds=60,
        admitted_ttl_seconds=5,
    )
    await gate.require_pass(SHOW, USER)  # no pass needed; inventory's lookup says 404
    assert answers.calls == 1


def _not_found() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "show not found"
    )


class WaitingRoomDown:
    """The waiting room service while it cannot be reached."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def require_pass(self, show_id: str, user_id: str) -> None:
        self.asked.append((show_id, user_id))
        raise WaitingRoomUnavailable("UNAVAILABLE")


OTHER_SHOW = "6f0f7c4e-0000-4000-8000-000000000002"


async def test_an_unguarded_show_never_asks_the_waiting_room_even_while_it_is_down() -> None:
    gate, rows = WaitingRoomDown(), ShowRows({SHOW: False}, lockable=True)
    service = seats(gate, rows)
    for _ in range(3):
        holds = await service.hold_seats(show_id=SHOW, user_id=USER, seat_ids=[SEAT])
        assert [seat.id for seat in holds.seats] == [SEAT]
    assert gate.asked == []
    assert rows.reads == 1  # the show's row said "unguarded" once; remembered since


async def test_a_guarded_show_fails_closed_while_the_waiting_room_is_down() -> None:
    gate, rows = WaitingRoomDown(), ShowRows({SHOW: True, OTHER_SHOW: False}, lockable=True)
    service = seats(gate, rows)
    with pytest.raises(WaitingRoomUnavailable):
        await service.hold_seats(show_id=SHOW, user_id=USER, seat_ids=[SEAT])
    with pytest.raises(WaitingRoomUnavailable):
        await service.reserve_seats(booking_id=SEAT, user_id=USER, show_id=SHOW, seat_ids=[SEAT])
    with pytest.raises(WaitingRoomUnavailable):
        await service.hold_best_seats(show_id=SHOW, user_id=USER, count=1, tier=None)
    assert gate.asked == [(SHOW, USER)] * 3
    assert rows.locks == 0
    await service.hold_seats(show_id=OTHER_SHOW, user_id=USER, seat_ids=[SEAT])
    assert len(gate.asked) == 3


async def test_a_guard_is_remembered_for_good_and_no_guard_for_a_while() -> None:
    rows = ShowRows({SHOW: True, OTHER_SHOW: False})
    clock = FakeClock()
    policy = Policy(hold_ttl=timedelta(minutes=5), max_seats_per_hold=10)
    service = AdmittedSeatService(
        rows.unit_of_work, clock, policy, gate=ClosedDoor(), unguarded_ttl=timedelta(seconds=60)
    )
    for _ in range(5):
        assert await service.is_guarded(SHOW)
        assert not await service.is_guarded(OTHER_SHOW)
    assert rows.reads == 2
    rows.guarded[OTHER_SHOW] = True  # opened again by catalog, now with its guard
    clock.advance(seconds=61)
    assert await service.is_guarded(SHOW)
    assert await service.is_guarded(OTHER_SHOW)
    assert rows.reads == 3


async def test_holds_arriving_together_on_a_show_share_one_read_of_its_guard() -> None:
    rows = ShowRows({SHOW: False})
    service = seats(ClosedDoor(), rows)
    answers = await asyncio.gather(*(service.is_guarded(SHOW) for _ in range(50)))
    assert answers == [False] * 50
    assert rows.reads <= 2  # the first read, and one for everyone who arrived while it ran


async def test_a_show_inventory_does_not_have_asks_no_pass_and_is_not_remembered() -> None:
    gate, rows = ClosedDoor(), ShowRows({})
    service = seats(gate, rows)
    assert not await service.is_guarded(SHOW)
    assert not await service.is_guarded(SHOW)
    assert gate.asked == [] and rows.reads == 2
