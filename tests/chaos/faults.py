"""The faults of a chaos run, done to one running system (``tests/support/system.py``) only.

* a replica of a gRPC service SIGKILLed, down for a while, started again;
* one gateway worker SIGKILLed (uvicorn's supervisor starts a new one);
* RabbitMQ's connections of this system's processes closed again and again for a while
  (``rabbitmqctl close_connection`` by the connection's name, which is its client address:
  other runs share the broker, so neither the broker nor anyone else's connections are touched);
* PostgreSQL's connections of one service terminated (``pg_terminate_backend``) in this
  system's database only.

Each fault returns its timeline (monotonic seconds): ``start``, ``restart`` (the fault lifted)
and ``serving`` (the victim back: a replica's health SERVING, a new worker started, every AMQP
client connected again).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import grpc
import psutil  # type: ignore[import-untyped]
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.system import System

AMQP_CLIENTS = ("inventory", "booking", "payment")


@dataclass
class Fault:
    name: str
    kind: str
    start: float = 0.0
    restart: float = 0.0
    serving: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


def _connect(url: str, attempts: int = 30) -> psycopg.Connection[tuple[object, ...]]:
    """A connection, waiting for a free slot: the server's max_connections is shared."""
    for _ in range(attempts - 1):
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            time.sleep(0.5)
    return psycopg.connect(url, autocommit=True)


def _serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1.0
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def _until(probe: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(probe):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not back within {timeout}s")
        await asyncio.sleep(0.05)


class Faults:
    def __init__(self, system: System, *, recover_timeout: float = 90.0) -> None:
        self.system = system
        self.recover_timeout = recover_timeout
        self.amqp_port = urlsplit(system.amqp_url).port or 5672

    # a replica of a gRPC service ------------------------------------------------------------
    async def kill_replica(self, replica: str, down_seconds: float) -> Fault:
        fault = Fault(f"kill {replica}", "replica")
        fault.start = time.monotonic()
        await asyncio.to_thread(self.system.kill_service, replica)
        # The outage itself lasts this long: a fault's duration, not a wait for a condition.
        await asyncio.sleep(down_seconds)
        fault.restart = time.monotonic()
        self.system.start_service(replica)
        port = self.system.ports[replica]
        await _until(lambda: _serving(port), self.recover_timeout, replica)
        fault.serving = time.monotonic()
        return fault

    # a gateway worker -----------------------------------------------------------------------
    def gateway_workers(self) -> list[int]:
        supervisor = psutil.Process(self.system.processes["gateway"].pid)
        workers = []
        for child in supervisor.children():
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(
                    child.cmdline()
                ):
                    workers.append(child.pid)
            except psutil.Error:
                continue  # gone (or a zombie) meanwhile
        return workers

    async def kill_gateway_worker(self) -> Fault:
        fault = Fault("kill a gateway worker", "gateway")
        before = self.gateway_workers()
        if len(before) < 2:
            raise AssertionError(f"expected two gateway workers, found {before}")
        victim = before[-1]
        fault.start = time.monotonic()
        os.kill(victim, signal.SIGKILL)

        def replaced() -> bool:
            now = self.gateway_workers()
            return victim not in now and len(now) == len(before)

        await _until(replaced, self.recover_timeout, "a new gateway worker")
        # uvicorn's supervisor starts the worker: the fault lifts as it appears, and it serves
        # once it has started up (its first successful reply cannot be told from the other's).
        fault.restart = fault.serving = time.monotonic()
        fault.detail["killed_pid"] = victim
        return fault

    # RabbitMQ ---------------------------------------------------------------------------------
    def _amqp_clients(self) -> dict[str, list[str]]:
        """RabbitMQ's name of every AMQP connection of this system's processes, by process."""
        names: dict[str, list[str]] = {}
        for process_name, process in list(self.system.processes.items()):
            if process_name.split("-")[0] not in AMQP_CLIENTS:
                continue
            try:
                sockets = psutil.Process(process.pid).net_connections(kind="tcp")
            except psutil.Error:
                continue
            names[process_name] = [
                f"{s.laddr.ip}:{s.laddr.port} -> {s.raddr.ip}:{s.raddr.port}"
                for s in sockets
                if s.raddr
                and s.raddr.port == self.amqp_port
                and s.status == psutil.CONN_ESTABLISHED
            ]
        return names

    async def _rabbitmqctl(self, *args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            "rabbitmqctl",
            *args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        out, _ = await process.communicate()
        return await process.wait(), out.decode(errors="replace")

    async def _broker_pids(self) -> dict[str, str]:
        """RabbitMQ's connection pid (what ``close_connection`` takes) by connection name."""
        status, out = await self._rabbitmqctl(
            "list_connections", "-q", "--no-table-headers", "pid", "name"
        )
        if status:
            raise AssertionError(f"rabbitmqctl list_connections failed ({status})")
        pids: dict[str, str] = {}
        for line in out.splitlines():
            pid, _, name = line.partition("\t")
            pids[name.strip()] = pid.strip()
        return pids

    async def cut_rabbitmq(self, seconds: float) -> Fault:
        """Close this system's AMQP connections, and the ones they open again, for ``seconds``."""
        fault = Fault("cut RabbitMQ connections", "rabbitmq")
        fault.start = time.monotonic()
        closed = 0
        while True:
            ours = {name for each in self._amqp_clients().values() for name in each}
            pids = [pid for name, pid in (await self._broker_pids()).items() if name in ours]
            outcomes = await asyncio.gather(
                *(self._rabbitmqctl("close_connection", pid, "chaos") for pid in pids)
            )
            closed += sum(1 for status, _ in outcomes if status == 0)
            if time.monotonic() - fault.start >= seconds:
                break
            await asyncio.sleep(0.2)
        fault.restart = time.monotonic()
        fault.detail["connections_closed"] = closed
        if not closed:
            raise AssertionError("no AMQP connection of this system was found to close")

        def reconnected() -> bool:
            clients = self._amqp_clients()
            return all(clients.get(name) for name in self.system.replica_names()
                       if name.split("-")[0] in AMQP_CLIENTS)  # fmt: skip

        await _until(reconnected, self.recover_timeout, "every AMQP connection")
        fault.serving = time.monotonic()
        return fault

    # PostgreSQL -------------------------------------------------------------------------------
    async def terminate_postgres(self, service: str) -> Fault:
        fault = Fault(f"terminate {service}'s PostgreSQL connections", "postgres")

        def terminate() -> int:
            with _connect(self.system.database_url) as conn:
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name LIKE %s",
                    (f"{service}%",),
                ).fetchall()
            return sum(1 for (done,) in rows if done)

        fault.start = time.monotonic()
        fault.detail["terminated"] = await asyncio.to_thread(terminate)
        fault.restart = fault.serving = time.monotonic()
        if not fault.detail["terminated"]:
            raise AssertionError(f"no PostgreSQL connection of {service} to terminate")
        return fault
