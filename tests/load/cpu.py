"""Where the CPU went during a workload, read from /proc (psutil) before and after it.

Groups are the gateway (with its uvicorn workers), each service, PostgreSQL (the backends of the
bench database, plus the server's own background processes), RabbitMQ, Redis (the gateways'
shared rate limit) and the load generator
(wrk, a child of this process, or this process itself for the Python drivers). ``other`` is the
rest of the machine: on a shared machine that is whatever else ran at the same time.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

SERVICE_GROUPS = ("gateway", "catalog", "inventory", "booking", "payment", "simulator")


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _with_children(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Snapshot:
    at: float
    per_process: dict[int, tuple[str, float]]
    machine_busy: float
    own: float
    children: float


class CpuMeter:
    """``service_pids`` maps a group to its root pids; ``database_pids`` returns the pids of the
    bench database's backends (asked of pg_stat_activity at each snapshot)."""

    def __init__(
        self,
        service_pids: Callable[[], dict[str, list[int]]],
        database_pids: Callable[[], Iterable[int]],
    ) -> None:
        self._service_pids = service_pids
        self._database_pids = database_pids

    def _processes(self) -> dict[int, tuple[str, psutil.Process]]:
        found: dict[int, tuple[str, psutil.Process]] = {}
        for group, pids in self._service_pids().items():
            for pid in pids:
                for process in _with_children(pid):
                    found[process.pid] = (group, process)
        backends = set(self._database_pids())
        for process in psutil.process_iter(["name", "ppid"]):
            name = process.info["name"] or ""
            if process.pid in found:
                continue
            if name in ("postgres", "postmaster"):
                # Backends of other databases (tests running next to the bench) are not ours;
                # the server's background processes (WAL writer, checkpointer...) are shared.
                if process.pid in backends or _is_background_postgres(process):
                    found[process.pid] = ("postgres", process)
            elif name in ("beam.smp", "erl_child_setup"):
                found[process.pid] = ("rabbitmq", process)
            elif name == "redis-server":
                found[process.pid] = ("redis", process)
        return found

    def snapshot(self) -> Snapshot:
        per_process: dict[int, tuple[str, float]] = {}
        for pid, (group, process) in self._processes().items():
            try:
                per_process[pid] = (group, _cpu_seconds(process))
            except psutil.Error:
                continue
        return Snapshot(
            at=time.monotonic(),
            per_process=per_process,
            machine_busy=_machine_busy_seconds(),
            own=_cpu_seconds(psutil.Process(os.getpid())),
            children=_children_seconds(),
        )

    @staticmethod
    def split(before: Snapshot, after: Snapshot) -> dict[str, float]:
        """Per group, the share of one core used over the window (1.0 = one core busy)."""
        wall = max(after.at - before.at, 1e-6)
        seconds: dict[str, float] = {}
        for pid, (group, used) in after.per_process.items():
            start = before.per_process.get(pid, (group, 0.0))[1]
            seconds[group] = seconds.get(group, 0.0) + max(used - start, 0.0)
        # wrk ran as a child of this process and was waited for: its CPU is in RUSAGE_CHILDREN.
        seconds["loadgen"] = (after.own - before.own) + (after.children - before.children)
        accounted = sum(seconds.values())
        seconds["system"] = accounted - seconds["loadgen"]
        seconds["other"] = max(after.machine_busy - before.machine_busy - accounted, 0.0)
        seconds["machine"] = after.machine_busy - before.machine_busy
        shares = {group: round(value / wall, 3) for group, value in sorted(seconds.items())}
        shares["window_s"] = round(wall, 3)
        return shares


def cpu_ms_per_request(split: dict[str, float], requests: int) -> float:
    """CPU the system under test (gateway, services, PostgreSQL, RabbitMQ) spent per request."""
    return round(split.get("system", 0.0) * split.get("window_s", 0.0) * 1000 / max(requests, 1), 2)


def _is_background_postgres(process: psutil.Process) -> bool:
    """The postmaster and its auxiliary processes (not a client backend)."""
    try:
        title = " ".join(process.cmdline())
    except psutil.Error:
        return False
    auxiliaries = ("checkpointer", "writer", "walwriter", "autovacuum", "logical", "stats")
    return "postgres:" not in title or any(word in title for word in auxiliaries)
