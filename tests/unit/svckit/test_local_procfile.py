"""`make run REPLICAS=N`'s Procfile: N of every service on distinct ports, callers given every
replica, pools split among replicas; with N = 1 the checked-in Procfile."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def render(replicas: int) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy/local/procfile.py"), "--replicas", str(replicas)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_one_replica_is_the_checked_in_procfile() -> None:
    assert render(1) == (ROOT / "deploy/local/Procfile").read_text()


def test_two_replicas_of_every_service_on_distinct_ports_known_to_every_caller() -> None:
    lines = dict(line.split(": ", 1) for line in render(2).splitlines())
    services = ("catalog", "inventory", "booking", "payment", "waitingroom")
    assert set(lines) == {*services, *(f"{s}-2" for s in services), "simulator", "gateway", "ready"}
    ports = [re.search(r"GRPC_PORT=(\d+)", lines[name]) for name in lines]
    grpc_ports = [int(match.group(1)) for match in ports if match]
    assert len(grpc_ports) == len(set(grpc_ports)) == 10
    assert "INVENTORY_ADDR=127.0.0.1:7052,127.0.0.1:7062" in lines["booking-2"]
    assert "BOOKING_ADDR=127.0.0.1:7053,127.0.0.1:7063" in lines["gateway"]
    assert "WAITINGROOM_ADDR=127.0.0.1:7055,127.0.0.1:7065" in lines["inventory"]
    assert "WEB_CONCURRENCY=2" in lines["gateway"]
    assert "INVENTORY_DB_POOL_SIZE=6" in lines["inventory-2"]  # 12 split over two
