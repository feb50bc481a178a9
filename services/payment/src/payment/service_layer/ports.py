"""What the use cases need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from payment.domain.events import Event
from payment.domain.model import Payment, PaymentStatus, Refund
from payment.domain.values import BookingView, Money, Requester
from svckit.clock import Clock as Clock  # the port use cases take; re-exported


class SessionOutcome(enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class CheckoutSession:
    """A provider checkout session; ``status`` is open, paid, failed or expired."""

    id: str
    url: str
    status: str


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    status: str


class PaymentProvider(Protocol):
    """The external payment provider (the simulator in development).

    Every mutating call carries an idempotency key, so a retried call never charges or refunds
    twice. Errors: SessionNotFound (unknown session), WrongPaymentState (the session is not in a
    state for that), ProviderRejected (refused), ProviderUnavailable (unreachable, 5xx, timeout).
    """

    async def create_session(
        self,
        *,
        booking_id: str,
        amount: Money,
        expires_at: datetime,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CheckoutSession: ...

    async def complete_session(self, session_id: str, outcome: SessionOutcome) -> CheckoutSession:
        """Simulation only: finish the checkout as if the customer had paid, failed or left."""
        ...

    async def expire_session(self, session_id: str) -> CheckoutSession: ...

    async def refund(
        self,
        *,
        session_id: str,
        amount: Money,
        reason: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> ProviderRefund: ...


class BookingDirectory(Protocol):
    async def get_booking(self, booking_id: str, requester: Requester) -> BookingView:
        """Asks booking on behalf of ``requester`` (booking enforces ownership too).

        Raises BookingNotFound, NotOwner, DependencyUnavailable, DependencyTimeout.
        """
        ...


class PaymentRepository(Protocol):
    async def add_or_get_open(self, payment: Payment) -> Payment:
        """Stores ``payment`` unless the booking already has an open (PENDING) one, which is
        returned instead; race-safe through a unique partial index."""
        ...

    async def attach_session(self, payment_id: str, session_id: str, url: str) -> Payment: ...

    async def get(self, payment_id: str) -> Payment | None: ...

    async def get_for_update(self, payment_id: str) -> Payment | None: ...

    async def find_by_session(self, session_id: str) -> Payment | None: ...

    async def find_for_update(
        self, *, session_id: str | None, payment_id: str | None
    ) -> Payment | None:
        """By provider session id, else by our id echoed in the session metadata; locked."""
        ...

    async def list_for_booking(
        self,
        booking_id: str,
        *,
        statuses: Sequence[PaymentStatus] | None = None,
        for_update: bool = False,
    ) -> list[Payment]: ...

    async def update(self, payment: Payment) -> None: ...


class RefundRepository(Protocol):
    async def add_if_absent(self, refund: Refund, *, first_attempt_at: datetime) -> Refund:
        """Stores ``refund`` unless its payment has a refund that did not fail, which wins.

        The retry job sends it to the provider from ``first_attempt_at`` on if nobody else has.
        """
        ...

    async def active_for_payment(self, payment_id: str) -> Refund | None: ...

    async def get(self, refund_id: str) -> Refund | None: ...

    async def get_for_update(self, refund_id: str) -> Refund | None: ...

    async def find_by_provider_id(self, provider_refund_id: str) -> Refund | None: ...

    async def list_for_booking(self, booking_id: str) -> list[Refund]: ...

    async def claim_due(
        self, now: datetime, *, limit: int, retry_base_seconds: float, retry_max_seconds: float
    ) -> list[Refund]:
        """PENDING refunds whose next attempt is due, postponed by an exponential backoff in
        the same statement (SKIP LOCKED), so replicas never claim the same refund."""
        ...

    async def update(self, refund: Refund) -> None: ...


class WebhookEventLog(Protocol):
    async def record(self, event_id: str, event_type: str, payload: bytes, now: datetime) -> bool:
        """False when the provider event id was recorded before (a redelivery)."""
        ...

    async def set_outcome(self, event_id: str, outcome: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: the rows it touches and the events it publishes commit together."""

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def refunds(self) -> RefundRepository: ...

    @property
    def webhook_events(self) -> WebhookEventLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def publish(self, event: Event) -> None:
        """Queue an event for the outbox; written by commit(), dropped by a rollback."""
        ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
