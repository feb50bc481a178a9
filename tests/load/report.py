"""The result file, the Markdown table and the README's Performance section."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any

import psutil

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

# workload → (what it must reach, how to tell)
TARGETS: dict[str, tuple[str, Any]] = {
    "a": ("≥ 1,000 req/s, p99 ≤ 50 ms", lambda w: w["rate"] >= 1000 and w["p99_ms"] <= 50),
    "b": ("≥ 50 req/s", lambda w: w["rate"] >= 50),
    "c32": ("≥ 400 /s, p99 ≤ 150 ms", lambda w: w["rate"] >= 400 and w["p99_ms"] <= 150),
    "d": (
        "burst ≤ 300 ms, 1 success, 0 5xx",
        lambda w: w["p50_ms"] <= 300 and w["errors"] == 0 and w["exactly_one"],
    ),
    "e": ("≥ 650 /s", lambda w: w["rate"] >= 650),
}

CPU_COLUMNS = ("gateway", "catalog", "inventory", "booking", "payment", "postgres", "loadgen")


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }


def target_status(name: str, workload: dict[str, Any]) -> tuple[str, str]:
    if name not in TARGETS:
        return "", ""
    text, met = TARGETS[name]
    return text, ("yes" if met(workload) else "no")


def _cpu(split: dict[str, float], group: str) -> str:
    return f"{split.get(group, 0.0) * 100:.0f}"


# Workloads given as a share of PostgreSQL alone (same run), so that machines compare.
_SHARES = {"a": "seat maps", "c32": "bookings", "c128": "bookings", "e": "holds"}


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Run {result['started_at']} ({result['mode']}, {result['seconds']} s per workload "
        f"after {result['warmup_seconds']} s warm-up) on {m['nproc']} x {m['cpu']}, "
        f"{m['ram_gb']} GB RAM; load average before the run {m['load_before']}."
        + (
            f" {result['replicas']} replicas of every service, {result['replicas']} gateway"
            " workers."
            if result.get("replicas", 1) > 1
            else ""
        ),
        "",
        "| workload | conns | req/s | p50 ms | p99 ms | errors | non-2xx | target | met | "
        "CPU ms/req | CPU % gw / cat / inv / book / pay / pg / loadgen / other |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---|",
    ]
    for name, w in result["workloads"].items():
        split = w.get("cpu", {})
        cpu = " / ".join(_cpu(split, group) for group in (*CPU_COLUMNS, "other"))
        target, met = target_status(name, w)
        lines.append(
            f"| {name}. {w['title']} | {w['connections']} | {w['rate']:,.1f} | "
            f"{w['p50_ms']:.1f} | {w['p99_ms']:.1f} | {w['errors']} | {w['non_2xx']} | "
            f"{target} | {met} | {w.get('cpu_ms_per_request', 0):.2f} | {cpu} |"
        )
    lines.append("")
    lines.append(
        "CPU ms/req: CPU time of gateway, services, PostgreSQL, RabbitMQ and Redis per request "
        "(for f: "
        "per purchase; for d: per booking attempt; for g: per seat sold, over the sale). CPU %: "
        "share of one core over the measured window; other = the rest of the machine (anything "
        "else running at the time)."
    )
    for name, w in result["workloads"].items():
        if w.get("note"):
            lines.append(f"- {name}: {w['note']}")
    ceiling = result.get("postgres_alone") or {}
    if ceiling.get("tps"):
        lines.append(
            f"- PostgreSQL alone running the booking transaction (pgbench, lock two seats, take "
            f"them, insert booking and seat lines; {ceiling['connections']} clients, same "
            f"machine, same time): {ceiling['tps']:,.0f} tx/s."
        )
        for name, unit in _SHARES.items():
            if name in result["workloads"]:
                rate = result["workloads"][name]["rate"]
                lines.append(
                    f"- {name}: {rate:,.0f} {unit}/s = {rate / ceiling['tps'] * 100:.1f} % of "
                    "what PostgreSQL alone allows."
                )
    elif ceiling.get("skipped"):
        lines.append(f"- PostgreSQL alone: skipped ({ceiling['skipped']})")
    for name, w in result["workloads"].items():
        if w.get("steps"):
            lines.extend(steps_table(name, w))
    lines.append("")
    checks = result["checks"]
    lines.append("Database checks after the run:")
    for check, ok in checks["passed"].items():
        lines.append(f"- {'✔' if ok else '✘'} {check}: {checks['details'][check]}")
    return "\n".join(lines) + "\n"


def steps_table(name: str, workload: dict[str, Any]) -> list[str]:
    """A workload's latency per step (the on-sale's join, admitted wait, map read, ...)."""
    steps = workload["steps"]
    lines = [
        "",
        f"{name}. per step (admitted wait: from onSaleAt; map read: opening the seat stream "
        "until `ready`, then one read of the map):",
        "",
        "| step | n | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for step, figures in steps.items():
        lines.append(
            f"| {step.replace('_', ' ')} | {figures['n']} | {figures['p50_ms']:,.1f} | "
            f"{figures['p99_ms']:,.1f} |"
        )
    return lines


def update_readme(readme: Path, table: str) -> bool:
    """Replace the text between the bench markers; False when the README has none."""
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        return False
    replacement = f"{README_START}\n{table}{README_END}"
    readme.write_text(pattern.sub(lambda _: replacement, text))
    return True
