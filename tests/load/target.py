"""The system under test: started here on a database of its own, or one already running."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
from psycopg import sql

from tests.support.system import GRPC_SERVICES, JWT_SECRET, System

BENCH_URL = "BENCH_URL"
BENCH_DATABASE_URL = "BENCH_DATABASE_URL"
BENCH_JWT_SECRET = "BENCH_JWT_SECRET"
DEVELOPMENT_JWT_SECRET = "ticketing-development-secret-change-me"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"

# The processes and their settings as a production deployment on this machine would run them;
# the bench passes these to the system it starts (see docs/scaling.md for why).
BENCH_ENV: dict[str, str] = {}


class BenchSystem(System):
    """The test harness's system, with settings for one process only (``service_env``):
    ``WEB_CONCURRENCY`` means the gateway's workers but also the simulator's."""

    service_env: dict[str, dict[str, str]]

    def __init__(self, *, service_env: dict[str, dict[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.service_env = service_env

    def start_service(self, name: str) -> None:
        own = self.service_env.get(name)
        if not own:
            super().start_service(name)
            return
        saved = dict(self.extra_env)
        self.extra_env.update(own)
        try:
            super().start_service(name)
        finally:
            self.extra_env.clear()
            self.extra_env.update(saved)


@dataclass
class Target:
    base_url: str
    database_url: str
    jwt_secret: str
    service_pids: Callable[[], dict[str, list[int]]]
    started_here: bool

    def database_backends(self) -> list[int]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
        return [int(row[0]) for row in rows]


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _server_url() -> str:
    configured = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not configured:
        return DEFAULT_SERVER
    parts = urlsplit(_plain(configured))
    return urlunsplit(parts._replace(path="/postgres"))


def _database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def _by_command_line() -> dict[str, list[int]]:
    """Pids of a system someone else started (``python -m <service> serve``)."""
    wanted = {
        name: (f"-m {name} serve" if name != "simulator" else "-m payment_simulator")
        for name in (*GRPC_SERVICES, "gateway", "simulator")
    }
    found: dict[str, list[int]] = {name: [] for name in wanted}
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or ())
        for name, marker in wanted.items():
            if marker in command:
                found[name].append(process.pid)
    return found


@contextmanager
def running_system(log_dir: Path, settings: dict[str, str], replicas: int = 1) -> Iterator[Target]:
    """``BENCH_URL`` when set, else the whole system started on a fresh database (``replicas``
    of every service and as many gateway workers)."""
    url = os.environ.get(BENCH_URL)
    if url:
        database_url = os.environ.get(BENCH_DATABASE_URL) or os.environ.get("DATABASE_URL")
        if not database_url:
            raise SystemExit(f"{BENCH_URL} is set: set {BENCH_DATABASE_URL} too (for the checks)")
        yield Target(
            base_url=url.rstrip("/"),
            database_url=_plain(database_url),
            jwt_secret=os.environ.get(BENCH_JWT_SECRET)
            or os.environ.get("JWT_SECRET")
            or DEVELOPMENT_JWT_SECRET,
            service_pids=_by_command_line,
            started_here=False,
        )
        return
    server = _server_url()
    name = f"ticketing_bench_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    shared = {**BENCH_ENV, **{k: v for k, v in settings.items() if ":" not in k}}
    service_env: dict[str, dict[str, str]] = {}
    for key, value in settings.items():
        if ":" in key:
            service, variable = key.split(":", 1)
            service_env.setdefault(service, {})[variable] = value
    system = BenchSystem(
        service_env=service_env,
        database_url=_database(server, name),
        amqp_url=os.environ.get("TEST_AMQP_URL") or os.environ.get("AMQP_URL") or DEFAULT_AMQP,
        amqp_prefix=f"bench{uuid.uuid4().hex[:6]}.",
        log_dir=log_dir,
        extra_env=shared,
        replicas=replicas,
    )
    try:
        system.start()
        subprocess.run(
            [sys.executable, "-m", "catalog", "seed"],
            env=system.env(),
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield Target(
            base_url=system.base_url,
            database_url=system.database_url,
            jwt_secret=JWT_SECRET,
            service_pids=system.pids_by_service,
            started_here=True,
        )
    finally:
        system.stop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
