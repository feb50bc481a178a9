"""The whole Ticketing system as real processes, for end-to-end tests and the benchmark.

Every service runs as `python -m <service> serve` against the run's own database and AMQP prefix,
on free ports, exactly as `make run` starts them. Logs go to one file per process, which a failing
test prints. With ``replicas=N`` every gRPC service runs N times (processes ``inventory``,
``inventory-2``, …; callers get the list of every replica's address) and the gateway N workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.broker_cleanup import delete_topology_sync

GRPC_SERVICES = ("catalog", "inventory", "booking", "payment", "waitingroom")
# Database connections per process of each service with one replica (the services' defaults).
# N replicas (N gateway workers) share them, so N does not multiply what PostgreSQL must allow
# (max_connections is 100 by default, and the server may be shared with other runs).
POOL_BUDGET = {
    "gateway": 5,
    "catalog": 5,
    "inventory": 12,
    "booking": 10,
    "payment": 10,
    "waitingroom": 5,
}
JWT_SECRET = "ticketing-e2e-secret-0123456789abcdef"  # >= 32 bytes: PyJWT warns on less
WEBHOOK_SECRET = "whsec_ticketing_e2e"


# The whole system a package's tests run against (e2e, browser, chaos), for the log tails
# tests/conftest.py attaches to a failed test's report.
SYSTEM_KEY = pytest.StashKey["System"]()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    database_url: str
    amqp_url: str
    amqp_prefix: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    replicas: int = 1
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (*self.replica_names(), "simulator", "gateway"):
            self.ports[name] = free_port()

    def replica_names(self, service: str | None = None) -> list[str]:
        """Process names of the gRPC services' replicas (of ``service`` alone if given)."""
        services = GRPC_SERVICES if service is None else (service,)
        return [
            name if i == 0 else f"{name}-{i + 1}" for name in services for i in range(self.replicas)
        ]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TEST_", "PYTEST"))
        }
        env.update(
            ENV="development",
            LOG_LEVEL="INFO",
            DATABASE_URL=self.database_url,
            AMQP_URL=self.amqp_url,
            AMQP_PREFIX=self.amqp_prefix,
            REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
            RATE_LIMIT_KEY_PREFIX=f"{self.amqp_prefix}ratelimit:",
            METRICS_PORT="0",
            JWT_SECRET=JWT_SECRET,
            PAYMENT_WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            PORT=str(self.ports["gateway"]),
            SIMULATOR_PORT=str(self.ports["simulator"]),
            PUBLIC_URL=f"http://127.0.0.1:{self.ports['simulator']}",
            PAYMENT_PROVIDER_URL=f"http://127.0.0.1:{self.ports['simulator']}",
            WEBHOOK_URL=f"{self.base_url}/api/v1/payments/webhook",
            **{
                f"{name.upper()}_ADDR": ",".join(
                    f"127.0.0.1:{self.ports[replica]}" for replica in self.replica_names(name)
                )
                for name in GRPC_SERVICES
            },
        )
        env.update(self.extra_env)
        if self.replicas > 1:
            for name, default in POOL_BUDGET.items():
                own = f"{name.upper()}_DB_POOL_SIZE"
                size = int(env.get(own) or env.get("DB_POOL_SIZE") or default)
                env[own] = str(max(2, size // self.replicas))
        return env

    def migrate(self) -> None:
        for service in (*GRPC_SERVICES, "gateway"):
            subprocess.run(
                [sys.executable, "-m", service, "migrate"],
                env=self.env(),
                check=True,
                capture_output=True,
            )

    def command(self, name: str) -> list[str]:
        if name == "simulator":
            return [sys.executable, "-m", "payment_simulator"]
        return [sys.executable, "-m", name.split("-")[0], "serve"]

    def processes_of(self, name: str) -> list[str]:
        """A gRPC service's name stands for all its replicas; any other name for itself."""
        return self.replica_names(name) if name in GRPC_SERVICES else [name]

    def start_service(self, name: str) -> None:
        """Start ``name`` (every replica of a service, or the one replica ``inventory-2``)."""
        for each in self.processes_of(name):
            self._start_process(each)

    def _start_process(self, name: str) -> None:
        env = self.env()
        if name.split("-")[0] in GRPC_SERVICES:
            env["GRPC_PORT"] = str(self.ports[name])
        if name == "gateway" and self.replicas > 1:
            env.setdefault("WEB_CONCURRENCY", str(self.replicas))
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            self.command(name), env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def stop_service(self, name: str, timeout: float = 15.0) -> None:
        for each in self.processes_of(name):
            process = self.processes.pop(each, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def kill_service(self, name: str) -> None:
        """SIGKILL: the process dies mid-flight, as on a crash or an OOM kill."""
        for each in self.processes_of(name):
            process = self.processes.pop(each, None)
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    def start(self, timeout: float = 90.0) -> None:
        self.migrate()
        for name in (
            "inventory",
            "catalog",
            "booking",
            "payment",
            "waitingroom",
            "simulator",
            "gateway",
        ):
            self.start_service(name)
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early:\n{self.logs(name)}")
            try:
                response = httpx.get(f"{self.base_url}/api/v1/health", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.25)
        raise RuntimeError(f"system not healthy in {timeout}s: {last}\n{self.all_logs()}")

    def stop(self) -> None:
        """Stop every process, then delete the queues and exchanges of this system's prefix."""
        for name in list(self.processes):
            self.stop_service(name)
        delete_topology_sync(self.amqp_url, self.amqp_prefix)

    def pids_by_service(self) -> dict[str, list[int]]:
        """Root pids of each service's processes (its replicas together)."""
        pids: dict[str, list[int]] = {}
        for name, process in self.processes.items():
            pids.setdefault(name.split("-")[0], []).append(process.pid)
        return pids

    def logs(self, name: str, tail: int = 60) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        lines = path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def all_logs(self, tail: int = 30) -> str:
        return "\n".join(
            f"--- {name} ---\n{self.logs(name, tail)}"
            for name in (*self.replica_names(), "simulator", "gateway")
        )
