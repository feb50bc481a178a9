"""Payments, refunds, provider webhook events, and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

from svckit.outbox_tables import create_outbox_and_inbox_tables, drop_outbox_and_inbox_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "payment"


def upgrade() -> None:
    op.execute(
        f"""CREATE TABLE {SCHEMA}.payments (
            id uuid PRIMARY KEY,
            booking_id uuid NOT NULL,
            user_id uuid NOT NULL,
            amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
            currency text NOT NULL,
            status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'EXPIRED',
                                                   'REFUNDED', 'PARTIALLY_REFUNDED')),
            session_id text UNIQUE,
            payment_url text,
            expires_at timestamptz NOT NULL,
            failure_reason text NOT NULL DEFAULT '',
            refunded_minor bigint NOT NULL DEFAULT 0
                CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )"""
    )
    # At most one open checkout per booking: a second initiate finds it instead of charging twice.
    op.execute(
        f"CREATE UNIQUE INDEX payments_one_open_per_booking ON {SCHEMA}.payments (booking_id)"
        " WHERE status = 'PENDING'"
    )
    op.execute(
        f"CREATE INDEX payments_booking_idx ON {SCHEMA}.payments (booking_id, created_at DESC)"
    )
    op.execute(
        f"""CREATE TABLE {SCHEMA}.refunds (
            id uuid PRIMARY KEY,
            payment_id uuid NOT NULL REFERENCES {SCHEMA}.payments (id),
            booking_id uuid NOT NULL,
            user_id uuid NOT NULL,
            amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
            currency text NOT NULL,
            percent integer NOT NULL CHECK (percent BETWEEN 0 AND 100),
            reason text NOT NULL DEFAULT '',
            automatic boolean NOT NULL,
            status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
            provider_refund_id text UNIQUE,
            failure_reason text NOT NULL DEFAULT '',
            published boolean NOT NULL DEFAULT false,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )"""
    )
    # One live refund per payment: concurrent or repeated requests produce one refund.
    op.execute(
        f"CREATE UNIQUE INDEX refunds_one_live_per_payment ON {SCHEMA}.refunds (payment_id)"
        " WHERE status <> 'FAILED'"
    )
    op.execute(f"CREATE INDEX refunds_booking_idx ON {SCHEMA}.refunds (booking_id)")
    op.execute(
        f"CREATE INDEX refunds_due_idx ON {SCHEMA}.refunds (next_attempt_at)"
        " WHERE status = 'PENDING'"
    )
    op.execute(
        f"""CREATE TABLE {SCHEMA}.webhook_events (
            event_id text PRIMARY KEY,
            event_type text NOT NULL,
            payload bytea NOT NULL,
            outcome text NOT NULL DEFAULT '',
            received_at timestamptz NOT NULL
        )"""
    )
    create_outbox_and_inbox_tables(op, SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op, SCHEMA)
    op.execute(f"DROP TABLE IF EXISTS {SCHEMA}.webhook_events")
    op.execute(f"DROP TABLE IF EXISTS {SCHEMA}.refunds")
    op.execute(f"DROP TABLE IF EXISTS {SCHEMA}.payments")
