"""Opening a payment works however PostgreSQL plans the statement.

psycopg prepares a statement that one connection runs often, and PostgreSQL may then run it with a
generic plan, which knows no parameter's value. The insert's ON CONFLICT names payment's partial
unique index (one PENDING payment per booking) by its predicate; with the predicate's value as a
parameter, a generic plan could not infer the index and InitiatePayment failed with INTERNAL
("no unique or exclusion constraint matching the ON CONFLICT specification") under load.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from payment.adapters.repository import SqlPaymentRepository
from payment.domain.model import Payment
from payment.domain.values import Money
from tests.integration.payment.world import PaymentWorld

pytestmark = pytest.mark.integration


def _open(booking_id: str) -> Payment:
    now = datetime.now(UTC)
    return Payment.open(
        booking_id=booking_id,
        user_id=str(uuid.uuid4()),
        amount=Money(20000, "INR"),
        expires_at=now + timedelta(minutes=15),
        now=now,
    )


async def test_opening_payments_on_one_connection_under_a_generic_plan(
    world: PaymentWorld,
) -> None:
    async with world.engine.connect() as conn:
        await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        driver = await conn.get_raw_connection()
        driver.driver_connection.prepare_threshold = 0  # prepare from the first execution
        repository = SqlPaymentRepository(conn)
        booking_ids = [str(uuid.uuid4()) for _ in range(8)]
        opened = [await repository.add_or_get_open(_open(booking_id)) for booking_id in booking_ids]
        again = await repository.add_or_get_open(_open(booking_ids[0]))
        await conn.rollback()
    assert [payment.booking_id for payment in opened] == booking_ids
    assert again.id == opened[0].id  # the open payment, not a second one
