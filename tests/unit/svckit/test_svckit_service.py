"""A service process starts and stops its parts in one order, whatever the service."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from svckit.service import ServiceProcess

pytestmark = pytest.mark.unit


class Server:
    """Stands in for a grpc.aio server: records when it starts and stops."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def start(self) -> None:
        self.events.append("server started")

    async def stop(self, grace: float) -> None:
        self.events.append(f"server stopped ({grace}s grace)")


class Consumer:
    def __init__(self, name: str, events: list[str]) -> None:
        self.name = name
        self.events = events

    async def start(self) -> None:
        self.events.append(f"{self.name} consuming")

    async def stop(self) -> None:
        self.events.append(f"{self.name} stopped")


def a_process(events: list[str], **kwargs: Any) -> ServiceProcess:
    app = ServiceProcess("probe", Server(events), 7051, **kwargs)  # type: ignore[arg-type]

    async def opened() -> None:
        events.append("pool opened")

    async def relay() -> None:
        try:
            events.append("relay running")
            await asyncio.Event().wait()
        finally:
            events.append("relay cancelled")

    def closer(name: str) -> Any:
        async def close() -> None:
            events.append(f"{name} closed")

        return close

    app.on_start(opened)
    app.add_closer(closer("pool"))
    app.add_closer(closer("broker"))
    app.add_consumer(Consumer("consumer", events))
    app.add_task("probe.relay", relay)
    return app


async def test_parts_start_in_order_and_stop_in_the_documented_order() -> None:
    events: list[str] = []
    app = a_process(events, grace=0.5)
    await app.start()
    await asyncio.sleep(0)
    assert events == ["pool opened", "server started", "consumer consuming", "relay running"]
    events.clear()

    await app.stop()
    await app.stop()  # a second stop is a no-op
    assert events == [
        "server stopped (0.5s grace)",
        "consumer stopped",
        "relay cancelled",
        "broker closed",
        "pool closed",
    ]


async def test_a_failing_start_stops_what_had_started() -> None:
    events: list[str] = []
    app = a_process(events)

    async def broker_down() -> None:
        raise ConnectionError("broker down")

    app.on_start(broker_down)
    with pytest.raises(ConnectionError):
        await app.start()
    assert "server started" not in events
    assert events[-2:] == ["broker closed", "pool closed"]


async def test_a_failing_closer_does_not_keep_the_others_from_running() -> None:
    events: list[str] = []
    app = a_process(events)

    async def fails() -> None:
        raise RuntimeError("already closed")

    app.add_closer(fails)
    await app.start()
    await app.stop(grace=0)
    assert events[-2:] == ["broker closed", "pool closed"]


async def test_a_hanging_stop_step_is_named_in_the_log_and_the_stop_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("svckit.service.STOP_STEP_SECONDS", 0.05)
    events: list[str] = []
    app = a_process(events)
    released, ended = asyncio.Event(), asyncio.Event()

    async def ignores_cancellation() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue
        ended.set()

    async def never_closes() -> None:
        await asyncio.Event().wait()

    app.add_task("probe.stubborn", ignores_cancellation)
    app.add_closer(never_closes)
    await app.start()
    await asyncio.wait_for(app.stop(grace=0), timeout=5)
    released.set()
    await asyncio.wait_for(ended.wait(), timeout=5)

    assert events[-2:] == ["broker closed", "pool closed"]
    logged = capsys.readouterr()
    output = logged.out + logged.err
    assert "task probe.stubborn" in output
    assert "ignores_cancellation" in output  # the stack of the stuck task
    assert "never_closes" in output


async def test_a_crashed_background_task_ends_serve_with_its_error_after_stopping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("svckit.service.tune_gc", lambda: None)  # leave the test process be
    events: list[str] = []
    app = a_process(events)

    async def crashes() -> None:
        raise RuntimeError("relay died")

    async def finishes_quietly() -> None:
        return None

    app.add_task("probe.quiet", finishes_quietly)
    app.add_task("probe.crashing", crashes)
    with pytest.raises(RuntimeError, match="relay died"):
        await app.serve()
    assert events[-3:] == ["relay cancelled", "broker closed", "pool closed"]


def test_task_names_are_unique() -> None:
    app = a_process([])
    with pytest.raises(ValueError, match=r"probe\.relay"):
        app.add_task("probe.relay", asyncio.sleep)  # type: ignore[arg-type]
