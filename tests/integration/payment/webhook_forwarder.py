"""Stands in for the gateway's POST /api/v1/payments/webhook: forwards the raw body and the
X-Payment-Signature header to payment's HandleWebhook and maps the status as the gateway will
(401 for UNAUTHENTICATED, 400 for INVALID_ARGUMENT, 2xx for processed or duplicate)."""

from __future__ import annotations

import grpc
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ticketing.payment.v1 import payment_pb2, payment_pb2_grpc

WEBHOOK_PATH = "/api/v1/payments/webhook"

_HTTP_STATUS = {
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
}


class WebhookForwarder:
    def __init__(self) -> None:
        self.stub: payment_pb2_grpc.PaymentServiceStub | None = None
        self.fail_next = 0
        self.answers: list[tuple[int, str]] = []

    def connect(self, channel: grpc.aio.Channel) -> None:
        self.stub = payment_pb2_grpc.PaymentServiceStub(channel)

    def app(self) -> Starlette:
        return Starlette(routes=[Route(WEBHOOK_PATH, self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        signature = request.headers.get("x-payment-signature", "")
        if self.fail_next > 0 or self.stub is None:
            self.fail_next = max(0, self.fail_next - 1)
            self.answers.append((503, "injected failure"))
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
        try:
            answer = await self.stub.HandleWebhook(
                payment_pb2.HandleWebhookRequest(payload=body, signature=signature), timeout=10
            )
        except grpc.aio.AioRpcError as exc:
            status = _HTTP_STATUS.get(exc.code(), 503)
            self.answers.append((status, exc.details() or ""))
            return JSONResponse({"error": exc.details()}, status_code=status)
        self.answers.append((200, answer.status))
        return JSONResponse({"status": answer.status, "eventId": answer.event_id})
