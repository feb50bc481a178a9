"""≥ 24 h → 100 %, 2 to 24 h → 50 %, < 2 h or started → refused, with the boundaries exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payment.domain.errors import RefundWindowClosed, ShowAlreadyStarted
from payment.domain.refund_policy import RefundPolicy, refund_amount
from payment.domain.values import Money

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
POLICY = RefundPolicy()
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("left", "percent"),
    [
        (timedelta(days=30), 100),
        (timedelta(hours=24), 100),
        (timedelta(hours=24) - SECOND, 50),
        (timedelta(hours=10), 50),
        (timedelta(hours=2), 50),
    ],
)
def test_the_percent_depends_on_the_time_left(left: timedelta, percent: int) -> None:
    assert POLICY.percent(NOW + left, NOW) == percent


@pytest.mark.parametrize("left", [timedelta(hours=2) - SECOND, timedelta(minutes=1), SECOND])
def test_less_than_two_hours_before_the_show_is_refused_with_the_reason(left: timedelta) -> None:
    with pytest.raises(RefundWindowClosed, match="120 minutes before the show"):
        POLICY.percent(NOW + left, NOW)


@pytest.mark.parametrize("left", [timedelta(0), -timedelta(hours=1)])
def test_a_started_show_is_refused(left: timedelta) -> None:
    with pytest.raises(ShowAlreadyStarted):
        POLICY.percent(NOW + left, NOW)


def test_amounts_are_integer_minor_units_rounded_down() -> None:
    assert refund_amount(Money(45_001, "INR"), 50) == Money(22_500, "INR")
    assert refund_amount(Money(45_001, "INR"), 100) == Money(45_001, "INR")
