"""Payments and refunds in PostgreSQL. Row locks (FOR UPDATE) live here.

Lock order everywhere: a payment row before any of its refund rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from payment.adapters.tables import SCHEMA, payments, refunds
from payment.domain.errors import PaymentBusy
from payment.domain.model import Payment, PaymentStatus, Refund, RefundStatus
from payment.domain.values import Money

_INSERT_ATTEMPTS = 3


def _payment_from_row(row: Any) -> Payment:
    return Payment(
        id=str(row.id),
        booking_id=str(row.booking_id),
        user_id=str(row.user_id),
        amount=Money(row.amount_minor, row.currency),
        status=PaymentStatus(row.status),
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        session_id=row.session_id,
        payment_url=row.payment_url,
        failure_reason=row.failure_reason,
        refunded_minor=row.refunded_minor,
    )


def _payment_values(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "booking_id": payment.booking_id,
        "user_id": payment.user_id,
        "amount_minor": payment.amount.amount_minor,
        "currency": payment.amount.currency,
        "status": payment.status.value,
        "session_id": payment.session_id,
        "payment_url": payment.payment_url,
        "expires_at": payment.expires_at,
        "failure_reason": payment.failure_reason,
        "refunded_minor": payment.refunded_minor,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


def _refund_from_row(row: Any) -> Refund:
    return Refund(
        id=str(row.id),
        payment_id=str(row.payment_id),
        booking_id=str(row.booking_id),
        user_id=str(row.user_id),
        amount=Money(row.amount_minor, row.currency),
        percent=row.percent,
        reason=row.reason,
        automatic=row.automatic,
        status=RefundStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        provider_refund_id=row.provider_refund_id,
        failure_reason=row.failure_reason,
        published=row.published,
    )


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_or_get_open(self, payment: Payment) -> Payment:
        insert_open = (
            insert(payments)
            .values(_payment_values(payment))
            .on_conflict_do_nothing(
                index_elements=[payments.c.booking_id],
                # A literal, not a bound parameter: PostgreSQL infers the partial unique index
                # from the predicate when it plans, and a generic plan of the prepared statement
                # (psycopg prepares a statement run often on one connection) does not know a
                # parameter's value, so it failed with "no unique or exclusion constraint
                # matching the ON CONFLICT specification" under sustained load.
                index_where=sa.text(f"status = '{PaymentStatus.PENDING.value}'"),
            )
            .returning(*payments.c)
        )
        find_open = sa.select(payments).where(
            payments.c.booking_id == payment.booking_id,
            payments.c.status == PaymentStatus.PENDING.value,
        )
        # The insert waits for a concurrent initiate's transaction; if that one's payment closed
        # in between, neither statement sees a row and the insert is tried again.
        for _ in range(_INSERT_ATTEMPTS):
            row = (await self._conn.execute(insert_open)).first()
            if row is None:
                row = (await self._conn.execute(find_open)).first()
            if row is not None:
                return _payment_from_row(row)
        raise PaymentBusy(f"booking {payment.booking_id} is being paid concurrently; try again")

    async def attach_session(self, payment_id: str, session_id: str, url: str) -> Payment:
        row = (
            await self._conn.execute(
                sa.update(payments)
                .where(payments.c.id == payment_id)
                .values(
                    session_id=sa.func.coalesce(payments.c.session_id, session_id),
                    payment_url=sa.func.coalesce(payments.c.payment_url, url),
                    updated_at=sa.func.now(),
                )
                .returning(*payments.c)
            )
        ).one()
        return _payment_from_row(row)

    async def get(self, payment_id: str) -> Payment | None:
        return await self._one(sa.select(payments).where(payments.c.id == payment_id))

    async def get_for_update(self, payment_id: str) -> Payment | None:
        return await self._one(
            sa.select(payments).where(payments.c.id == payment_id).with_for_update()
        )

    async def find_by_session(self, session_id: str) -> Payment | None:
        return await self._one(sa.select(payments).where(payments.c.session_id == session_id))

    async def find_for_update(
        self, *, session_id: str | None, payment_id: str | None
    ) -> Payment | None:
        found = None
        if session_id:
            found = await self._one(
                sa.select(payments).where(payments.c.session_id == session_id).with_for_update()
            )
        if found is None and payment_id:
            found = await self.get_for_update(payment_id)
        return found

    async def list_for_booking(
        self,
        booking_id: str,
        *,
        statuses: Sequence[PaymentStatus] | None = None,
        for_update: bool = False,
    ) -> list[Payment]:
        query = (
            sa.select(payments)
            .where(payments.c.booking_id == booking_id)
            .order_by(payments.c.created_at.desc(), payments.c.id)
        )
        if statuses is not None:
            query = query.where(payments.c.status.in_([status.value for status in statuses]))
        if for_update:
            query = query.with_for_update()
        rows = (await self._conn.execute(query)).all()
        return [_payment_from_row(row) for row in rows]

    async def update(self, payment: Payment) -> None:
        values = _payment_values(payment)
        del values["id"], values["created_at"]
        await self._conn.execute(
            sa.update(payments).where(payments.c.id == payment.id).values(values)
        )

    async def _one(self, query: sa.Select[Any]) -> Payment | None:
        row = (await self._conn.execute(query)).first()
        return None if row is None else _payment_from_row(row)


class SqlRefundRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_if_absent(self, refund: Refund, *, first_attempt_at: datetime) -> Refund:
        values = {
            "id": refund.id,
            "payment_id": refund.payment_id,
            "booking_id": refund.booking_id,
            "user_id": refund.user_id,
            "amount_minor": refund.amount.amount_minor,
            "currency": refund.amount.currency,
            "percent": refund.percent,
            "reason": refund.reason,
            "automatic": refund.automatic,
            "status": refund.status.value,
            "provider_refund_id": refund.provider_refund_id,
            "failure_reason": refund.failure_reason,
            "published": refund.published,
            "attempts": 0,
            "next_attempt_at": first_attempt_at,
            "created_at": refund.created_at,
            "updated_at": refund.updated_at,
        }
        for _ in range(_INSERT_ATTEMPTS):
            row = (
                await self._conn.execute(
                    insert(refunds).values(values).on_conflict_do_nothing().returning(*refunds.c)
                )
            ).first()
            if row is not None:
                return _refund_from_row(row)
            existing = await self.active_for_payment(refund.payment_id) or await self.get(refund.id)
            if existing is not None:
                return existing
        raise PaymentBusy(f"payment {refund.payment_id} is being refunded concurrently; try again")

    async def active_for_payment(self, payment_id: str) -> Refund | None:
        return await self._one(
            sa.select(refunds).where(
                refunds.c.payment_id == payment_id,
                refunds.c.status != RefundStatus.FAILED.value,
            )
        )

    async def get(self, refund_id: str) -> Refund | None:
        return await self._one(sa.select(refunds).where(refunds.c.id == refund_id))

    async def get_for_update(self, refund_id: str) -> Refund | None:
        return await self._one(
            sa.select(refunds).where(refunds.c.id == refund_id).with_for_update()
        )

    async def find_by_provider_id(self, provider_refund_id: str) -> Refund | None:
        return await self._one(
            sa.select(refunds).where(refunds.c.provider_refund_id == provider_refund_id)
        )

    async def list_for_booking(self, booking_id: str) -> list[Refund]:
        rows = (
            await self._conn.execute(
                sa.select(refunds)
                .where(refunds.c.booking_id == booking_id)
                .order_by(refunds.c.created_at.desc(), refunds.c.id)
            )
        ).all()
        return [_refund_from_row(row) for row in rows]

    async def claim_due(
        self, now: datetime, *, limit: int, retry_base_seconds: float, retry_max_seconds: float
    ) -> list[Refund]:
        rows = (
            await self._conn.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.refunds AS r SET attempts = r.attempts + 1,"
                    " next_attempt_at = CAST(:now AS timestamptz) + make_interval(secs =>"
                    "   least(CAST(:base AS float8) * power(2, r.attempts), CAST(:max AS float8)))"
                    f" FROM (SELECT id FROM {SCHEMA}.refunds"
                    "   WHERE status = 'PENDING' AND next_attempt_at <= CAST(:now AS timestamptz)"
                    "   ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) AS due"
                    " WHERE r.id = due.id RETURNING r.*"
                ),
                {"now": now, "limit": limit, "base": retry_base_seconds, "max": retry_max_seconds},
            )
        ).all()
        return [_refund_from_row(row) for row in rows]

    async def update(self, refund: Refund) -> None:
        await self._conn.execute(
            sa.update(refunds)
            .where(refunds.c.id == refund.id)
            .values(
                status=refund.status.value,
                provider_refund_id=refund.provider_refund_id,
                failure_reason=refund.failure_reason,
                published=refund.published,
                updated_at=refund.updated_at,
            )
        )

    async def _one(self, query: sa.Select[Any]) -> Refund | None:
        row = (await self._conn.execute(query)).first()
        return None if row is None else _refund_from_row(row)
