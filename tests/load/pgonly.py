"""PostgreSQL alone running the booking transaction (pgbench), as the ceiling to compare with."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg

SCRIPT = Path(__file__).resolve().parent / "pg_booking.sql"
SEATS = 500_000

SETUP = f"""
DROP SCHEMA IF EXISTS bench_pg CASCADE;
CREATE SCHEMA bench_pg;
CREATE TABLE bench_pg.seats (id bigint PRIMARY KEY, status text NOT NULL, booking bigint);
INSERT INTO bench_pg.seats SELECT g, 'AVAILABLE', NULL FROM generate_series(0, {SEATS - 1}) g;
CREATE TABLE bench_pg.bookings (
    id bigint PRIMARY KEY, user_id uuid NOT NULL, status text NOT NULL,
    total_minor bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE bench_pg.booking_seats (
    booking_id bigint REFERENCES bench_pg.bookings (id), seat_id bigint,
    PRIMARY KEY (booking_id, seat_id));
CREATE SEQUENCE bench_pg.next_pair;
"""


def postgres_alone(database_url: str, *, connections: int, seconds: float) -> dict[str, Any]:
    """Transactions per second and latency of ``pg_booking.sql`` with ``connections`` clients."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        return {"skipped": "pgbench is not installed (postgresql-client / postgresql-contrib)"}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("VACUUM ANALYZE bench_pg.seats")
    try:
        done = subprocess.run(
            [
                pgbench,
                "--no-vacuum",
                "--protocol=prepared",
                f"--client={connections}",
                "--jobs=2",
                f"--time={max(1, round(seconds))}",
                f"--file={SCRIPT}",
                database_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=False,
        )
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS bench_pg CASCADE")
    if done.returncode != 0:
        return {"skipped": f"pgbench failed: {done.stderr.strip()[-300:]}"}
    tps = re.search(r"tps = ([\d.]+)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    return {
        "connections": connections,
        "tps": float(tps.group(1)) if tps else 0.0,
        "latency_avg_ms": float(latency.group(1)) if latency else 0.0,
    }
