"""Background jobs that run on exactly one replica at a time.

The replica that wins ``pg_try_advisory_lock`` for the job keeps that session lock on one
dedicated (autocommit) connection and runs every tick; the others try again each tick and take
over within one interval if the leader dies (its connection closes, PostgreSQL releases the
lock). Holding the lock between ticks — instead of taking it per run — is what makes "one run
per tick" hold even when the job is quicker than the clock skew between replicas.

How fast another replica takes over:

* the leader process dies (crash, SIGKILL, OOM): its socket closes, PostgreSQL ends the session
  and frees the lock at once, and a follower wins it at its next tick, within one interval;
* the leader's host or network vanishes without closing the socket: the lock's session asks the
  server for TCP keepalives (idle 5 s, then 3 probes 2 s apart) and a 10 s ``tcp_user_timeout``,
  so the server drops the session within about 11 s, and a follower wins at its next tick. The
  old leader finds its session gone at its own next tick and stops running the job.

Name jobs globally (``booking.expiry``): the lock key is derived from the name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.db import advisory_lock_key
from svckit.logging import get_logger
from svckit.metrics import JOB_RUNS

__all__ = ["DailyJob", "JobFn", "PeriodicJob", "ReplicaLeadership"]

JobFn = Callable[[], Awaitable[None]]

log = get_logger(__name__)

# One round trip: the session's keepalive settings (server side; see the module docstring), then
# the lock. The settings stay with the session; on a pooled connection that did not win they
# are harmless.
_TRY_LOCK = text(
    "SELECT set_config('tcp_keepalives_idle', '5', false),"
    " set_config('tcp_keepalives_interval', '2', false),"
    " set_config('tcp_keepalives_count', '3', false),"
    " set_config('tcp_user_timeout', '10000', false),"
    " pg_try_advisory_lock(:key) AS won"
)


class ReplicaLeadership:
    """A session-level advisory lock held on a dedicated connection while this replica leads."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._name = name
        self._key = advisory_lock_key(f"svckit.jobs:{name}")
        self._conn: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return self._conn is not None

    async def acquire(self) -> bool:
        """True when this replica holds the lock (already held and the session alive, or won)."""
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception as exc:
                log.warning("job.leadership_lost", job=self._name, error=repr(exc))
                await self._discard()
        conn = await self._engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            won = (await conn.execute(_TRY_LOCK, {"key": self._key})).one().won
        except BaseException:
            await conn.invalidate()
            await conn.close()
            raise
        if won:
            self._conn = conn
            log.info("job.leader", job=self._name)
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        """Give up the lock so another replica can lead at its next tick."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await conn.close()
        except BaseException:
            # Closing the physical connection releases the lock on the server in any case.
            await conn.invalidate()
            await conn.close()
            raise

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.invalidate()
                await conn.close()
            except Exception as exc:
                log.debug("job.discard_failed", job=self._name, error=repr(exc))


class _ScheduledJob:
    def __init__(self, name: str, fn: JobFn, engine: AsyncEngine) -> None:
        self.name = name
        self._fn = fn
        self._leadership = ReplicaLeadership(engine, name)

    async def run_once(self) -> bool:
        """Run ``fn`` if this replica leads; True if it did. Exceptions of ``fn`` propagate."""
        if not await self._leadership.acquire():
            JOB_RUNS.labels(self.name, "skipped").inc()
            return False
        try:
            await self._fn()
        except Exception:
            JOB_RUNS.labels(self.name, "failed").inc()
            raise
        JOB_RUNS.labels(self.name, "succeeded").inc()
        return True

    async def run_forever(self) -> None:
        """Run on schedule until cancelled; a failing run is logged and the schedule goes on."""
        try:
            while True:
                await asyncio.sleep(self._seconds_until_next_run())
                started = time.monotonic()
                try:
                    await self.run_once()
                except Exception:
                    log.exception("job.failed", job=self.name)
                self._ran(started)
        finally:
            await asyncio.shield(self.close())

    async def close(self) -> None:
        """Release leadership (called when ``run_forever`` stops)."""
        try:
            await self._leadership.release()
        except Exception as exc:
            log.warning("job.release_failed", job=self.name, error=repr(exc))

    def _seconds_until_next_run(self) -> float:
        raise NotImplementedError

    def _ran(self, started: float) -> None:
        """Hook for schedules that count from the previous run."""


class PeriodicJob(_ScheduledJob):
    """Runs ``fn`` every ``interval_seconds`` (start to start), first run immediately."""

    def __init__(self, name: str, interval_seconds: float, fn: JobFn, engine: AsyncEngine) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"job {name}: interval_seconds must be positive")
        super().__init__(name, fn, engine)
        self.interval_seconds = interval_seconds
        self._next_start: float | None = None

    def _seconds_until_next_run(self) -> float:
        if self._next_start is None:
            return 0.0
        return max(0.0, self._next_start - time.monotonic())

    def _ran(self, started: float) -> None:
        self._next_start = started + self.interval_seconds


class DailyJob(_ScheduledJob):
    """Runs ``fn`` every day at ``at`` (``"HH:MM"`` or a ``datetime.time``), UTC."""

    def __init__(
        self,
        name: str,
        at: str | dt.time,
        fn: JobFn,
        engine: AsyncEngine,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(name, fn, engine)
        self.at = at if isinstance(at, dt.time) else _parse_hh_mm(name, at)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._next_at: dt.datetime | None = None

    def next_run_after(self, now: dt.datetime) -> dt.datetime:
        """The first scheduled instant strictly after ``now``."""
        now = now.astimezone(dt.UTC)
        candidate = now.replace(
            hour=self.at.hour, minute=self.at.minute, second=self.at.second, microsecond=0
        )
        if candidate <= now:
            candidate += dt.timedelta(days=1)
        return candidate

    def _seconds_until_next_run(self) -> float:
        now = self._clock()
        if self._next_at is None:
            self._next_at = self.next_run_after(now)
        return max(0.0, (self._next_at - now).total_seconds())

    def _ran(self, started: float) -> None:
        # From the scheduled instant, not the clock: a timer that fired a hair early must not
        # make the same day's run due again.
        now = self._clock()
        self._next_at = self.next_run_after(max(now, self._next_at or now))


def _parse_hh_mm(name: str, at: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in at.split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ValueError(f"job {name}: expected HH:MM, got {at!r}") from None
