"""Payments, provider webhooks and refunds."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AliasChoices, ConfigDict, Field, field_validator

from gateway.schemas.common import (
    EXAMPLE_BOOKING,
    EXAMPLE_USER,
    TEXT,
    MinorUnits,
    RequestModel,
    ResponseModel,
)

EXAMPLE_PAYMENT = "2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e"
EXAMPLE_SESSION = "sess_4f1c2b7e9a0d4c3b8e6f5a1b2c3d4e5f"

Outcome = Literal["success", "failed", "expired"]


class InitiatePaymentRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"bookingId": EXAMPLE_BOOKING, "userId": EXAMPLE_USER},
                {
                    "bookingId": EXAMPLE_BOOKING,
                    "userId": EXAMPLE_USER,
                    "amount": 50000,
                    "provider": "simulator",
                },
            ]
        }
    )

    booking_id: UUID
    user_id: UUID | None = Field(
        default=None, description="Must be the token's subject unless admin; defaults to it."
    )
    amount: MinorUnits | None = Field(
        default=None,
        description="The total the client expects to pay, in minor units of the booking's "
        "currency; a different booking total → 400 AMOUNT_MISMATCH. Optional.",
    )
    provider: str = Field(
        default="",
        max_length=50,
        pattern=r"^[A-Za-z0-9_.\-]*$",
        description="Informational (the seed's clients send it); the configured provider is used.",
    )


class SimulatePaymentRequest(RequestModel):
    """Development only: ask the provider simulator to complete the session."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"outcome": "success"}, {"result": "failed"}]}
    )

    outcome: Outcome = Field(
        validation_alias=AliasChoices("outcome", "result"),
        description="`result` (the seed's name) is accepted as an alias.",
    )

    @field_validator("outcome", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class RefundRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "cannot make it"}]})

    user_id: UUID | None = Field(
        default=None, description="Must be the token's subject unless admin; defaults to it."
    )
    reason: str = Field(default="", max_length=500, pattern=TEXT)


class InitiatePaymentResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "paymentId": EXAMPLE_PAYMENT,
                    "sessionId": EXAMPLE_SESSION,
                    "paymentUrl": f"http://127.0.0.1:8010/checkout/{EXAMPLE_SESSION}",
                    "expiresAt": "2026-01-31T01:15:00Z",
                    "amount": 50000,
                    "currency": "INR",
                }
            ]
        }
    )

    payment_id: str
    session_id: str
    payment_url: str = Field(description="Send the user here to pay.")
    expires_at: str | None
    amount: int
    currency: str


class WebhookResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "processed", "eventId": "evt_123"}]}
    )

    status: str = Field(description='"processed", or "duplicate" for an event seen before.')
    event_id: str


class SimulatePaymentResponse(ResponseModel):
    session_id: str
    outcome: Literal["success", "failed", "expired", "unspecified"]
    status: str = Field(description="The provider's session status after the simulation.")


class RefundResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
                    "paymentId": EXAMPLE_PAYMENT,
                    "bookingId": EXAMPLE_BOOKING,
                    "status": "SUCCEEDED",
                    "amount": 50000,
                    "currency": "INR",
                    "percent": 100,
                    "reason": "cannot make it",
                    "createdAt": "2026-01-31T02:00:00Z",
                }
            ]
        }
    )

    id: str
    payment_id: str
    booking_id: str
    status: Literal["PENDING", "SUCCEEDED", "FAILED", "UNSPECIFIED"]
    amount: int
    currency: str
    percent: int = Field(description="100 or 50 by the refund policy; 100 for automatic refunds.")
    reason: str
    created_at: str | None


class PaymentView(ResponseModel):
    id: str
    session_id: str
    status: Literal[
        "PENDING",
        "SUCCEEDED",
        "FAILED",
        "EXPIRED",
        "REFUNDED",
        "PARTIALLY_REFUNDED",
        "UNSPECIFIED",
    ]
    amount: int
    currency: str
    failure_reason: str
    created_at: str | None
    updated_at: str | None


class PaymentStatusResponse(ResponseModel):
    booking_id: str
    booking_status: str
    payments: list[PaymentView]
    refunds: list[RefundResponse]
