"""The provider's webhook at the gateway, signed here as the provider signs it: a valid event is
processed once however often it arrives; a tampered, stale or wrongly signed one changes nothing.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.api import (
    API,
    assert_error,
    auth,
    book,
    created,
    new_show,
    new_user,
    ok,
    query,
    seat_ids,
    sign_webhook,
)
from tests.support.system import System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e

WEBHOOK = f"{API}/payments/webhook"


async def _pending_payment(api: httpx.AsyncClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A user with a PENDING booking and an open checkout session (never completed by the
    simulator: the only webhooks it will see are the ones this test sends)."""
    show = await new_show(api, rows=1, seats_per_row=4)
    user = new_user()
    booking = await book(api, user, show["id"], (await seat_ids(api, show["id"]))[:2])
    payment = created(
        await api.post(
            f"{API}/payments/initiate", json={"bookingId": booking["id"]}, headers=auth(user)
        )
    )
    return user, booking, payment


def _event(
    payment: dict[str, Any], booking: dict[str, Any], kind: str = "payment.success"
) -> bytes:
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": kind,
            "created": int(time.time()),
            "data": {
                "sessionId": payment["sessionId"],
                "bookingId": booking["id"],
                "amount": payment["amount"],
                "currency": payment["currency"],
            },
        },
        separators=(",", ":"),
    ).encode()


async def _deliver(api: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await api.post(
        WEBHOOK,
        content=body,
        headers={"Content-Type": "application/json", "X-Payment-Signature": signature},
    )


async def _state(api: httpx.AsyncClient, user: str, booking_id: str) -> tuple[str, list[str]]:
    status = ok(await api.get(f"{API}/payments/status/{booking_id}", headers=auth(user)))
    return status["bookingStatus"], [payment["status"] for payment in status["payments"]]


async def _recorded(system: System, event_id: str) -> int:
    rows = await query(
        system.database_url,
        "SELECT count(*) FROM payment.webhook_events WHERE event_id = %s",
        event_id,
    )
    return int(rows[0][0])


async def test_a_valid_webhook_confirms_the_booking_once_however_often_it_arrives(
    api: httpx.AsyncClient, system: System
) -> None:
    user, booking, payment = await _pending_payment(api)
    body = _event(payment, booking)
    event_id = json.loads(body)["id"]
    signature = sign_webhook(body)

    processed = ok(await _deliver(api, body, signature))
    assert processed == {"status": "processed", "eventId": event_id}
    for again in (signature, sign_webhook(body)):  # the provider's retry, as sent or re-signed
        assert ok(await _deliver(api, body, again)) == {"status": "duplicate", "eventId": event_id}

    async def confirmed() -> dict[str, Any]:
        current = ok(await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user)))
        assert current["status"] == "CONFIRMED", current["status"]
        return current

    current = await eventually(confirmed, timeout=30, message="booking not CONFIRMED")
    assert [(h["fromStatus"], h["toStatus"]) for h in current["history"]] == [
        (None, "PENDING"),
        ("PENDING", "CONFIRMED"),
    ]
    assert await _state(api, user, booking["id"]) == ("CONFIRMED", ["SUCCEEDED"])
    assert await _recorded(system, event_id) == 1

    # a later event about the settled session (new id) is recorded but changes nothing
    late_failure = _event(payment, booking, "payment.failed")
    assert ok(await _deliver(api, late_failure, sign_webhook(late_failure)))["status"] == (
        "processed"
    )
    assert await _state(api, user, booking["id"]) == ("CONFIRMED", ["SUCCEEDED"])
    history = ok(await api.get(f"{API}/bookings/{booking['id']}", headers=auth(user)))["history"]
    assert len(history) == 2


@pytest.mark.parametrize(
    "forgery",
    ["tampered body", "stale timestamp", "future timestamp", "wrong secret", "no signature"],
)
async def test_a_forged_or_stale_webhook_is_rejected_and_changes_nothing(
    api: httpx.AsyncClient, system: System, forgery: str
) -> None:
    user, booking, payment = await _pending_payment(api)
    body = _event(payment, booking)
    event_id = json.loads(body)["id"]
    now = int(time.time())
    sent, signature = {
        "tampered body": (body.replace(b'"amount":', b'"amount":1'), sign_webhook(body)),
        "stale timestamp": (body, sign_webhook(body, at=now - 600)),
        "future timestamp": (body, sign_webhook(body, at=now + 600)),
        "wrong secret": (body, sign_webhook(body, secret="whsec_not_the_providers")),
        "no signature": (body, ""),
    }[forgery]

    response = await _deliver(api, sent, signature)

    assert_error(response, 401)
    assert await _recorded(system, event_id) == 0
    assert await _state(api, user, booking["id"]) == ("PENDING", ["PENDING"])
    # the genuine event, delivered afterwards, still counts: nothing was burnt by the forgery
    assert ok(await _deliver(api, body, sign_webhook(body)))["status"] == "processed"
