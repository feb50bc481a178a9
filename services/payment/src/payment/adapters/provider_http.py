"""The payment provider's HTTP API (the simulator, shaped like Stripe's checkout sessions).

Every POST carries an ``Idempotency-Key``, so retrying is always safe: a call whose answer was
lost (connection reset, timeout, 5xx) is sent again with the same key and the provider returns
the result of the first one instead of charging or refunding twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from payment.domain.errors import (
    ProviderRejected,
    ProviderUnavailable,
    SessionNotFound,
    WrongPaymentState,
)
from payment.domain.values import Money
from payment.service_layer.ports import CheckoutSession, ProviderRefund, SessionOutcome

IDEMPOTENCY_HEADER = "Idempotency-Key"


class _ServerError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class HttpPaymentProvider:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        self._client = client
        self._attempts = attempts
        self._backoff_seconds = backoff_seconds

    async def create_session(
        self,
        *,
        booking_id: str,
        amount: Money,
        expires_at: datetime,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CheckoutSession:
        body = await self._post(
            "/v1/checkout/sessions",
            {
                "booking_id": booking_id,
                "amount": amount.amount_minor,
                "currency": amount.currency,
                "expires_at": expires_at.isoformat(),
                "metadata": dict(metadata),
            },
            idempotency_key=idempotency_key,
        )
        return _session(body)

    async def complete_session(self, session_id: str, outcome: SessionOutcome) -> CheckoutSession:
        body = await self._post(
            f"/v1/checkout/sessions/{quote(session_id, safe='')}/complete",
            {"outcome": outcome.value},
            idempotency_key=str(uuid.uuid4()),
            session_id=session_id,
        )
        return _session(body)

    async def expire_session(self, session_id: str) -> CheckoutSession:
        body = await self._post(
            f"/v1/checkout/sessions/{quote(session_id, safe='')}/expire",
            {},
            idempotency_key=f"expire-{session_id}",
            session_id=session_id,
        )
        return _session(body)

    async def refund(
        self,
        *,
        session_id: str,
        amount: Money,
        reason: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> ProviderRefund:
        body = await self._post(
            "/v1/refunds",
            {
                "session_id": session_id,
                "amount": amount.amount_minor,
                "currency": amount.currency,
                "reason": reason,
                "metadata": dict(metadata),
            },
            idempotency_key=idempotency_key,
            session_id=session_id,
        )
        return ProviderRefund(id=str(body["id"]), status=str(body.get("status", "")))

    async def _post(
        self,
        path: str,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str,
        session_id: str | None = None,
    ) -> dict[str, Any]:
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_exponential(multiplier=self._backoff_seconds, max=2.0),
                retry=retry_if_exception_type((httpx.TransportError, _ServerError)),
                reraise=True,
            ):
                with attempt:
                    response = await self._client.post(
                        path, json=payload, headers={IDEMPOTENCY_HEADER: idempotency_key}
                    )
                    if response.status_code >= 500:
                        raise _ServerError(response)
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"the payment provider is unreachable: {exc!r}") from exc
        except _ServerError as exc:
            raise ProviderUnavailable(
                f"the payment provider failed: {_message(exc.response)}"
            ) from exc
        return _checked(response, session_id)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return f"HTTP {response.status_code}"


def _checked(response: httpx.Response, session_id: str | None) -> dict[str, Any]:
    if response.status_code == 404 and session_id is not None:
        raise SessionNotFound(session_id)
    if response.status_code == 409:
        raise WrongPaymentState(_message(response))
    if response.status_code >= 400:
        raise ProviderRejected(_message(response))
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderUnavailable("the payment provider answered with invalid JSON") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable("the payment provider answered with an unexpected body")
    return body


def _session(body: Mapping[str, Any]) -> CheckoutSession:
    return CheckoutSession(id=str(body["id"]), url=str(body["url"]), status=str(body["status"]))
