"""The queue in PostgreSQL: one place per user per show however many join at once, admission in
queue order at the rate and under the cap, passes that expire and free their slot, and a queue
that survives the process (it is only rows)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.clock import FakeClock
from tests.integration.waitingroom.conftest import ON_SALE, PASS_TTL, RoomsOfShows
from waitingroom.adapters.unit_of_work import SqlUnitOfWork
from waitingroom.domain.errors import NotInQueue, NoWaitingRoom
from waitingroom.domain.model import QueueState
from waitingroom.service_layer.services import QueueService

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def new_user() -> str:
    return str(uuid.uuid4())


async def test_concurrent_joins_of_one_user_give_one_place(
    queue: QueueService, rooms: RoomsOfShows, queue_db: AsyncEngine
) -> None:
    show = rooms.guard()
    user = new_user()
    places = await asyncio.gather(*(queue.join(show, user) for _ in range(12)))
    assert len({(p.entry.queue_key, p.entry.joined_at) for p in places}) == 1
    async with queue_db.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT count(*) FROM waitingroom.entries WHERE show_id = :s"), {"s": show}
            )
        ).scalar_one()
    assert rows == 1


async def test_joining_again_later_keeps_the_same_place(
    queue: QueueService, rooms: RoomsOfShows, clock: FakeClock
) -> None:
    show = rooms.guard()
    first, second = new_user(), new_user()
    await queue.join(show, first)
    await queue.join(show, second)
    clock.set(ON_SALE + timedelta(seconds=5))
    again = await queue.join(show, second)
    assert again.entry.in_lottery
    assert (await queue.place(show, second)).position == again.position


async def test_admission_order_equals_queue_order_and_respects_rate_and_cap(
    queue: QueueService, rooms: RoomsOfShows, clock: FakeClock, queue_db: AsyncEngine
) -> None:
    show = rooms.guard(rate=60, cap=5)
    early = [new_user() for _ in range(8)]
    for user in early:
        await queue.join(show, user)
    clock.set(ON_SALE + timedelta(seconds=1))
    late = [new_user() for _ in range(3)]
    for user in late:
        await queue.join(show, user)
        clock.advance(milliseconds=10)
    order = await ordered_by_position(queue, show, [*early, *late])
    assert order[-3:] == late, "whoever joined after the on-sale is behind the whole lottery"

    admitted: list[str] = []
    for _ in range(20):  # twenty seconds at 1 per second, but only 5 may hold a pass at once
        await queue.admit_due()
        clock.advance(seconds=1)
    admitted = await admission_order(queue_db, show)
    assert len(admitted) == 5
    assert admitted == order[:5]
    sixth = await queue.place(show, order[5])
    assert (sixth.state, sixth.position, sixth.people_ahead) == (QueueState.WAITING, 1, 0)

    clock.advance(PASS_TTL)  # the five passes run out unused: their slots free up
    for _ in range(3):
        await queue.admit_due()
        clock.advance(seconds=1)
    admitted = await admission_order(queue_db, show)
    assert admitted == order[: len(admitted)]
    assert len(admitted) > 5
    assert (await queue.place(show, order[0])).state is QueueState.PASS_EXPIRED


async def test_nobody_is_admitted_before_the_on_sale(
    queue: QueueService, rooms: RoomsOfShows, queue_db: AsyncEngine
) -> None:
    show = rooms.guard(rate=600)
    await queue.join(show, new_user())
    assert await queue.admit_due() == 0
    assert await admission_order(queue_db, show) == []


async def test_a_pass_lets_its_holder_through_until_it_expires(
    queue: QueueService, rooms: RoomsOfShows, clock: FakeClock
) -> None:
    show = rooms.guard()
    user, other = new_user(), new_user()
    await queue.join(show, user)
    assert not (await queue.check_pass(show, user)).admitted
    clock.set(ON_SALE)
    await queue.admit_due()
    check = await queue.check_pass(show, user)
    assert (check.guarded, check.admitted) == (True, True)
    assert check.expires_at == ON_SALE + PASS_TTL
    assert not (await queue.check_pass(show, other)).admitted
    clock.advance(PASS_TTL)
    assert not (await queue.check_pass(show, user)).admitted


async def test_a_show_without_a_waiting_room_needs_no_pass_and_has_no_queue(
    queue: QueueService,
) -> None:
    show = str(uuid.uuid4())
    check = await queue.check_pass(show, new_user())
    assert (check.guarded, check.admitted) == (False, False)
    with pytest.raises(NoWaitingRoom):
        await queue.join(show, new_user())


async def test_status_of_someone_who_never_joined_says_so(
    queue: QueueService, rooms: RoomsOfShows
) -> None:
    with pytest.raises(NotInQueue):
        await queue.place(rooms.guard(), new_user())


async def ordered_by_position(queue: QueueService, show: str, users: list[str]) -> list[str]:
    places = {user: (await queue.place(show, user)).position for user in users}
    assert sorted(places.values()) == list(range(1, len(users) + 1))
    return sorted(users, key=places.__getitem__)


async def admission_order(engine: AsyncEngine, show: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                """SELECT user_id::text FROM waitingroom.entries
                   WHERE show_id = :s AND admission_no IS NOT NULL ORDER BY admission_no"""
            ),
            {"s": show},
        )
        return [row[0] for row in rows]


async def test_joining_again_once_the_pass_ran_out_queues_at_the_back(
    queue: QueueService, rooms: RoomsOfShows, clock: FakeClock
) -> None:
    show = rooms.guard(rate=60, cap=1)
    first, second = new_user(), new_user()
    clock.set(ON_SALE)
    await queue.join(show, first)
    clock.advance(seconds=1)
    await queue.join(show, second)
    await queue.admit_due()
    assert (await queue.place(show, first)).state is QueueState.ADMITTED
    assert (await queue.join(show, first)).state is QueueState.ADMITTED, "a pass is kept"

    clock.advance(PASS_TTL)
    again = await queue.join(show, first)
    assert (again.state, again.position, again.entry.in_lottery) == (QueueState.WAITING, 2, False)
    assert (await queue.place(show, second)).position == 1


async def test_two_admitters_at_once_never_pass_the_cap_or_break_the_order(
    queue: QueueService, rooms: RoomsOfShows, clock: FakeClock, queue_db: AsyncEngine
) -> None:
    """What two replicas would do if both ran admission (the job runs on one leader; the room's
    row lock is the second guard)."""

    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(queue_db, read_only=read_only)

    other = QueueService(unit_of_work, rooms, clock, pass_ttl=PASS_TTL)
    show = rooms.guard(rate=6000, cap=7)
    users = [new_user() for _ in range(30)]
    for user in users:
        await queue.join(show, user)
    order = await ordered_by_position(queue, show, users)
    clock.set(ON_SALE)
    for _ in range(5):
        await asyncio.gather(queue.admit_due(), other.admit_due(), queue.admit_due())
        clock.advance(seconds=1)
    admitted = await admission_order(queue_db, show)
    assert admitted == order[:7]
