"""Alembic environment: svckit runs it for this service's own schema (see svckit.migrations)."""

from svckit.migrations import run_env

run_env()
