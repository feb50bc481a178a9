"""Anonymous seat maps answered from the gateway's memory: an ETag and a public second of
caching for CDNs and browsers (304 on a matching If-None-Match), one inventory call per change
rather than per viewer, dropped when PostgreSQL delivers a committed seat change on the real
LISTEN channel or when a write through this gateway answers, and not kept at all while the
LISTEN connection is lost. The clock of the cache is frozen here, so a map only ever changes
because something told the gateway it had."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import psycopg
import pytest

from gateway.seat_changes import CHANNEL
from tests.integration.gateway.conftest import StartGateway, app_of, auth
from tests.integration.gateway.fakes import BOOKING, SEAT_1, SHOW, USER, Fakes, seat_map
from tests.support.wait import eventually
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.integration

MAP = f"/api/v1/seats/shows/{SHOW}"
OTHER_SHOW = "6e0d3f5a-8b52-4d7c-8c2f-1a7e4e3b0d21"


class FrozenClock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def versioned(upstream: Fakes) -> None:
    """Each GetSeatMap answers a new version of the map: seat A1's price is 1,000 x the call."""

    async def answer(request: inventory_pb2.GetSeatMapRequest, _: Any) -> inventory_pb2.SeatMap:
        reply = seat_map(request.viewer_user_id)
        reply.show_id = request.show_id
        reply.seats[0].price_minor = 1000 * len(upstream.inventory.calls_to("GetSeatMap"))
        return reply

    upstream.inventory.on("GetSeatMap", answer)


def version(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    price: int = response.json()["seats"][0]["price"]
    return price // 1000


async def listening(client: httpx.AsyncClient) -> None:
    """The gateway keeps anonymous maps only once its LISTEN connection is established."""
    async with asyncio.timeout(30):
        await app_of(client).state.seat_changes.listening.wait()


async def notify(database_url: str, show_id: str, change_id: int = 1) -> None:
    """What inventory's trigger sends when a seat transaction of the show commits."""
    payload = {
        "id": change_id,
        "show": show_id,
        "seats": [
            {
                "id": SEAT_1,
                "row": "A",
                "number": 1,
                "change": "held",
                "status": "held",
                "holdExpiresAt": "2026-01-31T01:05:00.000Z",
            }
        ],
    }
    await send(database_url, json.dumps(payload))


async def send(database_url: str, payload: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


async def newer_than(client: httpx.AsyncClient, seen: int) -> int:
    now = version(await client.get(MAP))
    assert now > seen, f"still version {now}"
    return now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def gateway(
    start_gateway: StartGateway, upstream: Fakes, clock: FrozenClock
) -> httpx.AsyncClient:
    versioned(upstream)
    client = await start_gateway(clock=clock)
    await listening(client)
    return client


async def test_an_anonymous_map_is_public_for_a_second_and_304_while_it_has_not_changed(
    gateway: httpx.AsyncClient,
) -> None:
    first = await gateway.get(MAP)

    assert version(first) == 1
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=1"
    assert first.headers["vary"] == "Authorization"

    again = await gateway.get(MAP, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=1"

    older = await gateway.get(MAP, headers={"If-None-Match": '"an-older-map"'})
    assert version(older) == 1 and older.headers["etag"] == etag


async def test_a_viewers_own_map_is_private_and_has_no_validator(
    gateway: httpx.AsyncClient, upstream: Fakes
) -> None:
    anonymous = await gateway.get(MAP)
    own = await gateway.get(MAP, headers={**auth(), "If-None-Match": anonymous.headers["etag"]})
    named = await gateway.get(MAP, params={"userId": USER}, headers=auth())

    for response in (own, named):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers
        assert response.json()["summary"]["heldByMe"] == 1
    viewers = [call.request.viewer_user_id for call in upstream.inventory.calls_to("GetSeatMap")]
    assert viewers == ["", USER, USER]


async def test_a_viewer_who_holds_no_seat_of_the_show_is_given_the_kept_map_privately(
    gateway: httpx.AsyncClient, upstream: Fakes
) -> None:
    stranger = "0b6f3c52-9d1e-4c7a-8f2b-3a5d6e7f8a9b"
    anonymous = await gateway.get(MAP)
    theirs = [await gateway.get(MAP, headers=auth(stranger)) for _ in range(3)]

    for response in theirs:
        assert response.status_code == 200
        assert response.content == anonymous.content  # nothing on the map is theirs
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers
    # One anonymous read served them all; the holder of a seat still gets a map of their own.
    assert [call.request.viewer_user_id for call in upstream.inventory.calls_to("GetSeatMap")] == [
        ""
    ]
    own = await gateway.get(MAP, headers=auth())
    assert own.json()["summary"]["heldByMe"] == 1
    assert upstream.inventory.calls_to("GetSeatMap")[-1].request.viewer_user_id == USER


async def test_anonymous_viewers_share_one_inventory_call_until_the_map_changes(
    gateway: httpx.AsyncClient, upstream: Fakes
) -> None:
    together = await asyncio.gather(*(gateway.get(MAP) for _ in range(10)))
    one_by_one = [await gateway.get(MAP) for _ in range(10)]

    assert {version(response) for response in [*together, *one_by_one]} == {1}
    assert len(upstream.inventory.calls_to("GetSeatMap")) == 1
    assert upstream.inventory.calls_to("GetSeatMap")[0].request.viewer_user_id == ""


async def test_a_committed_seat_change_of_the_show_drops_its_map(
    gateway: httpx.AsyncClient, upstream: Fakes, database_url: str
) -> None:
    first = await gateway.get(MAP)
    other = await gateway.get(f"/api/v1/seats/shows/{OTHER_SHOW}")
    assert (version(first), version(other)) == (1, 2)

    await notify(database_url, SHOW)

    async def changed() -> httpx.Response:
        response = await gateway.get(MAP, headers={"If-None-Match": first.headers["etag"]})
        assert response.status_code == 200, "the map of the show is unchanged"
        return response

    after = await eventually(changed)
    assert version(after) == 3
    assert after.headers["etag"] != first.headers["etag"]
    assert version(await gateway.get(f"/api/v1/seats/shows/{OTHER_SHOW}")) == 2
    again = await gateway.get(MAP, headers={"If-None-Match": after.headers["etag"]})
    assert again.status_code == 304
    assert len(upstream.inventory.calls_to("GetSeatMap")) == 3


async def test_a_map_is_read_again_after_its_max_age(
    gateway: httpx.AsyncClient, clock: FrozenClock
) -> None:
    assert version(await gateway.get(MAP)) == 1

    clock.now += 0.99
    assert version(await gateway.get(MAP)) == 1
    clock.now += 0.01
    assert version(await gateway.get(MAP)) == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/bookings/hold-seats", {"showId": SHOW, "showSeatIds": [SEAT_1]}),
        ("DELETE", f"/api/v1/bookings/holds/{USER}?showId={SHOW}", None),
        ("DELETE", f"/api/v1/bookings/holds/{USER}", None),
        ("POST", "/api/v1/bookings", {"showId": SHOW, "showSeatIds": [SEAT_1]}),
        ("PATCH", f"/api/v1/bookings/{BOOKING}/cancel", None),
    ],
)
async def test_a_write_through_this_gateway_is_seen_by_the_next_anonymous_read(
    gateway: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    assert version(await gateway.get(MAP)) == 1
    assert version(await gateway.get(MAP)) == 1

    written = await gateway.request(method, path, json=body, headers=auth())
    assert written.status_code in (200, 201), written.text

    assert version(await gateway.get(MAP)) == 2


async def test_a_write_that_fails_still_drops_the_map_it_may_have_changed(
    gateway: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def lost(request: Any, context: Any) -> Any:
        raise ConnectionError("inventory went away mid-write")

    assert version(await gateway.get(MAP)) == 1
    upstream.inventory.on("HoldSeats", lost)

    written = await gateway.post(
        "/api/v1/bookings/hold-seats",
        json={"showId": SHOW, "showSeatIds": [SEAT_1]},
        headers=auth(),
    )
    assert written.status_code >= 500

    assert version(await gateway.get(MAP)) == 2


async def test_while_the_listen_connection_is_lost_every_read_asks_inventory(
    gateway: httpx.AsyncClient, upstream: Fakes, database_url: str
) -> None:
    assert version(await gateway.get(MAP)) == 1
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        killed = await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query = %s",
            (f"LISTEN {CHANNEL}",),
        )
        assert await killed.fetchall() == [(True,)]

    async def read_through() -> int:
        before = len(upstream.inventory.calls_to("GetSeatMap"))
        await gateway.get(MAP)
        return len(upstream.inventory.calls_to("GetSeatMap")) - before

    assert await eventually(read_through) == 1
    await listening(gateway)  # the hub reconnects on its own
    await gateway.get(MAP)
    calls = len(upstream.inventory.calls_to("GetSeatMap"))
    await gateway.get(MAP)
    assert len(upstream.inventory.calls_to("GetSeatMap")) == calls, "kept again once listening"


async def test_an_unreadable_notification_drops_every_map_and_the_feed_goes_on(
    gateway: httpx.AsyncClient, database_url: str
) -> None:
    assert version(await gateway.get(MAP)) == 1

    await send(database_url, '{"not": "a seat change"}')
    assert await eventually(lambda: newer_than(gateway, 1)) == 2
    await notify(database_url, SHOW)
    assert await eventually(lambda: newer_than(gateway, 2)) == 3


async def test_a_big_anonymous_map_is_gzipped_with_a_validator_of_its_own(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    async def big(request: inventory_pb2.GetSeatMapRequest, _: Any) -> inventory_pb2.SeatMap:
        reply = seat_map(request.viewer_user_id)
        for _ in range(200):
            reply.seats.extend(reply.seats[:3])
        return reply

    upstream.inventory.on("GetSeatMap", big)
    client = await start_gateway(clock=FrozenClock())
    await listening(client)

    zipped = await client.get(MAP, headers={"Accept-Encoding": "gzip"})
    plain = await client.get(MAP, headers={"Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.json() == plain.json() and len(plain.content) > 16 * 1024
    assert zipped.headers["etag"] != plain.headers["etag"]
    for response in (zipped, plain):
        assert response.headers["vary"] == "Authorization, Accept-Encoding"
        assert response.headers["cache-control"] == "public, max-age=1"
    for response, encoding in ((zipped, "gzip"), (plain, "identity")):
        again = await client.get(
            MAP, headers={"Accept-Encoding": encoding, "If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["etag"] == response.headers["etag"]
    assert len(upstream.inventory.calls_to("GetSeatMap")) == 1
