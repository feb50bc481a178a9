"""The booking schema as SQLAlchemy Core tables; migrations/ creates them, this only maps them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from booking.config import SERVICE

SCHEMA = SERVICE.schema

metadata = sa.MetaData(schema=SCHEMA)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", pg.UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", pg.UUID(as_uuid=False), nullable=False),
    sa.Column("show_id", pg.UUID(as_uuid=False), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("status_reason", sa.Text, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("movie_id", sa.Text, nullable=False),
    sa.Column("movie_title", sa.Text, nullable=False),
    sa.Column("theatre_id", sa.Text, nullable=False),
    sa.Column("theatre_name", sa.Text, nullable=False),
    sa.Column("city", sa.Text, nullable=False),
    sa.Column("screen_id", sa.Text, nullable=False),
    sa.Column("screen_name", sa.Text, nullable=False),
    sa.Column("show_start_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payment_status", sa.Text, nullable=False),
    sa.Column("payment_id", sa.Text, nullable=False),
    sa.Column("payment_amount_minor", sa.BigInteger, nullable=True),
    sa.Column("payment_currency", sa.Text, nullable=True),
    sa.Column("payment_refunded_minor", sa.BigInteger, nullable=False),
    sa.Column("seats_archived_at", sa.DateTime(timezone=True), nullable=True),
)

booking_seats = sa.Table(
    "booking_seats",
    metadata,
    sa.Column("booking_id", pg.UUID(as_uuid=False), primary_key=True),
    sa.Column("seat_id", pg.UUID(as_uuid=False), primary_key=True),
    sa.Column("row_label", sa.Text, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("tier", sa.Text, nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
)

booking_history = sa.Table(
    "booking_history",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("booking_id", pg.UUID(as_uuid=False), nullable=False),
    sa.Column("from_status", sa.Text, nullable=True),
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
