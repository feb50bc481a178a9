"""The sweep of reservations booking never stored, run by one replica at a time (svckit.jobs),
with what it did counted for Prometheus."""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.service_layer.unstored_reservations import SweepReport, UnstoredReservationSweep
from svckit.jobs import PeriodicJob
from svckit.logging import get_logger

UNSTORED_RESERVATIONS_JOB = "booking.unstored-reservations"

UNSTORED_RESERVATIONS = Counter(
    "booking_unstored_reservations_total",
    "Stale reservations of bookings booking had no row for, by what the sweep did: released; "
    "stored_meanwhile (a resend stored the booking first); restored (stored while released, "
    "seats reserved again); lost (stored while released, seats taken since); failed.",
    ["outcome"],
)
UNSTORED_SEATS_RELEASED = Counter(
    "booking_unstored_seats_released_total",
    "Seats returned to sale because booking never stored the booking that reserved them.",
)

log = get_logger(__name__)


def count(report: SweepReport) -> None:
    outcomes = {
        "released": len(report.released),
        "stored_meanwhile": len(report.stored_meanwhile),
        "restored": len(report.restored),
        "lost": len(report.lost),
        "failed": len(report.failed),
    }
    for outcome, n in outcomes.items():
        if n:
            UNSTORED_RESERVATIONS.labels(outcome).inc(n)
    UNSTORED_SEATS_RELEASED.inc(report.seats_released)


def unstored_reservations_job(
    engine: AsyncEngine, sweep: UnstoredReservationSweep, *, every_seconds: float
) -> PeriodicJob:
    async def run() -> None:
        report = await sweep.run()
        count(report)
        if report.released or report.restored or report.lost or report.failed:
            log.info(
                "booking.unstored_reservations_swept",
                released=len(report.released),
                seats=report.seats_released,
                restored=len(report.restored),
                lost=len(report.lost),
                failed=len(report.failed),
                interrupted=report.interrupted,
            )

    return PeriodicJob(UNSTORED_RESERVATIONS_JOB, every_seconds, run, engine)
