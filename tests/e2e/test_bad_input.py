"""Whatever a client sends to a write route, the answer is a 4xx with the one error body, never a
5xx: the gateway's shape checks (400 naming the field) and the services' rules (400/404/409)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.api import (
    ADMIN,
    API,
    assert_error,
    auth,
    book,
    new_show,
    new_user,
    seat_ids,
    sign_webhook,
)
from tests.support.system import System

pytestmark = pytest.mark.e2e

UNKNOWN = "0f0e0d0c-0b0a-4908-8706-050403020100"
ELEVEN = [f"00000000-0000-4000-8000-{n:012d}" for n in range(11)]


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: Any = None
    """JSON (placeholders like ``{show}`` filled in), raw ``bytes``, or None for no body."""
    status: int = 400
    code: str | None = "INVALID_ARGUMENT"
    field: str | None = None
    """A key the error's details must name (validation errors name the offending field)."""
    as_admin: bool = False
    as_owner: bool = False
    headers: tuple[tuple[str, str], ...] = ()


HOLD = f"{API}/bookings/hold-seats"
BOOK = f"{API}/bookings"
SHOWS = f"{API}/shows"
SCREENS = f"{API}/theatres/{{theatre}}/screens"
SEATS = {"showId": "{show}", "showSeatIds": ["{seat}"]}
A_PRICE_EACH = [
    {"tier": "REGULAR", "amount": 100},
    {"tier": "PREMIUM", "amount": 200},
    {"tier": "VIP", "amount": 300},
]
SHOW = {
    "movieId": "{movie}",
    "screenId": "{screen}",
    "startTime": "2031-06-01T10:00:00Z",
    "currency": "INR",
    "prices": A_PRICE_EACH,
}
ONE_ROW = {"rows": [{"label": "A", "seats": [{"number": 1, "tier": "VIP"}]}]}

CASES: dict[str, Case] = {
    # --- POST /bookings/hold-seats --------------------------------------------------------
    "hold: malformed JSON": Case("POST", HOLD, b'{"showId": "{show}", ', field="body"),
    "hold: body is an array": Case("POST", HOLD, b"[]", field="body"),
    "hold: no body": Case("POST", HOLD, b"", field="body"),
    "hold: bad show uuid": Case("POST", HOLD, {**SEATS, "showId": "show-1"}, field="body.showId"),
    "hold: show id a number": Case("POST", HOLD, {**SEATS, "showId": 7}, field="body.showId"),
    "hold: bad seat uuid": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": ["A1"]}, field="body.showSeatIds[0]"
    ),
    "hold: seats not a list": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": "{seat}"}, field="body.showSeatIds"
    ),
    "hold: empty seat list": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": []}, field="body.showSeatIds"
    ),
    "hold: eleven seats": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": ELEVEN}, field="body.showSeatIds"
    ),
    "hold: the same seat twice": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": ["{seat}", "{seat}"]}, field="body.showSeatIds"
    ),
    "hold: unknown field": Case("POST", HOLD, {**SEATS, "price": 1}, field="body.price"),
    "hold: userId not a uuid": Case("POST", HOLD, {**SEATS, "userId": 42}, field="body.userId"),
    "hold: unknown seat": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": [UNKNOWN]}, 404, "SEATS_NOT_FOUND"
    ),
    "hold: a seat of another show": Case(
        "POST", HOLD, {**SEATS, "showSeatIds": ["{other_seat}"]}, 400, "SEATS_OF_ANOTHER_SHOW"
    ),
    # --- DELETE /bookings/holds/:userId ---------------------------------------------------
    "release: bad user uuid": Case("DELETE", f"{API}/bookings/holds/me", field="path.userId"),
    "release: bad show filter": Case(
        "DELETE", f"{API}/bookings/holds/{{owner}}?showId=x", field="query.showId", as_owner=True
    ),
    # --- POST /bookings -------------------------------------------------------------------
    "book: malformed JSON": Case("POST", BOOK, b"{'showId': 1}", field="body"),
    "book: JSON nested too deep": Case("POST", BOOK, b"[" * 5000 + b"]" * 5000),
    "book: not UTF-8": Case("POST", BOOK, b"\xff\xfe\x00"),
    "book: body is a string": Case("POST", BOOK, b'"book me"', field="body"),
    "book: no body": Case("POST", BOOK, None, field="body"),
    "book: missing show": Case("POST", BOOK, {"showSeatIds": ["{seat}"]}, field="body.showId"),
    "book: bad show uuid": Case("POST", BOOK, {**SEATS, "showId": "1234"}, field="body.showId"),
    "book: seat id an object": Case(
        "POST", BOOK, {**SEATS, "showSeatIds": [{"id": "{seat}"}]}, field="body.showSeatIds[0]"
    ),
    "book: empty seat list": Case(
        "POST", BOOK, {**SEATS, "showSeatIds": []}, field="body.showSeatIds"
    ),
    "book: empty alias list": Case(
        "POST", BOOK, {"showId": "{show}", "seatIds": []}, field="body.seatIds"
    ),
    "book: eleven seats": Case(
        "POST", BOOK, {**SEATS, "showSeatIds": ELEVEN}, field="body.showSeatIds"
    ),
    "book: both seat fields": Case("POST", BOOK, {**SEATS, "seatIds": ["{seat}"]}),
    "book: unknown field": Case(
        "POST", BOOK, {**SEATS, "totalAmount": 1}, field="body.totalAmount"
    ),
    "book: body over 1 MiB": Case(
        "POST", BOOK, b'{"showId": "' + b"a" * (1024 * 1024 + 1) + b'"}', 413, "PAYLOAD_TOO_LARGE"
    ),
    "book: bad Idempotency-Key": Case(
        "POST", BOOK, SEATS, field="header.Idempotency-Key", headers=(("Idempotency-Key", "a b"),)
    ),
    "book: unknown show": Case("POST", BOOK, {**SEATS, "showId": UNKNOWN}, 404, "SHOW_NOT_FOUND"),
    "book: unknown seat": Case(
        "POST", BOOK, {**SEATS, "showSeatIds": [UNKNOWN]}, 404, "SEATS_NOT_FOUND"
    ),
    "book: a seat of another show": Case(
        "POST", BOOK, {**SEATS, "showSeatIds": ["{other_seat}"]}, 400, "SEATS_OF_ANOTHER_SHOW"
    ),
    # --- PATCH /bookings/:id/cancel -------------------------------------------------------
    "cancel: bad booking uuid": Case(
        "PATCH", f"{API}/bookings/b-1/cancel", None, field="path.bookingId"
    ),
    "cancel: reason a number": Case(
        "PATCH", f"{API}/bookings/{{booking}}/cancel", {"reason": 5}, field="body.reason"
    ),
    "cancel: NUL in the reason": Case(
        "PATCH", f"{API}/bookings/{{booking}}/cancel", {"reason": "a\x00b"}, field="body.reason"
    ),
    "cancel: unknown field": Case(
        "PATCH", f"{API}/bookings/{{booking}}/cancel", {"why": "x"}, field="body.why"
    ),
    "cancel: unknown booking": Case(
        "PATCH", f"{API}/bookings/{UNKNOWN}/cancel", None, 404, "BOOKING_NOT_FOUND"
    ),
    # --- POST /payments/initiate ----------------------------------------------------------
    "initiate: empty object": Case("POST", f"{API}/payments/initiate", {}, field="body.bookingId"),
    "initiate: bad booking uuid": Case(
        "POST", f"{API}/payments/initiate", {"bookingId": "b-1"}, field="body.bookingId"
    ),
    "initiate: unknown field": Case(
        "POST",
        f"{API}/payments/initiate",
        {"bookingId": "{booking}", "price": 1},
        field="body.price",
    ),
    "initiate: amount as text": Case(
        "POST",
        f"{API}/payments/initiate",
        {"bookingId": "{booking}", "amount": "1"},
        field="body.amount",
    ),
    "initiate: unknown booking": Case(
        "POST", f"{API}/payments/initiate", {"bookingId": UNKNOWN}, 404, "BOOKING_NOT_FOUND"
    ),
    # --- POST /payments/refund/:bookingId -------------------------------------------------
    "refund: bad booking uuid": Case(
        "POST", f"{API}/payments/refund/x", None, field="path.bookingId"
    ),
    "refund: reason too long": Case(
        "POST", f"{API}/payments/refund/{{booking}}", {"reason": "x" * 501}, field="body.reason"
    ),
    "refund: reason a list": Case(
        "POST", f"{API}/payments/refund/{{booking}}", {"reason": []}, field="body.reason"
    ),
    "refund: unknown booking": Case(
        "POST", f"{API}/payments/refund/{UNKNOWN}", None, 404, "BOOKING_NOT_FOUND"
    ),
    "refund: an unpaid booking": Case(
        "POST", f"{API}/payments/refund/{{booking}}", None, 409, None, as_owner=True
    ),
    # --- POST /payments/simulate/:sessionId -----------------------------------------------
    "simulate: unknown outcome": Case(
        "POST", f"{API}/payments/simulate/sess_x", {"outcome": "maybe"}, field="body.outcome"
    ),
    "simulate: no outcome": Case(
        "POST", f"{API}/payments/simulate/sess_x", {}, field="body.outcome"
    ),
    "simulate: bad session id": Case(
        "POST", f"{API}/payments/simulate/sess%20x", {"outcome": "success"}, field="path.sessionId"
    ),
    "simulate: unknown session": Case(
        "POST", f"{API}/payments/simulate/sess_nope", {"outcome": "success"}, 404, None
    ),
    # --- POST /payments/webhook (signature first, then the body) --------------------------
    "webhook: empty body": Case("POST", f"{API}/payments/webhook", b"", field="body"),
    "webhook: malformed signature": Case(
        "POST",
        f"{API}/payments/webhook",
        b'{"id": "evt_1"}',
        code="MALFORMED_SIGNATURE",
        headers=(("X-Payment-Signature", "v1"),),
    ),
    "webhook: signed but not JSON": Case(
        "POST", f"{API}/payments/webhook", b"{not json", code="INVALID_WEBHOOK_PAYLOAD"
    ),
    "webhook: signed but no event id": Case(
        "POST", f"{API}/payments/webhook", b'{"type": "payment.success"}', code=None
    ),
    # --- catalog writes (admin) -----------------------------------------------------------
    "movie: duration a string": Case(
        "POST",
        f"{API}/movies",
        {"title": "X", "durationMinutes": "90"},
        field="body.durationMinutes",
        as_admin=True,
    ),
    "movie: duration a float": Case(
        "POST",
        f"{API}/movies",
        {"title": "X", "durationMinutes": 90.5},
        field="body.durationMinutes",
        as_admin=True,
    ),
    "movie: empty title": Case(
        "POST", f"{API}/movies", {"title": "", "durationMinutes": 90}, as_admin=True
    ),
    "movie: bad release date": Case(
        "POST",
        f"{API}/movies",
        {"title": "X", "durationMinutes": 90, "releaseDate": "soon"},
        field="body.releaseDate",
        as_admin=True,
    ),
    "theatre: no city": Case(
        "POST", f"{API}/theatres", {"name": "X"}, field="body.city", as_admin=True
    ),
    "theatre: unknown field": Case(
        "POST", f"{API}/theatres", {"name": "X", "city": "Y", "seats": 3}, as_admin=True
    ),
    "screen: bad theatre uuid": Case(
        "POST", f"{API}/theatres/t-1/screens", {"name": "S", "layout": ONE_ROW}, as_admin=True
    ),
    "screen: unknown tier": Case(
        "POST",
        SCREENS,
        {
            "name": "S",
            "layout": {"rows": [{"label": "A", "seats": [{"number": 1, "tier": "GOLD"}]}]},
        },
        field="body.layout.rows[0].seats[0].tier",
        as_admin=True,
    ),
    "screen: no rows": Case(
        "POST",
        SCREENS,
        {"name": "S", "layout": {"rows": []}},
        field="body.layout.rows",
        as_admin=True,
    ),
    "screen: a seat twice": Case(
        "POST",
        SCREENS,
        {
            "name": "S",
            "layout": {
                "rows": [{"label": "A", "seats": [{"number": 1, "tier": "VIP"}] * 2}],
            },
        },
        as_admin=True,
    ),
    "screen: unknown theatre": Case(
        "POST",
        f"{API}/theatres/{UNKNOWN}/screens",
        {"name": "S", "layout": ONE_ROW},
        404,
        "THEATRE_NOT_FOUND",
        as_admin=True,
    ),
    "show: no time zone": Case(
        "POST",
        SHOWS,
        {**SHOW, "startTime": "2031-06-01T10:00:00"},
        field="body.startTime",
        as_admin=True,
    ),
    "show: negative price": Case(
        "POST",
        SHOWS,
        {**SHOW, "prices": [{"tier": "VIP", "amount": -1}]},
        field="body.prices[0].amount",
        as_admin=True,
    ),
    "show: fractional price": Case(
        "POST",
        SHOWS,
        {**SHOW, "prices": [{"tier": "VIP", "amount": 99.5}]},
        field="body.prices[0].amount",
        as_admin=True,
    ),
    "show: price as a string": Case(
        "POST",
        SHOWS,
        {**SHOW, "prices": [{"tier": "VIP", "amount": "100"}]},
        field="body.prices[0].amount",
        as_admin=True,
    ),
    "show: lowercase currency": Case(
        "POST", SHOWS, {**SHOW, "currency": "inr"}, field="body.currency", as_admin=True
    ),
    "show: a tier without a price": Case(
        "POST", SHOWS, {**SHOW, "prices": A_PRICE_EACH[2:]}, as_admin=True
    ),
    "show: in the past": Case(
        "POST", SHOWS, {**SHOW, "startTime": "2001-01-01T10:00:00Z"}, as_admin=True
    ),
    "show: year 9999": Case(
        "POST", SHOWS, {**SHOW, "startTime": "9999-12-31T23:59:59Z"}, code=None, as_admin=True
    ),
    "show: unknown movie": Case(
        "POST", SHOWS, {**SHOW, "movieId": UNKNOWN}, 404, "MOVIE_NOT_FOUND", as_admin=True
    ),
    "show: overlapping another": Case(
        "POST", SHOWS, {**SHOW, "startTime": "{show_start}"}, 409, "SHOW_OVERLAPS", as_admin=True
    ),
}


@pytest.fixture(scope="module")
async def target(system: System) -> dict[str, str]:
    """Real ids for the placeholders: a show with a seat, a seat of another show, and a PENDING
    booking of ``owner``."""
    async with httpx.AsyncClient(base_url=system.base_url, timeout=60) as client:
        show, other = await new_show(client, rows=1), await new_show(client, rows=1)
        seats = await seat_ids(client, show["id"])
        owner = new_user()
        booking = await book(client, owner, show["id"], seats[-1:])
        return {
            "show": show["id"],
            "seat": seats[0],
            "other_seat": (await seat_ids(client, other["id"]))[0],
            "owner": owner,
            "booking": booking["id"],
            "movie": show["movieId"],
            "screen": show["screenId"],
            "theatre": show["theatreId"],
            "show_start": show["startTime"],
        }


def _fill(value: Any, target: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, actual in target.items():
            value = value.replace(f"{{{name}}}", actual)
        return value
    if isinstance(value, bytes):
        return _fill(value.decode("latin-1"), target).encode("latin-1")
    if isinstance(value, list):
        return [_fill(item, target) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, target) for key, item in value.items()}
    return value


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_bad_input_is_a_4xx_with_the_error_body(
    api: httpx.AsyncClient, target: dict[str, str], case: Case
) -> None:
    body = _fill(case.body, target)
    content = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **dict(case.headers)}
    if case.as_admin:
        headers.update(ADMIN)
    else:
        headers.update(auth(target["owner"] if case.as_owner else new_user()))
    if case.path.endswith("/webhook") and content and not case.headers:
        headers["X-Payment-Signature"] = sign_webhook(content)

    response = await api.request(
        case.method, _fill(case.path, target), content=content, headers=headers
    )

    error = assert_error(response, case.status, case.code)
    if case.field is not None:
        assert case.field in error["details"], error


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2031-02-30"])
async def test_extreme_dates_in_the_show_filter_are_answered_not_500(
    api: httpx.AsyncClient, day: str
) -> None:
    response = await api.get(f"{API}/shows", params={"date": day})
    if day == "2031-02-30":
        assert_error(response, 400, "INVALID_ARGUMENT")
    else:
        assert response.status_code == 200, response.text
        assert response.json()["shows"] == []
