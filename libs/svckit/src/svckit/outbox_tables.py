"""DDL of the outbox and of the inbox (the consumers' ``processed_messages``), for migrations.

A service's first revision calls ``create_outbox_and_inbox_tables(op, "booking")``. The partial
index on pending rows keeps the relay's poll cheap however many sent rows accumulate.
"""

from __future__ import annotations

from typing import Any, Protocol

from svckit.db import quote_schema

__all__ = ["create_outbox_and_inbox_tables", "drop_outbox_and_inbox_tables", "outbox_and_inbox_ddl"]


class _AlembicOp(Protocol):
    def execute(self, sqltext: str, /) -> Any: ...


def outbox_and_inbox_ddl(schema: str) -> list[str]:
    """DDL for ``<schema>.outbox`` and ``<schema>.processed_messages`` (idempotent)."""
    s = quote_schema(schema)
    return [
        f"""CREATE TABLE IF NOT EXISTS {s}.outbox (
            id uuid PRIMARY KEY,
            exchange text NOT NULL,
            routing_key text NOT NULL,
            message_type text NOT NULL,
            payload bytea NOT NULL,
            message_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz
        )""",
        f"CREATE INDEX IF NOT EXISTS outbox_pending_idx ON {s}.outbox (created_at, id)"
        " WHERE sent_at IS NULL",
        f"CREATE INDEX IF NOT EXISTS outbox_sent_at_idx ON {s}.outbox (sent_at)"
        " WHERE sent_at IS NOT NULL",
        f"""CREATE TABLE IF NOT EXISTS {s}.processed_messages (
            consumer text NOT NULL,
            message_id text NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, message_id)
        )""",
    ]


def create_outbox_and_inbox_tables(op: _AlembicOp, schema: str) -> None:
    """For a service's first alembic revision: ``create_outbox_and_inbox_tables(op, "booking")``."""
    for statement in outbox_and_inbox_ddl(schema):
        op.execute(statement)


def drop_outbox_and_inbox_tables(op: _AlembicOp, schema: str) -> None:
    """The downgrade counterpart of :func:`create_outbox_and_inbox_tables`."""
    s = quote_schema(schema)
    op.execute(f"DROP TABLE IF EXISTS {s}.processed_messages")
    op.execute(f"DROP TABLE IF EXISTS {s}.outbox")
