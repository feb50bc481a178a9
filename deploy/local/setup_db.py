"""Create the Ticketing database if it is missing, then migrate every service's own schema."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SERVICES = ("catalog", "inventory", "booking", "payment", "waitingroom", "gateway")


def ensure_database(url: str) -> None:
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    parts = urlsplit(plain)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main() -> int:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ticketing")
    ensure_database(url)
    for service in SERVICES:
        subprocess.run([sys.executable, "-m", service, "migrate"], check=True)
        print(f"migrated schema {service}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
