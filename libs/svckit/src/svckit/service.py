"""The life of a service process: its gRPC server, consumers, background tasks and closers.

A service's ``bootstrap.create_app`` only wires: it builds its adapters, use cases and servicer,
then registers them here. ``ServiceProcess`` starts and stops them in one order, the same for
every service, chosen so that a SIGTERM loses no work::

    start  1. on_start hooks, in order         open pools, connect to the broker
           2. the gRPC server                  RPCs are accepted from here on
           3. consumers                        messages are taken from here on
           4. background tasks                 outbox relays, jobs

    stop   1. health NOT_SERVING, stop the server; in-flight RPCs get ``grace`` seconds
           2. consumers stop taking messages and finish those in hand
           3. background tasks are cancelled   relays after the consumers whose events they carry
           4. closers, in reverse order        channels and clients, broker, pools, engines

``start()``/``stop()`` run a service inside a test; ``serve()`` is the process: it starts,
waits for SIGTERM/SIGINT or for a background task to crash, and stops. A crashed task ends the
process with its error, so the orchestrator restarts it rather than it serving on without,
say, its outbox relay. A failing closer is logged and the others still run. Every stop step has
a deadline (``STOP_STEP_SECONDS`` past the grace): one that hangs is logged by name, with the
stack of each task still running, and the stop goes on, so a stuck closer cannot keep a process
(or a test) from ending.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import grpc

from svckit.grpc_server import report_not_serving
from svckit.logging import get_logger
from svckit.runtime import tune_gc

__all__ = ["Consumer", "ServiceProcess"]

log = get_logger(__name__)

STOP_GRACE_SECONDS = 5.0
STOP_STEP_SECONDS = 10.0


class Consumer(Protocol):
    """A message consumer (``svckit.consumer.IdempotentConsumer``)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking messages and let those in progress finish."""
        ...


class ServiceProcess:
    """One service's running parts, registered by ``create_app``; see the module for the order."""

    def __init__(
        self, name: str, server: grpc.aio.Server, port: int, *, grace: float = STOP_GRACE_SECONDS
    ) -> None:
        self.name = name
        self.server = server
        self.port = port
        self.grace = grace
        self._on_start: list[Callable[[], Awaitable[Any]]] = []
        self._consumers: list[Consumer] = []
        self._loops: dict[str, Callable[[], Awaitable[None]]] = {}
        self._closers: list[Callable[[], Awaitable[Any]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._stopped: asyncio.Future[None] | None = None

    def on_start(self, hook: Callable[[], Awaitable[Any]]) -> None:
        """Await ``hook`` at start, before the server takes calls (``pool.open``, ``connect``)."""
        self._on_start.append(hook)

    def add_consumer(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    def add_task(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Run ``loop()`` from start until stop (it is cancelled); an exception is fatal."""
        if name in self._loops:
            raise ValueError(f"{self.name} already has a background task named {name!r}")
        self._loops[name] = loop

    def add_closer(self, *closers: Callable[[], Awaitable[Any]]) -> None:
        """Await each at stop; closers run in reverse order of registration (the last first)."""
        self._closers.extend(closers)

    @property
    def task_names(self) -> list[str]:
        return list(self._loops)

    async def start(self) -> None:
        """Start everything in order; if a step fails, stop what started and raise."""
        if self._started:
            return
        self._started = True
        try:
            for hook in self._on_start:
                await hook()
            await self.server.start()
            for consumer in self._consumers:
                await consumer.start()
            self._tasks = [
                asyncio.create_task(_run(name, loop), name=name)
                for name, loop in self._loops.items()
            ]
        except BaseException:
            await self.stop()
            raise
        log.info("service.started", service=self.name, port=self.port, tasks=self.task_names)

    async def stop(self, grace: float | None = None) -> None:
        """Stop in order; a second call waits for the first to finish."""
        if self._stopped is not None:
            await asyncio.shield(self._stopped)
            return
        self._stopped = asyncio.get_running_loop().create_future()
        try:
            grace = self.grace if grace is None else grace
            log.info("service.stopping", service=self.name, grace=grace)
            await _bounded("server", lambda: self._stop_server(grace), grace + STOP_STEP_SECONDS)
            for consumer in self._consumers:
                await _bounded(f"consumer {consumer.name}", consumer.stop)
            await self._cancel_tasks()
            for close in reversed(self._closers):
                await _bounded(f"closer {_name_of(close)}", close)
            log.info("service.stopped", service=self.name)
        finally:
            self._stopped.set_result(None)

    async def _stop_server(self, grace: float) -> None:
        await report_not_serving(self.server)
        await self.server.stop(grace)

    async def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=STOP_STEP_SECONDS)
        for task in pending:
            log.error(
                "service.stop_step_timed_out",
                step=f"task {task.get_name()}",
                seconds=STOP_STEP_SECONDS,
                stack=_awaiting(task),
            )

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT or a crashed background task, then stop (the process)."""
        loop = asyncio.get_running_loop()
        signalled = asyncio.Event()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, signalled.set)
                installed.append(sig)
        crashed: BaseException | None = None
        try:
            await self.start()
            tune_gc()
            crashed = await self._wait_for_signal_or_crash(signalled)
        finally:
            await self.stop()
            for sig in installed:
                loop.remove_signal_handler(sig)
        if crashed is not None:
            raise crashed

    async def _wait_for_signal_or_crash(self, signalled: asyncio.Event) -> BaseException | None:
        """A task that returns is simply done; the first that raises ends serving."""
        waiter = asyncio.create_task(signalled.wait(), name="svckit.stop-signal")
        pending: set[asyncio.Task[Any]] = {waiter, *self._tasks}
        try:
            while waiter in pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task is not waiter and not task.cancelled() and task.exception():
                        return task.exception()
            return None
        finally:
            waiter.cancel()


async def _run(name: str, loop: Callable[[], Awaitable[None]]) -> None:
    try:
        await loop()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("background.crashed", task=name)
        raise


async def _bounded(
    what: str, step: Callable[[], Awaitable[Any]], seconds: float | None = None
) -> None:
    """Await one stop step; a failure or a hang past ``seconds`` is logged, and the stop goes on."""
    seconds = STOP_STEP_SECONDS if seconds is None else seconds
    try:
        await asyncio.wait_for(step(), seconds)
    except TimeoutError:
        log.error("service.stop_step_timed_out", step=what, seconds=seconds)
    except Exception as exc:
        log.warning("service.stop_step_failed", step=what, error=repr(exc))


def _awaiting(task: asyncio.Task[Any]) -> str:
    """Where a suspended task waits: its chain of awaited coroutines, outermost first."""
    lines: list[str] = []
    awaitable: Any = task.get_coro()
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            lines.append(f"  awaiting {awaitable!r}\n")
            break
        lines.extend(traceback.format_stack(frame, 1))
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return "".join(lines)


def _name_of(step: Callable[..., Any]) -> str:
    owner = getattr(step, "__self__", None)
    name = getattr(step, "__qualname__", None) or repr(step)
    return f"{type(owner).__name__}.{name.rsplit('.', 1)[-1]}" if owner is not None else name
