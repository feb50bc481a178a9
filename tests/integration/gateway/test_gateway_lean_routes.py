"""The lean handlers of the hot writes (gateway.lean) answer exactly as FastAPI's own would.

Two gateways run side by side against the same fakes and database, one with the lean handlers
and one with FastAPI's (``app.state.lean_routes`` false). Every request of a wide table (good,
malformed, oddly encoded, unauthenticated, not allowed, with every kind of Idempotency-Key) goes
to both; the status, the body, the headers a client reads and the gRPC request the upstream got
must be the same.
"""

from __future__ import annotations

import asyncio
import codecs
import itertools
import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi.dependencies.utils import solve_dependencies

from gateway.auth import TokenSettings, issue_token
from svckit.metrics import WRITE_BATCHED_REQUESTS, WRITE_BATCHES
from tests.integration.gateway.conftest import StartGateway, app_of, auth, token
from tests.integration.gateway.fakes import BOOKING, OTHER_USER, SEAT_1, SEAT_2, SHOW, USER, Fakes

pytestmark = pytest.mark.integration

HOLD = "/api/v1/bookings/hold-seats"
BOOK = "/api/v1/bookings"
GOOD = {"showId": SHOW, "showSeatIds": [SEAT_1, SEAT_2]}
HOWS = ("alone", "together", "split")
READ_HEADERS = ("content-type", "www-authenticate", "retry-after", "idempotent-replayed", "allow")

JSON = {"Content-Type": "application/json"}

# (name, body: a JSON value, or bytes sent as they are, headers)
BODIES: list[tuple[str, Any, dict[str, str]]] = [
    ("good", GOOD, {}),
    ("seat ids alias", {"showId": SHOW, "seatIds": [SEAT_1]}, {}),
    ("own user id", {**GOOD, "userId": USER}, {}),
    ("someone else's user id", {**GOOD, "userId": OTHER_USER}, {}),
    ("no show", {"showSeatIds": [SEAT_1]}, {}),
    ("bad show", {**GOOD, "showId": "nope"}, {}),
    ("numeric show", {**GOOD, "showId": 7}, {}),
    ("no seats", {"showId": SHOW, "showSeatIds": []}, {}),
    ("same seat twice", {"showId": SHOW, "showSeatIds": [SEAT_1, SEAT_1]}, {}),
    ("eleven seats", {"showId": SHOW, "showSeatIds": [SEAT_1] * 11}, {}),
    ("seats not a list", {"showId": SHOW, "showSeatIds": SEAT_1}, {}),
    ("bad seat", {"showId": SHOW, "showSeatIds": [SEAT_1, "x"]}, {}),
    ("both spellings", {**GOOD, "seatIds": [SEAT_1]}, {}),
    ("unknown field", {**GOOD, "price": 1}, {}),
    ("snake case", {"show_id": SHOW, "showSeatIds": [SEAT_1]}, {}),
    ("several problems", {"showId": 1, "showSeatIds": [2], "extra": None}, {}),
    ("a list", [GOOD], {}),
    ("a string", "text", {}),
    ("null", None, {}),
    ("a big number", orjson.dumps(GOOD)[:-1] + b', "userId": ' + b"9" * 40 + b"}", JSON),
    ("body key", {**GOOD, "idempotencyKey": "body-key-{n}"}, {}),
    ("empty body key", {**GOOD, "idempotencyKey": ""}, {}),
    ("no body", b"", JSON),
    ("no body, no type", b"", {}),
    ("truncated JSON", b'{"showId": ', JSON),
    ("trailing garbage", orjson.dumps(GOOD) + b"}", JSON),
    ("not UTF-8", b"\xff\xfe{}", JSON),
    ("UTF-16", codecs.BOM_UTF16_LE + orjson.dumps(GOOD).decode().encode("utf-16-le"), JSON),
    ("UTF-8 with BOM", codecs.BOM_UTF8 + orjson.dumps(GOOD), JSON),
    ("NaN", b'{"showId": NaN, "showSeatIds": []}', JSON),
    ("lone surrogate", b'{"showId": "\\ud800", "showSeatIds": []}', JSON),
    ("duplicate keys", b'{"showId": "x", "showId": "' + SHOW.encode() + b'", "seatIds": []}', JSON),
    ("nested too deeply", b"[" * 5000 + b"]" * 5000, JSON),
    ("no content type", orjson.dumps(GOOD), {}),
    ("charset", orjson.dumps(GOOD), {"Content-Type": "application/json; charset=utf-8"}),
    ("upper case type", orjson.dumps(GOOD), {"Content-Type": "APPLICATION/JSON"}),
    ("+json type", orjson.dumps(GOOD), {"Content-Type": "application/vnd.ticketing+json"}),
    ("text type", orjson.dumps(GOOD), {"Content-Type": "text/plain"}),
    ("form type", b"showId=1", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("empty type", orjson.dumps(GOOD), {"Content-Type": ""}),
]

OTHER_SECRET = TokenSettings("another-secret-0123456789abcdef-0123", "ticketing", "ticketing-api")
CALLERS: list[tuple[str, dict[str, str]]] = [
    ("user", auth()),
    ("admin", auth(roles=["admin"])),
    ("anonymous", {}),
    ("basic scheme", {"Authorization": "Basic dXNlcjpwYXNz"}),
    ("bearer without token", {"Authorization": "Bearer "}),
    ("garbage token", {"Authorization": "Bearer not.a.token"}),
    ("expired", {"Authorization": f"Bearer {token(ttl_seconds=-3600)}"}),
    ("wrong secret", {"Authorization": f"Bearer {issue_token(OTHER_SECRET, USER)}"}),
]

KEYS: list[tuple[str, str | None]] = [
    ("no key", None),
    ("key", "header-key-{n}"),
    ("same key as the body", "body-key-{n}"),
    ("empty key", ""),
    ("long key", "k" * 256),
    ("key with a space", "has space"),
]


def _cases() -> list[tuple[str, str, Any, dict[str, str]]]:
    cases: list[tuple[str, str, Any, dict[str, str]]] = []
    for path in (HOLD, BOOK):
        for (body_name, body, headers), (caller_name, caller) in itertools.product(BODIES, CALLERS):
            if caller_name not in ("user", "admin") and body_name not in (
                "good",
                "truncated JSON",
                "unknown field",
                "no body",
            ):
                continue  # who is asking matters only before and after the body's checks
            cases.append(
                (f"{path} {body_name} as {caller_name}", path, body, {**headers, **caller})
            )
        for (key_name, key), (body_name, body, headers) in itertools.product(KEYS, BODIES[:22]):
            if key is None:
                continue
            cases.append(
                (
                    f"{BOOK} {body_name} with {key_name}",
                    BOOK,
                    body,
                    {**headers, **auth(), "Idempotency-Key": key},
                )
            )
    return cases


CASES = _cases()


async def _send(
    client: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str], run: str
) -> httpx.Response:
    headers = {
        name: value.replace("{n}", run) if name == "Idempotency-Key" else value
        for name, value in headers.items()
    }
    if isinstance(body, bytes):
        return await client.post(path, content=body, headers=headers)
    content = orjson.dumps(body).replace(b"{n}", run.encode())
    return await client.post(path, content=content, headers={**JSON, **headers})


def _seen(response: httpx.Response, run: str) -> dict[str, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    text = orjson.dumps(body).decode().replace(run, "{n}")
    return {
        "status": response.status_code,
        "body": orjson.loads(text),
        "headers": {name: response.headers.get(name) for name in READ_HEADERS},
    }


def _upstream_requests(fakes: Fakes, run: str) -> list[tuple[str, str]]:
    calls = [*fakes.inventory.calls, *fakes.booking.calls]
    return [(call.method, str(call.request).replace(run, "{n}")) for call in calls]


async def test_the_lean_handlers_answer_every_request_as_fastapi_would(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    lean = await start_gateway(rate_limit_per_minute=0)
    standard = await start_gateway(rate_limit_per_minute=0)
    app_of(standard).state.lean_routes = False
    assert app_of(lean).state.lean_routes is True
    statuses: set[int] = set()
    mismatches: list[str] = []

    for number, (name, path, body, headers) in enumerate(CASES):
        answers = []
        for client, run in ((lean, f"lean{number}"), (standard, f"standard{number}")):
            upstream.reset()
            response = await _send(client, path, body, headers, run)
            answers.append((_seen(response, run), _upstream_requests(upstream, run)))
        (lean_seen, lean_calls), (standard_seen, standard_calls) = answers
        statuses.add(lean_seen["status"])
        if lean_seen != standard_seen or lean_calls != standard_calls:
            mismatches.append(
                f"{name}:\n  lean     {lean_seen} {lean_calls}"
                f"\n  fastapi  {standard_seen} {standard_calls}"
            )

    assert not mismatches, "\n".join(mismatches)
    # The table reaches every kind of answer the routes give.
    assert {201, 400, 401, 403} <= statuses, statuses


async def test_fastapi_solves_no_dependencies_for_the_lean_routes(
    start_gateway: StartGateway, upstream: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above compares two paths: by default the hot writes skip FastAPI's
    dependency solving (counted here), which the other routes still go through."""
    solved: list[str] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        solved.append(kwargs["request"].url.path)
        return await solve_dependencies(*args, **kwargs)

    monkeypatch.setattr("fastapi.routing.solve_dependencies", counted)
    client = await start_gateway(rate_limit_per_minute=0)

    hold = await client.post(HOLD, json=GOOD, headers=auth())
    book = await client.post(BOOK, json=GOOD, headers={**auth(), "Idempotency-Key": "lean-1"})
    cancel = await client.patch(f"{BOOK}/{BOOKING}/cancel", headers=auth())
    app_of(client).state.lean_routes = False
    standard = await client.post(HOLD, json=GOOD, headers=auth())

    assert hold.status_code == book.status_code == standard.status_code == 201
    assert cancel.status_code == 200
    assert solved == [f"{BOOK}/{BOOKING}/cancel", HOLD]
    assert [call.method for call in upstream.inventory.calls] == ["HoldSeats", "HoldSeats"]
    assert [call.method for call in upstream.booking.calls] == ["CreateBooking", "CancelBooking"]


async def test_lean_answers_are_counted_under_their_route_and_keep_the_request_id(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(rate_limit_per_minute=0)

    held = await client.post(HOLD, json=GOOD, headers={**auth(), "X-Request-ID": "lean-req-1"})
    refused = await client.post(HOLD, json={**GOOD, "showId": "x"}, headers=auth())
    metrics = (await client.get("/metrics")).text

    assert held.status_code == 201 and refused.status_code == 400
    assert held.headers["x-request-id"] == "lean-req-1"
    assert refused.headers["x-request-id"]
    assert upstream.inventory.calls[0].metadata["x-request-id"] == "lean-req-1"
    for status in ("201", "400"):
        assert (
            f'http_requests_total{{method="POST",route="{HOLD}",status="{status}"}}' in metrics
        ), status


async def test_with_cors_the_lean_routes_answer_cross_origin_callers_with_its_headers(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(rate_limit_per_minute=0, cors_allow_origins="http://shop.test")
    origin = {"Origin": "http://shop.test"}

    held = await client.post(HOLD, json=GOOD, headers={**auth(), **origin})
    refused = await client.post(HOLD, json=GOOD, headers=origin)
    booked = await client.post(BOOK, json=GOOD, headers={**auth(), **origin})

    assert (held.status_code, refused.status_code, booked.status_code) == (201, 401, 201)
    for response in (held, refused, booked):
        assert response.headers["access-control-allow-origin"] == "http://shop.test"


async def test_the_rate_limit_checks_of_concurrent_holds_share_script_calls(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(rate_limit_per_minute=120)

    def checked() -> tuple[float, float]:
        calls = sum(WRITE_BATCHES.labels("rate-limits", how)._value.get() for how in HOWS)
        checks = sum(WRITE_BATCHED_REQUESTS.labels("rate-limits", how)._value.get() for how in HOWS)
        return calls, checks

    calls_before, checks_before = checked()
    users = [str(uuid.uuid4()) for _ in range(40)]
    holds = await asyncio.gather(
        *(client.post(HOLD, json=GOOD, headers=auth(user)) for user in users)
    )
    calls, checks = checked()

    assert [hold.status_code for hold in holds] == [201] * 40
    assert checks - checks_before == 40
    assert calls - calls_before < 40
