"""What an HTTP client of the running system needs: tokens, signed webhooks, the error shape, a
fresh show made through the admin API, and a look into the database behind it."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import psycopg

from tests.support.system import JWT_SECRET, WEBHOOK_SECRET

API = "/api/v1"
ADMIN_ID = "00000000-0000-4000-8000-00000000ad01"
TIERS = ("REGULAR", "PREMIUM", "VIP")
PRICES = {"REGULAR": 20000, "PREMIUM": 35000, "VIP": 50000}


def new_user() -> str:
    return str(uuid.uuid4())


def token(
    user_id: str,
    *roles: str,
    ttl_seconds: int = 3600,
    secret: str = JWT_SECRET,
    **claims: Any,
) -> str:
    """A token as the gateway expects it (HS256, iss, aud, sub, roles, exp), signed with the
    system's secret; ``claims`` override claims, or drop them when None."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": user_id,
        "roles": list(roles),
        "iss": "ticketing",
        "aud": "ticketing-api",
        "iat": now,
        "exp": now + ttl_seconds,
        **claims,
    }
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256"
    )


def auth(user_id: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, *roles)}"}


ADMIN = auth(ADMIN_ID, "admin")


def sign_webhook(body: bytes, *, at: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """``X-Payment-Signature`` as the provider sends it: ``t=<unix>,v1=<hex HMAC-SHA256>``."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is ``status`` with the one error body; returns its ``error`` object."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    assert all(isinstance(v, str) for v in error["details"].values()), error
    if code is not None:
        assert error["code"] == code, error
    return error


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


async def new_show(
    client: httpx.AsyncClient,
    *,
    rows: int = 5,
    seats_per_row: int = 10,
    starts_in: timedelta = timedelta(days=3),
    **show_fields: Any,
) -> dict[str, Any]:
    """A bookable show on a screen of its own (rows A.. cycling REGULAR, PREMIUM, VIP), created
    through the admin API as an operator would (``show_fields`` go into the show's body too)."""
    tag = uuid.uuid4().hex[:8]
    movie = created(
        await client.post(
            f"{API}/movies",
            json={"title": f"E2E {tag}", "durationMinutes": 120, "genres": ["Test"]},
            headers=ADMIN,
        )
    )
    theatre = created(
        await client.post(
            f"{API}/theatres",
            json={"name": f"E2E Theatre {tag}", "city": "Testville"},
            headers=ADMIN,
        )
    )
    layout = {
        "rows": [
            {
                "label": chr(ord("A") + index),
                "seats": [
                    {"number": number, "tier": TIERS[index % len(TIERS)]}
                    for number in range(1, seats_per_row + 1)
                ],
            }
            for index in range(rows)
        ]
    }
    screen = created(
        await client.post(
            f"{API}/theatres/{theatre['id']}/screens",
            json={"name": "Audi 1", "layout": layout},
            headers=ADMIN,
        )
    )
    start = (datetime.now(UTC) + starts_in).replace(microsecond=0)
    show = created(
        await client.post(
            f"{API}/shows",
            json={
                "movieId": movie["id"],
                "screenId": screen["id"],
                "startTime": start.isoformat().replace("+00:00", "Z"),
                "currency": "INR",
                "prices": [{"tier": tier, "amount": amount} for tier, amount in PRICES.items()],
                **show_fields,
            },
            headers=ADMIN,
        )
    )
    assert show["bookable"] and show["capacity"] == rows * seats_per_row, show
    return show


async def seat_map(
    client: httpx.AsyncClient, show_id: str, viewer: str | None = None, *, as_query: bool = False
) -> dict[str, Any]:
    """The seat map as anonymous (no viewer) or as ``viewer`` (token; ``?userId=`` too)."""
    params = {"userId": viewer} if viewer and as_query else None
    headers = auth(viewer) if viewer else None
    return ok(await client.get(f"{API}/seats/shows/{show_id}", params=params, headers=headers))


def statuses(seat_map_body: dict[str, Any]) -> dict[str, str]:
    return {seat["id"]: seat["status"] for seat in seat_map_body["seats"]}


async def seat_ids(client: httpx.AsyncClient, show_id: str) -> list[str]:
    """Every seat of the show in layout order."""
    return [seat["id"] for seat in (await seat_map(client, show_id))["seats"]]


async def book(
    client: httpx.AsyncClient, user: str, show_id: str, seats: list[str]
) -> dict[str, Any]:
    return created(
        await client.post(
            f"{API}/bookings", json={"showId": show_id, "showSeatIds": seats}, headers=auth(user)
        )
    )


async def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of one read in the system's database (what the services wrote, not what they say)."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cursor = await conn.execute(sql, params)  # type: ignore[arg-type]
        return list(await cursor.fetchall())
