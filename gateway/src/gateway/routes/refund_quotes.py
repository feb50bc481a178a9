"""``GET /payments/refund-quote/{bookingId}``: what a refund would pay back now, before anyone asks
for it (the payment service applies the policy; nothing changes)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import Field
from starlette.responses import Response

from gateway.auth import Authenticated, acting_user
from gateway.rendering.common import money, timestamp
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.common import ResponseModel, error_responses
from gateway.state import State
from ticketing.payment.v1 import payment_pb2

router = APIRouter(prefix=f"{API_PREFIX}/payments", tags=["payments"])


class RefundQuoteResponse(ResponseModel):
    booking_id: str
    refundable: bool
    percent: int = Field(description="100 or 50 by the policy; 0 when refused.")
    amount: int = Field(description="What would come back, in minor units.")
    paid_amount: int
    currency: str
    reason: str = Field(description="The policy band in words, or why it is refused.")
    show_starts_at: str | None


def render_quote(reply: payment_pb2.RefundQuote) -> dict[str, Any]:
    amount, currency = money(reply, "amount")
    paid, paid_currency = money(reply, "paid")
    return {
        "bookingId": reply.booking_id,
        "refundable": reply.refundable,
        "percent": reply.percent,
        "amount": amount,
        "paidAmount": paid,
        "currency": currency or paid_currency,
        "reason": reply.reason,
        "showStartsAt": timestamp(reply, "show_starts_at"),
    }


@router.get(
    "/refund-quote/{bookingId}",
    response_model=RefundQuoteResponse,
    summary="What a refund of a CONFIRMED booking would pay back now",
    description="The time-based policy applied without refunding: ≥ 24 h before the show 100 %, "
    "2 to 24 h 50 %, later `refundable: false` with the reason.",
    responses=error_responses(400, 401, 403, 404, 409, 503, 504),
)
async def refund_quote(
    gw: State,
    caller: Authenticated,
    booking_id: Annotated[UUID, Path(alias="bookingId")],
    user_id: Annotated[UUID | None, Query(alias="userId")] = None,
) -> Response:
    request = payment_pb2.QuoteRefundRequest(
        booking_id=str(booking_id), user_id=acting_user(caller, user_id)
    )
    reply = await gw.upstreams.call("payment", gw.upstreams.payment.QuoteRefund, request, caller)
    return json_response(render_quote(reply))
