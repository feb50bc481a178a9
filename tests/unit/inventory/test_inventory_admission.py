"""Seats of a show behind a waiting room: holding (chosen or best seats) and reserving ask the
admission gate first (before any row is locked), releasing does not, and the gate remembers only
what may be remembered — "no waiting room" and "admitted", never a refusal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from inventory.adapters.waitingroom_client import GrpcAdmissionGate
from inventory.domain.errors import AdmissionRequired
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


def seats(gate: ClosedDoor) -> AdmittedSeatService:
    policy = Policy(hold_ttl=timedelta(minutes=5), max_seats_per_hold=10)
    return AdmittedSeatService(no_database, FakeClock(), policy, gate=gate)


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
