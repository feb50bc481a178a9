"""ticketing.payment.v1.PaymentService: decode, run one use case, encode. No business branching."""

from __future__ import annotations

from typing import Any

from payment.domain.values import Requester
from payment.entrypoints import proto_mapping as mapping
from payment.service_layer.payments import Payments
from payment.service_layer.refunds import Refunds
from payment.service_layer.webhooks import Webhooks
from svckit.identity import caller_from_context
from ticketing.payment.v1 import payment_pb2, payment_pb2_grpc


def _requester(context: Any) -> Requester:
    caller = caller_from_context(context)
    return Requester(user_id=caller.user_id, roles=caller.roles)


class PaymentServicer(payment_pb2_grpc.PaymentServiceServicer):
    def __init__(self, *, payments: Payments, refunds: Refunds, webhooks: Webhooks) -> None:
        self._payments = payments
        self._refunds = refunds
        self._webhooks = webhooks

    async def InitiatePayment(
        self, request: payment_pb2.InitiatePaymentRequest, context: Any
    ) -> payment_pb2.InitiatePaymentResponse:
        result = await self._payments.initiate(
            booking_id=request.booking_id,
            user_id=request.user_id,
            requester=_requester(context),
            expected_amount_minor=(
                request.expected_amount_minor if request.HasField("expected_amount_minor") else None
            ),
        )
        return mapping.initiated(result)

    async def HandleWebhook(
        self, request: payment_pb2.HandleWebhookRequest, context: Any
    ) -> payment_pb2.HandleWebhookResponse:
        result = await self._webhooks.handle(request.payload, request.signature)
        return payment_pb2.HandleWebhookResponse(status=result.status, event_id=result.event_id)

    async def SimulatePayment(
        self, request: payment_pb2.SimulatePaymentRequest, context: Any
    ) -> payment_pb2.SimulatePaymentResponse:
        session = await self._payments.simulate(
            session_id=request.session_id,
            outcome=mapping.outcome(request.outcome),
            requester=_requester(context),
        )
        return payment_pb2.SimulatePaymentResponse(
            session_id=session.id, outcome=request.outcome, status=session.status
        )

    async def RefundBooking(
        self, request: payment_pb2.RefundBookingRequest, context: Any
    ) -> payment_pb2.Refund:
        refund = await self._refunds.refund_booking(
            booking_id=request.booking_id,
            user_id=request.user_id,
            reason=request.reason,
            requester=_requester(context),
        )
        return mapping.refund(refund)

    async def QuoteRefund(
        self, request: payment_pb2.QuoteRefundRequest, context: Any
    ) -> payment_pb2.RefundQuote:
        quote = await self._refunds.quote(
            booking_id=request.booking_id,
            user_id=request.user_id,
            requester=_requester(context),
        )
        return mapping.refund_quote(quote)

    async def GetPaymentStatus(
        self, request: payment_pb2.GetPaymentStatusRequest, context: Any
    ) -> payment_pb2.PaymentStatusResponse:
        result = await self._payments.status(
            booking_id=request.booking_id, requester=_requester(context)
        )
        return mapping.overview(result)
