"""Idempotency keys of POST /bookings, /payments/initiate and /payments/refund.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE gateway.idempotency_keys (
            user_id text NOT NULL,
            route text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            state text NOT NULL CHECK (state IN ('in_flight', 'done')),
            locked_until timestamptz NOT NULL,
            response_status integer,
            response_body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, route, key),
            CHECK (state = 'in_flight'
                   OR (response_status IS NOT NULL AND response_body IS NOT NULL))
        )
        """
    )
    op.execute("CREATE INDEX idempotency_keys_created_at ON gateway.idempotency_keys (created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE gateway.idempotency_keys")
