"""A queue's event stream asks the waiting room less often the further the turn is."""

from __future__ import annotations

import pytest

from gateway.routes.queue import LONGEST_POLL_SECONDS, next_poll_seconds

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        (0, 1.0),  # at the front, or before the lottery draws: every second
        (5, 1.0),
        (30, 3.0),  # a tenth of the estimate
        (1200, LONGEST_POLL_SECONDS),  # 20 minutes away: at most every 10 s
    ],
)
def test_the_poll_interval_follows_the_estimated_wait(wait: int, expected: float) -> None:
    assert next_poll_seconds(1.0, {"estimatedWaitSeconds": wait}) == expected


def test_a_configured_shortest_interval_is_kept() -> None:
    assert next_poll_seconds(0.05, {"estimatedWaitSeconds": 0}) == 0.05
