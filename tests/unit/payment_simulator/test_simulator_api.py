"""The simulator over HTTP (ASGI, in memory), with its webhooks caught by a mock receiver and
verified by payment's own verification, so the two ends stay compatible."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from payment.domain.provider_events import parse_provider_event
from payment.domain.webhook_signature import verify_signature
from payment_simulator.app import create_app
from payment_simulator.config import Settings

pytestmark = pytest.mark.unit

SECRET = "whsec_unit"
WEBHOOK_URL = "http://merchant.test/api/v1/payments/webhook"


@dataclass
class Receiver:
    """The merchant's webhook endpoint: answers with the queued statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)


@dataclass
class Simulator:
    app: FastAPI
    client: httpx.AsyncClient
    receiver: Receiver

    async def webhooks_settled(self) -> None:
        await self.app.state.webhooks.idle()


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[Simulator]:
    receiver = Receiver()
    settings = Settings(
        webhook_secrets=(SECRET,),
        public_url="http://sim.test",
        webhook_url=WEBHOOK_URL,
        webhook_initial_backoff_seconds=0.001,
        webhook_max_backoff_seconds=0.01,
        webhook_max_attempts=4,
    )
    hook_client = httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle))
    app = create_app(settings, webhook_client=hook_client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as client:
        yield Simulator(app, client, receiver)
    await app.state.webhooks.aclose()
    await hook_client.aclose()


async def create_session(
    simulator: Simulator, key: str | None = None, amount: int = 45_000
) -> dict:  # type: ignore[type-arg]
    response = await simulator.client.post(
        "/v1/checkout/sessions",
        json={
            "booking_id": "b-1",
            "amount": amount,
            "currency": "INR",
            "expires_at": "2030-01-01T12:15:00+00:00",
            "metadata": {"paymentId": "p-1"},
        },
        headers={"Idempotency-Key": key} if key else {},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_creating_a_session_is_idempotent_by_key(simulator: Simulator) -> None:
    first = await create_session(simulator, key="pay-1")
    again = await create_session(simulator, key="pay-1")
    other = await simulator.client.post(
        "/v1/checkout/sessions",
        json={"booking_id": "b-1", "amount": 1, "currency": "INR"},
        headers={"Idempotency-Key": "pay-1"},
    )

    assert first["id"] == again["id"] and first["id"].startswith("sess_")
    assert first["url"] == f"http://sim.test/checkout/{first['id']}"
    assert first["status"] == "open"
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_completing_sends_a_webhook_payment_verifies(simulator: Simulator) -> None:
    session = await create_session(simulator)

    response = await simulator.client.post(
        f"/v1/checkout/sessions/{session['id']}/complete", json={"outcome": "success"}
    )
    await simulator.webhooks_settled()

    assert response.json()["status"] == "paid"
    (request,) = simulator.receiver.requests
    assert str(request.url) == WEBHOOK_URL
    header = request.headers["x-payment-signature"]
    verify_signature(request.content, header, (SECRET,), now=time.time(), tolerance_seconds=300)
    event = parse_provider_event(request.content)
    assert event.id.startswith("evt_") and event.type == "payment.success"
    assert (event.session_id, event.payment_id) == (session["id"], "p-1")
    assert event.data["bookingId"] == "b-1" and event.data["amount"] == 45_000


async def test_deliveries_are_retried_until_a_2xx_with_the_same_event(
    simulator: Simulator,
) -> None:
    simulator.receiver.statuses = [500, 503]
    session = await create_session(simulator)

    await simulator.client.post(
        f"/v1/checkout/sessions/{session['id']}/complete", json={"outcome": "failed"}
    )
    await simulator.webhooks_settled()

    bodies = {request.content for request in simulator.receiver.requests}
    assert len(simulator.receiver.requests) == 3 and len(bodies) == 1
    assert json.loads(bodies.pop())["data"]["failureReason"]
    (delivery,) = simulator.app.state.webhooks.deliveries.values()
    assert delivery.delivered and delivery.statuses == [500, 503, 200]


async def test_delivery_gives_up_after_the_configured_attempts(simulator: Simulator) -> None:
    simulator.receiver.statuses = [500] * 10
    session = await create_session(simulator)

    await simulator.client.post(f"/v1/checkout/sessions/{session['id']}/expire")
    await simulator.webhooks_settled()

    (delivery,) = simulator.app.state.webhooks.deliveries.values()
    assert delivery.gave_up and not delivery.delivered and delivery.attempts == 4


async def test_refunds_are_idempotent_and_announced(simulator: Simulator) -> None:
    session = await create_session(simulator)
    await simulator.client.post(
        f"/v1/checkout/sessions/{session['id']}/complete", json={"outcome": "success"}
    )
    body = {"session_id": session["id"], "amount": 22_500, "metadata": {"refundId": "r-1"}}

    first = await simulator.client.post(
        "/v1/refunds", json=body, headers={"Idempotency-Key": "r-1"}
    )
    again = await simulator.client.post(
        "/v1/refunds", json=body, headers={"Idempotency-Key": "r-1"}
    )
    await simulator.webhooks_settled()

    assert first.status_code == 200 and first.json() == again.json()
    assert first.json()["id"].startswith("re_") and first.json()["status"] == "succeeded"
    refund_hooks = [
        parse_provider_event(request.content)
        for request in simulator.receiver.requests
        if b"refund.succeeded" in request.content
    ]
    assert len(refund_hooks) == 1
    assert refund_hooks[0].refund_id == "r-1"
    assert refund_hooks[0].provider_refund_id == first.json()["id"]
    session_now = (await simulator.client.get(f"/v1/checkout/sessions/{session['id']}")).json()
    assert session_now["amount_refunded"] == 22_500


async def test_errors_have_one_shape(simulator: Simulator) -> None:
    missing = await simulator.client.get("/v1/checkout/sessions/sess_nope")
    invalid = await simulator.client.post("/v1/checkout/sessions", json={"amount": -1})
    session = await create_session(simulator)
    unpaid_refund = await simulator.client.post(
        "/v1/refunds", json={"session_id": session["id"], "amount": 1}
    )

    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert invalid.status_code == 400 and "amount" in invalid.json()["error"]["message"]
    assert unpaid_refund.status_code == 409


async def test_the_checkout_page_offers_pay_and_fail_until_finished(simulator: Simulator) -> None:
    session = await create_session(simulator, amount=45_050)

    page = await simulator.client.get(f"/checkout/{session['id']}")
    paid = await simulator.client.post(f"/checkout/{session['id']}/pay")
    after = await simulator.client.get(f"/checkout/{session['id']}")
    await simulator.webhooks_settled()

    assert page.status_code == 200 and "INR 450.50" in page.text
    assert f"action='/checkout/{session['id']}/pay'" in page.text
    assert f"action='/checkout/{session['id']}/fail'" in page.text
    assert paid.status_code == 200 and "Payment successful" in paid.text
    assert "<button" not in after.text and "paid" in after.text
    assert (await simulator.client.get("/checkout/sess_nope")).status_code == 404
