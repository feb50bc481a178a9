"""The pushed seat map: seat changes committed by a real inventory reach the streams of two
gateway processes (real HTTP servers, each with its own LISTEN connection), and a reconnect with
Last-Event-ID replays what was missed."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.auth import TokenSettings, issue_token
from gateway.config import MIGRATIONS_DIR, SCHEMA, Config
from inventory.bootstrap import App
from svckit.migrations import migrate
from tests.integration.inventory.helpers import ShowFactory, new_id

pytestmark = pytest.mark.integration

JWT_SECRET = "seat-stream-tests-secret-0123456789"
SETTINGS = TokenSettings(secret=JWT_SECRET, issuer="ticketing", audience="ticketing-api")
DEADLINE = 30.0


def auth(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SETTINGS, user_id, ())}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def gateway(database_url: str, inventory_port: int) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway served over real HTTP (streams need a real server, not an ASGI transport)."""
    app = create_app(
        Config(
            database_url=database_url,
            jwt_secret=JWT_SECRET,
            access_log=False,
            rate_limit_per_minute=0,
            redis_url="none",
            db_pool_size=1,
            inventory_addr=f"127.0.0.1:{inventory_port}",
        )
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(DEADLINE):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
                await asyncio.sleep(0.02)
            await app.state.seat_changes.listening.wait()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=DEADLINE) as c:
            yield c
    finally:
        server.should_exit = True
        await serving


async def frames(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    event: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if not line:
            if "event" in event:
                yield event
            event = {}
        elif line.startswith(("event: ", "id: ")):
            key, value = line.split(": ", 1)
            event[key] = value
        elif line.startswith("data: "):
            event["data"] = json.loads(line.removeprefix("data: "))


async def next_event(events: AsyncIterator[dict[str, Any]], kind: str) -> dict[str, Any]:
    async with asyncio.timeout(DEADLINE):
        async for event in events:
            if event["event"] == kind:
                return event
    raise AssertionError(f"the stream ended before a {kind!r} event")


async def test_a_hold_appears_on_every_gateways_stream_and_a_reconnect_replays_what_was_missed(
    inventory_app: App, shows: ShowFactory, database_url: str
) -> None:
    migrate(database_url, MIGRATIONS_DIR, SCHEMA)
    show = await shows.open(rows=2, per_row=5)
    seat = show.seat("A1")
    holder, watcher = new_id(), new_id()
    path = f"/api/v1/seats/shows/{show.show_id}/events"

    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(gateway(database_url, inventory_app.port))
        two = await stack.enter_async_context(gateway(database_url, inventory_app.port))
        async with one.stream("GET", path) as first, two.stream("GET", path) as second:
            assert first.headers["content-type"].startswith("text/event-stream")
            on_one, on_two = frames(first), frames(second)
            await next_event(on_one, "ready")
            await next_event(on_two, "ready")
            hold = await one.post(
                "/api/v1/bookings/hold-seats",
                json={"showId": show.show_id, "showSeatIds": [seat]},
                headers=auth(holder),
            )
            assert hold.status_code == 201, hold.text
            seen = [await next_event(on_one, "seats"), await next_event(on_two, "seats")]

        assert seen[0] == seen[1]
        held = seen[0]
        assert [
            (s["seatId"], s["row"], s["number"], s["change"], s["status"])
            for s in held["data"]["seats"]
        ] == [(seat, "A", 1, "held", "held")]
        assert held["data"]["seats"][0]["holdExpiresAt"].endswith("Z")

        # While the watcher is away the holder lets go; reconnecting replays it, on either one.
        released = await one.delete(f"/api/v1/bookings/holds/{holder}", headers=auth(holder))
        assert released.status_code == 200, released.text
        # Replayed from the buffer if the release arrived first, else live: the same event.
        for client in (one, two):
            async with client.stream(
                "GET", path, headers={**auth(watcher), "Last-Event-ID": held["id"]}
            ) as again:
                replayed = await next_event(frames(again), "seats")
            assert int(replayed["id"]) > 0 and replayed["id"] != held["id"]
            assert [(s["seatId"], s["change"], s["status"]) for s in replayed["data"]["seats"]] == [
                (seat, "released", "available")
            ]

        async with two.stream("GET", path, headers={"Last-Event-ID": "999999999"}) as stale:
            reload = await next_event(frames(stale), "reload")
        assert "no longer kept" in reload["data"]["reason"]
