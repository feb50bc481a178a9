"""Checkout, provider webhooks, simulation (development), refunds, status."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Request
from starlette.responses import Response

from gateway.auth import Authenticated, acting_user
from gateway.errors import InvalidArgument
from gateway.rendering import payments as render
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import error_responses
from gateway.schemas.payments import (
    InitiatePaymentRequest,
    InitiatePaymentResponse,
    PaymentStatusResponse,
    RefundRequest,
    RefundResponse,
    SimulatePaymentRequest,
    SimulatePaymentResponse,
    WebhookResponse,
)
from gateway.state import IdempotencyKey, State
from svckit.identity import ANONYMOUS
from ticketing.payment.v1 import payment_pb2

router = APIRouter(prefix=f"{API_PREFIX}/payments", tags=["payments"])

BookingId = Annotated[UUID, Path(alias="bookingId")]

_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "description": "The provider's event, verified byte for byte against the signature.",
        "content": {
            "application/json": {
                "schema": {"type": "object"},
                "example": {
                    "id": "evt_123",
                    "type": "payment.success",
                    "created": 1769821200,
                    "data": {
                        "sessionId": "sess_4f1c2b7e9a0d4c3b8e6f5a1b2c3d4e5f",
                        "bookingId": "7f3e9d2c-1b4a-4c5d-8e6f-9a0b1c2d3e4f",
                        "amount": 50000,
                        "currency": "INR",
                    },
                },
            }
        },
    }
}


@router.post(
    "/initiate",
    status_code=201,
    response_model=InitiatePaymentResponse,
    summary="Open a checkout session for a PENDING booking",
    description="Honours `Idempotency-Key`; a second call returns the open session. The seed's "
    "`amount` (what the client expects to pay) must equal the booking's total (else 400 "
    "AMOUNT_MISMATCH); `provider` is informational.",
    responses=error_responses(400, 401, 403, 404, 409, 422, 503, 504),
)
async def initiate_payment(
    request: Request,
    gw: State,
    caller: Authenticated,
    body: InitiatePaymentRequest,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    user_id = acting_user(caller, body.user_id)
    rpc_request = payment_pb2.InitiatePaymentRequest(
        booking_id=str(body.booking_id), user_id=user_id, expected_amount_minor=body.amount
    )

    async def initiate() -> Response:
        reply = await gw.upstreams.call(
            "payment", gw.upstreams.payment.InitiatePayment, rpc_request, caller
        )
        return json_response(render.initiated(reply), 201)

    document = {"bookingId": str(body.booking_id), "userId": user_id, "amount": body.amount}
    return await gw.idempotent(request, caller, idempotency_key, document, initiate)


@router.post(
    "/webhook",
    response_model=WebhookResponse,
    summary="Payment provider callback (signed, no token)",
    description="The raw body and `X-Payment-Signature` (`t=<unix>,v1=<hex>`) go to the payment "
    "service untouched; it verifies the HMAC and processes each event id once.",
    responses=error_responses(400, 401, 503, 504),
    openapi_extra=_WEBHOOK_BODY,
)
async def webhook(
    request: Request,
    gw: State,
    signature: Annotated[str, Header(alias="X-Payment-Signature")] = "",
) -> Response:
    payload = await request.body()
    if not payload:
        raise InvalidArgument("the webhook body is empty", {"body": "empty"})
    rpc_request = payment_pb2.HandleWebhookRequest(payload=payload, signature=signature)
    reply = await gw.upstreams.call(
        "payment", gw.upstreams.payment.HandleWebhook, rpc_request, ANONYMOUS
    )
    return json_response(render.webhook(reply))


@router.post(
    "/simulate/{sessionId}",
    response_model=SimulatePaymentResponse,
    summary="Complete a checkout session with an outcome (development only)",
    responses=error_responses(400, 401, 403, 404, 409, 503, 504),
)
async def simulate_payment(
    gw: State,
    caller: Authenticated,
    body: SimulatePaymentRequest,
    session_id: Annotated[
        str, Path(alias="sessionId", max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")
    ],
) -> Response:
    request = payment_pb2.SimulatePaymentRequest(
        session_id=session_id,
        outcome=payment_pb2.PaymentOutcome.Value(f"PAYMENT_OUTCOME_{body.outcome.upper()}"),
    )
    reply = await gw.upstreams.call(
        "payment", gw.upstreams.payment.SimulatePayment, request, caller
    )
    return json_response(render.simulated(reply))


@router.post(
    "/refund/{bookingId}",
    response_model=RefundResponse,
    summary="Refund a CONFIRMED booking by the time-based policy",
    description="≥ 24 h before the show 100 %, 2 to 24 h 50 %, later refused (400). "
    "Honours `Idempotency-Key`.",
    responses=error_responses(400, 401, 403, 404, 409, 422, 503, 504),
)
async def refund_booking(
    request: Request,
    gw: State,
    caller: Authenticated,
    booking_id: BookingId,
    body: RefundRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    user_id = acting_user(caller, body.user_id if body else None)
    reason = body.reason if body else ""
    rpc_request = payment_pb2.RefundBookingRequest(
        booking_id=str(booking_id), user_id=user_id, reason=reason
    )

    async def refund() -> Response:
        reply = await gw.upstreams.call(
            "payment", gw.upstreams.payment.RefundBooking, rpc_request, caller
        )
        return json_response(render.refund(reply))

    document = {"bookingId": str(booking_id), "userId": user_id, "reason": reason}
    return await gw.idempotent(request, caller, idempotency_key, document, refund)


@router.get(
    "/status/{bookingId}",
    response_model=PaymentStatusResponse,
    summary="A booking's status with its payments and refunds",
    responses=error_responses(400, 401, 403, 404, 503, 504),
)
async def payment_status(gw: State, caller: Authenticated, booking_id: BookingId) -> Response:
    request = payment_pb2.GetPaymentStatusRequest(booking_id=str(booking_id))
    reply = await gw.upstreams.call(
        "payment", gw.upstreams.payment.GetPaymentStatus, request, caller
    )
    return json_response(render.payment_status(reply))
