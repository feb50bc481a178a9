"""Check that PostgreSQL, RabbitMQ and Redis are reachable before running or testing Ticketing.

`python deploy/local/preflight.py` exits non-zero with a plain explanation (which server, how to
start it) instead of a traceback. With `--test-env` it prints `export` lines that point the tests
at the local servers when they answer and TEST_* variables are not set already.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from urllib.parse import urlsplit

HOW_TO_START = {
    "PostgreSQL": (
        "start it with `sudo pg_ctlcluster <version> main start` (Debian), "
        "`brew services start postgresql` (macOS), or `docker compose up -d postgres`"
    ),
    "RabbitMQ": (
        "start it with `sudo rabbitmq-server -detached`, `brew services start rabbitmq`, "
        "or `docker compose up -d rabbitmq`"
    ),
    "Redis": (
        "start it with `redis-server --daemonize yes --save '' --appendonly no`, "
        "`brew services start redis`, or `docker compose up -d redis` "
        "(or set REDIS_URL=none to keep the rate limit in each gateway process)"
    ),
}


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def check_postgres(url: str) -> str | None:
    if not reachable(url, 5432):
        return f"PostgreSQL is not reachable at {url}"
    import psycopg

    server = url.replace("postgresql+psycopg://", "postgresql://", 1)
    server = server.rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {url} refused the connection: {exc}".strip()
    return None


def check_rabbitmq(url: str) -> str | None:
    if not reachable(url, 5672):
        return f"RabbitMQ is not reachable at {url}"
    return None


def check_redis(url: str) -> str | None:
    if url == "none":
        return None
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
    except OSError:
        return f"Redis is not reachable at {url}"
    if not reply.startswith(b"+PONG"):
        return f"Redis at {url} did not answer PING: {reply!r}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--test-env", action="store_true", help="print export lines for tests")
    args = parser.parse_args()

    if args.test_env:
        local_pg = "postgresql://postgres@127.0.0.1:5432/postgres"
        local_amqp = "amqp://guest:guest@127.0.0.1:5672/"
        if "TEST_DATABASE_URL" not in os.environ and check_postgres(local_pg) is None:
            print(f"export TEST_DATABASE_URL={local_pg}")
        if "TEST_AMQP_URL" not in os.environ and check_rabbitmq(local_amqp) is None:
            print(f"export TEST_AMQP_URL={local_amqp}")
        local_redis = "redis://127.0.0.1:6379/0"
        if "TEST_REDIS_URL" not in os.environ and check_redis(local_redis) is None:
            print(f"export TEST_REDIS_URL={local_redis}")
        return 0

    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ticketing")
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    problems = [
        (name, problem)
        for name, problem in (
            ("PostgreSQL", check_postgres(database_url)),
            ("RabbitMQ", check_rabbitmq(amqp_url)),
            ("Redis", check_redis(redis_url)),
        )
        if problem
    ]
    for name, problem in problems:
        print(f"✗ {problem}\n  {HOW_TO_START[name]}", file=sys.stderr)
    if problems:
        print("Set DATABASE_URL / AMQP_URL / REDIS_URL to use other servers.", file=sys.stderr)
        return 1
    print(f"✓ PostgreSQL {database_url}\n✓ RabbitMQ {amqp_url}\n✓ Redis {redis_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
