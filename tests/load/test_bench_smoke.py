"""The benchmark's smoke run in CI: every workload for a few seconds against the whole system,
asserting correctness only (never speed), so ``make bench`` cannot rot unnoticed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.load import bench
from tests.load.wrk import INSTALL_HINT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(shutil.which("wrk") is None, reason=INSTALL_HINT),
]


def test_every_workload_runs_and_the_database_agrees(
    tmp_path: Path, postgres_server_url: str, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BENCH_URL", raising=False)
    monkeypatch.setenv("TEST_DATABASE_URL", postgres_server_url)
    monkeypatch.setenv("TEST_AMQP_URL", amqp_url)

    status = bench.main(["--smoke", "--out", str(tmp_path), "--no-readme"])

    result = json.loads((tmp_path / "smoke.json").read_text())
    assert result["problems"] == [], result["problems"]
    assert all(result["checks"]["passed"].values()), result["checks"]["details"]
    assert set(result["workloads"]) == set(bench.WORKLOADS)
    assert result["workloads"]["d"]["exactly_one"]
    assert result["workloads"]["d"]["errors"] == 0
    assert result["workloads"]["f"]["confirmed"] > 0
    on_sale = result["workloads"]["g"]
    assert on_sale["confirmed"] > 0 and on_sale["errors"] == 0, on_sale["note"]
    assert any(name.startswith("g: ") for name in result["checks"]["passed"])
    assert (tmp_path / "smoke.md").read_text().startswith("Run ")
    assert status == 0
