"""How much of a payment comes back, by the time left before the show starts.

≥ 24 h → 100 %, 2 to 24 h → 50 %, less than 2 h (or the show has started) → refused. Boundaries
belong to the more generous side: exactly 24 h left still refunds in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from payment.domain.errors import RefundWindowClosed, ShowAlreadyStarted
from payment.domain.values import Money

FULL_REFUND_PERCENT = 100


@dataclass(frozen=True)
class RefundPolicy:
    full_refund_before: timedelta = timedelta(hours=24)
    partial_refund_before: timedelta = timedelta(hours=2)
    partial_percent: int = 50

    def percent(self, show_starts_at: datetime, now: datetime) -> int:
        left = show_starts_at - now
        if left <= timedelta(0):
            raise ShowAlreadyStarted(
                f"the show started at {show_starts_at.isoformat()}; it can no longer be refunded",
                details={"show_starts_at": show_starts_at.isoformat()},
            )
        if left >= self.full_refund_before:
            return FULL_REFUND_PERCENT
        if left >= self.partial_refund_before:
            return self.partial_percent
        minutes = int(left.total_seconds() // 60)
        window = int(self.partial_refund_before.total_seconds() // 60)
        raise RefundWindowClosed(
            f"refunds close {window} minutes before the show; it starts in {minutes} minutes",
            details={"show_starts_at": show_starts_at.isoformat(), "minutes_left": str(minutes)},
        )


def why(show_starts_at: datetime, now: datetime, policy: RefundPolicy) -> str:
    """The policy band a refund falls in, in words (the quote shows it before anyone confirms)."""
    hours = (show_starts_at - now).total_seconds() / 3600
    full = policy.full_refund_before.total_seconds() / 3600
    partial = policy.partial_refund_before.total_seconds() / 3600
    if hours >= full:
        return f"the show starts in {hours:.0f} hours, at least {full:.0f} h ahead: a full refund"
    return (
        f"the show starts in {hours:.1f} hours, between {partial:.0f} and {full:.0f} h ahead: "
        f"{policy.partial_percent} % back"
    )


def refund_amount(paid: Money, percent: int) -> Money:
    """``percent`` of ``paid``, rounded down to the minor unit."""
    return Money(paid.amount_minor * percent // 100, paid.currency)
