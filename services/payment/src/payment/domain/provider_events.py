"""The provider's webhook body: ``{"id": "evt_…", "type": …, "created": <unix>, "data": {…}}``.

Parsed only after the signature proved the bytes authentic; anything unparseable then is the
provider's bug, answered with INVALID_ARGUMENT so it shows up in its delivery log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from payment.domain.errors import InvalidWebhookPayload
from payment.domain.values import Money

PAYMENT_SUCCESS = "payment.success"
PAYMENT_FAILED = "payment.failed"
PAYMENT_EXPIRED = "payment.expired"
REFUND_SUCCEEDED = "refund.succeeded"

MAX_EVENT_ID_LENGTH = 255


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str
    created: int | None
    data: Mapping[str, Any]

    def _text(self, source: Mapping[str, Any], key: str) -> str | None:
        value = source.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self.data.get("metadata")
        return metadata if isinstance(metadata, Mapping) else {}

    @property
    def session_id(self) -> str | None:
        return self._text(self.data, "sessionId")

    @property
    def payment_id(self) -> str | None:
        """Our payment id, echoed back from the session's metadata."""
        return self._text(self.metadata, "paymentId")

    @property
    def refund_id(self) -> str | None:
        """Our refund id, echoed back from the refund's metadata."""
        return self._text(self.metadata, "refundId")

    @property
    def provider_refund_id(self) -> str | None:
        return self._text(self.data, "refundId")

    @property
    def failure_reason(self) -> str:
        return self._text(self.data, "failureReason") or ""

    @property
    def amount(self) -> Money | None:
        amount, currency = self.data.get("amount"), self.data.get("currency")
        if isinstance(amount, int) and not isinstance(amount, bool) and isinstance(currency, str):
            return Money(amount, currency)
        return None


def parse_provider_event(payload: bytes) -> ProviderEvent:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidWebhookPayload(f"the webhook body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidWebhookPayload("the webhook body must be a JSON object")
    event_id, event_type, data = body.get("id"), body.get("type"), body.get("data", {})
    if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_EVENT_ID_LENGTH:
        raise InvalidWebhookPayload("the webhook body needs an event id (id)")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidWebhookPayload("the webhook body needs an event type (type)")
    if not isinstance(data, dict):
        raise InvalidWebhookPayload("the webhook data must be a JSON object")
    created = body.get("created")
    return ProviderEvent(
        id=event_id,
        type=event_type,
        created=created if isinstance(created, int) else None,
        data=data,
    )
