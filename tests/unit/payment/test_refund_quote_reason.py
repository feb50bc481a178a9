"""The refund quote's reason names the policy band in words a customer reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payment.domain.errors import RefundWindowClosed, ShowAlreadyStarted
from payment.domain.refund_policy import RefundPolicy, why

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_the_reason_names_the_band() -> None:
    policy = RefundPolicy()
    assert why(NOW + timedelta(hours=30), NOW, policy) == (
        "the show starts in 30 hours, at least 24 h ahead: a full refund"
    )
    assert why(NOW + timedelta(hours=5), NOW, policy) == (
        "the show starts in 5.0 hours, between 2 and 24 h ahead: 50 % back"
    )


def test_a_refused_band_raises_with_its_reason() -> None:
    policy = RefundPolicy()
    with pytest.raises(RefundWindowClosed, match="starts in 90 minutes"):
        policy.percent(NOW + timedelta(minutes=90), NOW)
    with pytest.raises(ShowAlreadyStarted):
        policy.percent(NOW - timedelta(minutes=1), NOW)
