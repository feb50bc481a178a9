"""Running wrk with the bench's Lua scripts and reading back what they measured."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA_DIR = Path(__file__).resolve().parent / "lua"
INSTALL_HINT = (
    "wrk (the HTTP load generator) is not installed: `sudo apt-get install wrk` on Debian/Ubuntu, "
    "`brew install wrk` on macOS"
)
THREADS = 2


class WrkMissing(RuntimeError):
    pass


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(INSTALL_HINT)
    return path


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    statuses: dict[str, int] = field(default_factory=dict)
    created: int = 0
    exhausted: int = 0
    bytes: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _parse(stdout: str) -> dict[str, Any]:
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return parsed
    raise RuntimeError(f"wrk printed no result:\n{stdout}")


def run_wrk(
    url: str,
    script: str,
    args: list[str],
    *,
    connections: int,
    seconds: float,
    timeout_s: int = 10,
) -> WrkResult:
    """``wrk -t2 -c<connections> -d<seconds>`` with ``lua/<script>``; non-2xx counts come from the
    script's status tally when it keeps one, else from wrk's status errors (>= 400)."""
    command = [
        wrk_path(),
        f"-t{min(THREADS, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(LUA_DIR / script),
        url,
        "--",
        *args,
    ]
    done = subprocess.run(
        command, cwd=LUA_DIR, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    report = _parse(done.stdout)
    counters = report.get("counters", {})
    statuses = {str(k): int(v) for k, v in counters.get("statuses", {}).items()}
    errors = sum(
        int(report[key]) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    if statuses:
        non_2xx = sum(count for status, count in statuses.items() if not status.startswith("2"))
    else:
        non_2xx = int(report["status_errors"])
    return WrkResult(
        requests=int(report["requests"]),
        seconds=float(report["duration_us"]) / 1e6,
        p50_ms=float(report["p50_us"]) / 1000,
        p99_ms=float(report["p99_us"]) / 1000,
        errors=errors,
        non_2xx=non_2xx,
        statuses=statuses,
        created=int(counters.get("created", 0)),
        exhausted=int(counters.get("exhausted", 0)),
        bytes=int(report.get("bytes", 0)),
    )
