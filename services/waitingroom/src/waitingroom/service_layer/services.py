"""The waiting room's use cases: join, read a place, check a pass, admit the next people.

Joining is idempotent by (show, user): the entry's primary key makes a second join, from another
tab or at the same instant, a no-op that returns the first place. Once a pass has run out,
joining again queues the user at the back, as a new arrival. Admission runs on one replica
at a time (svckit's job runner) and, in any case, under the room's row lock, so two admitters
could not let the same people in twice or exceed the cap together.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from waitingroom.domain import model
from waitingroom.domain.errors import NotInQueue, NoWaitingRoom
from waitingroom.domain.model import Place, QueueState, RoomSettings
from waitingroom.service_layer.ports import Clock, ShowSettings, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PassCheck:
    guarded: bool
    admitted: bool
    expires_at: datetime | None = None


class QueueService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        shows: ShowSettings,
        clock: Clock,
        *,
        pass_ttl: timedelta,
        draw: Callable[[int], int] = secrets.randbelow,
    ) -> None:
        self._uow_factory = uow_factory
        self._shows = shows
        self._clock = clock
        self._pass_ttl = pass_ttl
        self._draw = draw

    async def join(self, show_id: str, user_id: str) -> Place:
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        room = await self._room(show_id)
        async with self._uow_factory() as uow:
            now = self._clock.now()
            await uow.queue.save_room(room)
            await uow.queue.add_entry(model.new_entry(room, user_id, now, self._draw))
            entry = await uow.queue.get_entry(show_id, user_id)
            assert entry is not None, "the entry was just written"
            if entry.state(now) is QueueState.PASS_EXPIRED:
                await uow.queue.requeue(model.new_entry(room, user_id, now, self._draw), now)
                entry = await uow.queue.get_entry(show_id, user_id)
                assert entry is not None
            ahead = await uow.queue.people_ahead(entry)
            await uow.commit()
        return model.place_of(room, entry, ahead, now)

    async def place(self, show_id: str, user_id: str) -> Place:
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        async with self._uow_factory(read_only=True) as uow:
            entry = await uow.queue.get_entry(show_id, user_id)
            room = await uow.queue.get_room(show_id)
            if entry is None or room is None:
                raise NotInQueue(show_id)
            ahead = await uow.queue.people_ahead(entry)
        return model.place_of(room, entry, ahead, self._clock.now())

    async def check_pass(self, show_id: str, user_id: str) -> PassCheck:
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        if await self._shows.room_of(show_id) is None:
            return PassCheck(guarded=False, admitted=False)
        async with self._uow_factory(read_only=True) as uow:
            entry = await uow.queue.get_entry(show_id, user_id)
        if entry is None or not entry.holds_pass(self._clock.now()):
            return PassCheck(guarded=True, admitted=False)
        return PassCheck(guarded=True, admitted=True, expires_at=entry.pass_expires_at)

    async def admit_due(self) -> int:
        """Admit, in every room on sale, as many as its rate and cap allow now."""
        async with self._uow_factory(read_only=True) as uow:
            shows = await uow.queue.rooms_with_waiting(self._clock.now())
        admitted = 0
        for show_id in shows:
            admitted += await self._admit_in(show_id)
        return admitted

    async def _admit_in(self, show_id: str) -> int:
        async with self._uow_factory() as uow:
            locked = await uow.queue.lock_room(show_id)
            if locked is None:
                return 0
            room, credit = locked
            now = self._clock.now()
            plan = model.plan_admission(
                room,
                credit,
                now,
                active=await uow.queue.count_active(show_id, now),
                waiting=await uow.queue.count_waiting(show_id),
            )
            admitted = await uow.queue.admit_next(show_id, plan.admit, now, now + self._pass_ttl)
            await uow.queue.save_credit(show_id, plan.credit)
            await uow.commit()
        return len(admitted)

    async def _room(self, show_id: str) -> RoomSettings:
        room = await self._shows.room_of(show_id)
        if room is None:
            raise NoWaitingRoom(show_id)
        return room
