"""`make bench` / `make bench-smoke`: the on-sale workloads through the HTTP gateway.

Starts the whole system on a database of its own (or uses ``BENCH_URL``), creates the bench
catalog through the API, runs workloads a-f (each warmed up, then measured for a fixed time)
and the on-sale g (see ``tests.load.onsale``),
checks the database against what the load generators saw, and writes
``bench-results/latest.{json,md}`` (``smoke.{json,md}`` for a smoke run; a copy of every run
under ``bench-results/runs/``; the services' logs in memory, see ``_logs_dir``). A full run also
puts the table into the README's Performance section. Exit status: 0 when every
correctness check passed (speed is reported, never asserted), 1 otherwise, 2 without wrk.

    python -m tests.load.bench [--smoke] [--only a,b,...] [--env [service:]NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx

from gateway.auth import TokenSettings
from tests.load import report
from tests.load.checks import Checks, check_database
from tests.load.cpu import CpuMeter
from tests.load.data import Catalog, Users
from tests.load.onsale import FULL_ONSALE, SMOKE_ONSALE, run_on_sale
from tests.load.onsale_checks import check_on_sale
from tests.load.pgonly import postgres_alone
from tests.load.target import running_system
from tests.load.workloads import FULL, SMOKE, Bench
from tests.load.wrk import WrkMissing, wrk_path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
WORKLOADS = ("a", "b", "c32", "c128", "d", "e", "f", "g")
CEILING = "pg"  # PostgreSQL alone running the booking transaction (pgbench); full runs only
MEMORY_LOGS = Path("/dev/shm/ticketing-bench")
MEMORY_LOGS_ROOM = 512 * 1024 * 1024
MEMORY_LOGS_KEPT = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds per workload")
    parser.add_argument("--only", default="", help="workloads, e.g. a,c32 (pg: PostgreSQL alone)")
    parser.add_argument("--seconds", type=float, help="measured seconds per workload")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        help="[service:]NAME=VALUE for the started system (gateway:WEB_CONCURRENCY=2)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="replicas of every service and gateway workers in the started system (default 1); "
        "a run with more is kept as replicas<N>.{json,md} and leaves README.md alone",
    )
    parser.add_argument("--label", default="", help="a name for this run (results file)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument(
        "--logs",
        type=Path,
        help="where the started services write their logs (default: memory when it has room)",
    )
    return parser


def _run(bench: Bench, only: list[str]) -> dict[str, dict[str, Any]]:
    catalog = bench.catalog
    results: dict[str, dict[str, Any]] = {}
    for name in only:
        print(f"bench: workload {name} …", file=sys.stderr, flush=True)
        if name == "a":
            show = catalog.show(big=False)
            results[name] = bench.seat_map("100-seat map", show, 32)
        elif name == "b":
            show = catalog.show(big=True)
            results[name] = bench.seat_map("10,000-seat map", show, 8)
        elif name in ("c32", "c128"):
            conns = int(name[1:])
            results[name] = bench.fresh_seats(
                name, "create booking, 2 seats", "/bookings", 2, conns
            )
        elif name == "d":
            results[name] = bench.hot_seat()
        elif name == "e":
            results[name] = bench.fresh_seats(name, "hold one seat", "/bookings/hold-seats", 1, 32)
        elif name == "f":
            results[name] = bench.purchase()
        elif name == "g":
            plan = SMOKE_ONSALE if bench.plan.mode == "smoke" else FULL_ONSALE
            results[name] = run_on_sale(bench, plan)
        w = results[name]
        print(
            f"bench: {name}: {w['rate']:.1f}/s p50 {w['p50_ms']:.1f} ms p99 {w['p99_ms']:.1f} ms "
            f"errors {w['errors']} non-2xx {w['non_2xx']} cpu {w['cpu']}",
            file=sys.stderr,
            flush=True,
        )
    return results


def _correct(workloads: dict[str, dict[str, Any]], checks: Checks) -> list[str]:
    """Failures a smoke run must not have: anything but speed."""
    problems = [f"check failed: {name}" for name, ok in checks.passed.items() if not ok]
    for name, w in workloads.items():
        if w.get("exhausted"):
            problems.append(f"{name}: ran out of fresh seats")
        if name == "d" and not w["exactly_one"]:
            problems.append("d: not exactly one success per hot seat")
        if name in ("c32", "c128", "e", "d") and w["errors"]:
            problems.append(f"{name}: {w['errors']} errors")
        statuses = w.get("statuses", {})
        bad = {s: n for s, n in statuses.items() if s != "201" and not (name == "d" and s == "409")}
        if bad:
            problems.append(f"{name}: unexpected replies {bad}")
        if name in ("a", "b") and (w["non_2xx"] or w["errors"] or not w["requests"]):
            problems.append(f"{name}: {w['non_2xx']} non-2xx, {w['errors']} errors")
        if name == "f" and (w["errors"] or not w["confirmed"]):
            problems.append(f"f: {w['note']}")
        if name == "g" and (w["errors"] or w["failures"] or not w["confirmed"]):
            problems.append(f"g: {w['errors']} errors, failures {w['failures']}")
    return problems


def _logs_dir(run_dir: Path, requested: Path | None) -> Path:
    """Where the services the bench starts write their logs.

    Under load they write about 2 MB/s of access logs. On the disk that also holds PostgreSQL's
    WAL, the kernel's periodic writeback of those files made commits wait on WAL sync for up to
    600 ms every few seconds (seen as p99 135-190 ms on c32, against 124-142 ms with the logs in
    memory). In production the logs leave the machine on stdout, so by default they go to memory
    (``/dev/shm``, the last few runs kept) when it has room, and next to the results otherwise.
    """
    memory = MEMORY_LOGS.parent
    if requested is None and memory.is_dir() and shutil.disk_usage(memory).free >= MEMORY_LOGS_ROOM:
        MEMORY_LOGS.mkdir(exist_ok=True)
        earlier = sorted(MEMORY_LOGS.iterdir(), key=lambda path: path.stat().st_mtime)
        for stale in earlier[: max(0, len(earlier) - MEMORY_LOGS_KEPT + 1)]:
            shutil.rmtree(stale, ignore_errors=True)
        requested = MEMORY_LOGS / run_dir.name
    logs_dir = requested or run_dir / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    return logs_dir


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        wrk_path()
    except WrkMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    plan = SMOKE if args.smoke else FULL
    if args.seconds:
        plan = type(plan)(**{**plan.__dict__, "seconds": args.seconds})
    only = [name for name in args.only.split(",") if name]
    if not only:
        only = [*WORKLOADS] if args.smoke else [*WORKLOADS, CEILING]
    unknown = set(only) - {*WORKLOADS, CEILING}
    if unknown:
        print(f"bench: unknown workloads {sorted(unknown)}; choose from {WORKLOADS}")
        return 2
    extra_env = dict(item.split("=", 1) for item in args.env)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_dir = (
        args.out
        / "runs"
        / f"{started.replace(':', '')}-{plan.mode}{args.label and '-'}{args.label}"
    )
    (run_dir / "data").mkdir(parents=True, exist_ok=True)
    logs_dir = _logs_dir(run_dir, args.logs)
    print(f"bench: service logs in {logs_dir}", file=sys.stderr, flush=True)
    machine = report.machine()

    with running_system(logs_dir, extra_env, replicas=args.replicas) as target:
        users = Users(TokenSettings(target.jwt_secret, "ticketing", "ticketing-api"))
        admin = users.token("00000000-0000-4000-8000-00000000be4c", "admin")
        with httpx.Client(base_url=target.base_url) as client:
            bench = Bench(
                base_url=target.base_url,
                plan=plan,
                catalog=Catalog(client, admin).create(),
                users=users,
                meter=CpuMeter(target.service_pids, target.database_backends),
                data_dir=run_dir / "data",
            )
            names = [name for name in only if name != CEILING]
            workloads = _run(bench, [name for name in names if name != "g"])
            ceiling: dict[str, Any] = {}
            if CEILING in only:
                print("bench: PostgreSQL alone (pgbench) …", file=sys.stderr, flush=True)
                ceiling = postgres_alone(target.database_url, connections=32, seconds=plan.seconds)
            # Checked before the on-sale: it runs longer than workload e's holds last.
            seen = bench.seen
            checks = check_database(
                target.database_url,
                booking_ids=seen.booking_ids,
                confirmed_ids=seen.confirmed_ids,
                hold_shows=seen.hold_shows,
                holds_seen=seen.holds,
                holds_in_flight=seen.holds_in_flight,
                hot_seats=seen.hot_seats if "d" in only else [],
            )
            if "g" in names:
                workloads.update(_run(bench, ["g"]))
                workloads["g"]["database"] = check_on_sale(
                    target.database_url, workloads["g"]["show_id"], checks
                )
    problems = _correct(workloads, checks)
    result = {
        "started_at": started,
        "mode": plan.mode,
        "label": args.label,
        "seconds": plan.seconds,
        "warmup_seconds": plan.warmup,
        "target": "started by the bench" if target.started_here else target.base_url,
        "system_env": extra_env,
        "replicas": args.replicas,
        "logs": str(logs_dir),
        "machine": machine,
        "workloads": workloads,
        "postgres_alone": ceiling,
        "checks": {"passed": checks.passed, "details": checks.details},
        "correct": not problems,
        "problems": problems,
    }
    table = report.markdown(result)
    (run_dir / "result.json").write_text(json.dumps(result, indent=2))
    (run_dir / "result.md").write_text(table)
    shutil.rmtree(run_dir / "data", ignore_errors=True)
    args.out.mkdir(exist_ok=True)
    # A smoke run never replaces the latest measurement.
    name = "latest" if plan.mode == "full" else "smoke"
    if args.replicas > 1:
        name = f"replicas{args.replicas}" + ("" if plan.mode == "full" else "-smoke")
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2))
    (args.out / f"{name}.md").write_text(table)
    if plan.mode == "full" and args.replicas == 1 and not args.no_readme:
        report.update_readme(ROOT / "README.md", table)
    print(table)
    for problem in problems:
        print(f"bench: {problem}", file=sys.stderr)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
