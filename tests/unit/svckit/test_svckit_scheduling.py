"""Daily jobs fire at the configured UTC time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from svckit.jobs import DailyJob, PeriodicJob

pytestmark = pytest.mark.unit

UTC = dt.UTC


async def nothing() -> None:
    return None


def daily(at: Any) -> DailyJob:
    return DailyJob("probe.daily", at, nothing, engine=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2025, 3, 1, 2, 59, tzinfo=UTC), dt.datetime(2025, 3, 1, 3, 0, tzinfo=UTC)),
        (dt.datetime(2025, 3, 1, 3, 0, tzinfo=UTC), dt.datetime(2025, 3, 2, 3, 0, tzinfo=UTC)),
        (dt.datetime(2025, 12, 31, 23, 0, tzinfo=UTC), dt.datetime(2026, 1, 1, 3, 0, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_next_occurrence_of_the_time(
    now: dt.datetime, expected: dt.datetime
) -> None:
    assert daily("03:00").next_run_after(now) == expected


def test_other_time_zones_are_converted_to_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    now = dt.datetime(2025, 3, 1, 3, 30, tzinfo=paris)  # 02:30 UTC
    assert daily(dt.time(3, 0)).next_run_after(now) == dt.datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["3am", "25:00", "03:00:00", ""])
def test_bad_time_is_rejected_with_the_job_name(bad: str) -> None:
    with pytest.raises(ValueError, match=r"probe\.daily"):
        daily(bad)


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"probe\.periodic"):
        PeriodicJob("probe.periodic", 0, nothing, engine=None)  # type: ignore[arg-type]
