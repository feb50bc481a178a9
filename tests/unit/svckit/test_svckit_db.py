"""URL normalisation and PostgreSQL error classification."""

from __future__ import annotations

import psycopg
import pytest
from psycopg_pool import PoolTimeout
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from svckit.db import (
    advisory_lock_key,
    database_unavailable,
    is_lock_timeout,
    is_serialization_or_deadlock,
    psycopg_url,
    quote_schema,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/ticketing",
        "postgres://postgres@127.0.0.1:5432/ticketing",
        "postgresql+psycopg://postgres@127.0.0.1:5432/ticketing",
    ],
)
def test_urls_are_rewritten_to_psycopg(url: str) -> None:
    parsed = psycopg_url(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.database == "ticketing"


def test_non_postgres_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        psycopg_url("mysql://root@localhost/db")


class FakePgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str) -> OperationalError:
    return OperationalError("SELECT ...", {}, FakePgError(sqlstate))


def test_classification_looks_through_sqlalchemy_wrappers() -> None:
    assert is_lock_timeout(wrapped("55P03"))
    assert not is_lock_timeout(wrapped("40001"))
    assert is_serialization_or_deadlock(wrapped("40001"))
    assert is_serialization_or_deadlock(wrapped("40P01"))
    assert not is_serialization_or_deadlock(RuntimeError("no sqlstate"))


def test_advisory_keys_are_stable_signed_64_bit() -> None:
    key = advisory_lock_key("svckit.jobs:booking.expiry")
    assert key == advisory_lock_key("svckit.jobs:booking.expiry")
    assert -(2**63) <= key < 2**63
    assert key != advisory_lock_key("svckit.jobs:inventory.holds")


def test_schema_names_are_validated() -> None:
    assert quote_schema("booking") == '"booking"'
    with pytest.raises(ValueError):
        quote_schema("Booking; DROP")


class NoStateError(Exception):
    sqlstate = None


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (wrapped("53300"), True),  # too many connections
        (wrapped("57P01"), True),  # admin shutdown
        (wrapped("08006"), True),  # connection failure
        (OperationalError("connect", {}, NoStateError("connection refused")), True),
        (SATimeoutError("QueuePool limit reached"), True),
        # psycopg's own errors (svckit.pg runs statements without SQLAlchemy)
        (PoolTimeout("couldn't get a connection after 10.00 sec"), True),
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.TooManyConnections("sorry, too many clients already"), True),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (wrapped("55P03"), False),  # a lock timeout is a conflict, not an outage
        (wrapped("40001"), False),
        (IntegrityError("INSERT", {}, FakePgError("23505")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_database_unavailable_is_told_apart_from_request_errors(
    error: Exception, unavailable: bool
) -> None:
    assert database_unavailable(error) is unavailable
