"""`make bench-chaos`: the chaos run with longer outages and more users than the test's.

Starts two replicas of everything on a database and AMQP prefix of its own, runs
``scenario.BENCH_PLAN`` (or ``--users``/``--down``/``--settle``/``--cut``), and writes
``bench-results/chaos.{json,md}``. Exit status 0 when every check passed.

    python -m tests.chaos [--users 48] [--down 5] [--settle 15] [--cut 10] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from tests.chaos.scenario import BENCH_PLAN, TEST_PLAN, chaos_system, run_chaos, summary
from tests.support.broker_cleanup import delete_topology_sync

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tests.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the test's short plan")
    parser.add_argument("--users", type=int, help="concurrent users")
    parser.add_argument("--down", type=float, help="seconds a killed replica stays down")
    parser.add_argument("--settle", type=float, help="seconds of load after each fault")
    parser.add_argument("--cut", type=float, help="seconds RabbitMQ's connections stay cut")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    return parser


def _markdown(report: dict[str, object]) -> str:
    return "```\n" + summary(report) + "\n```\n"  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    plan = TEST_PLAN if args.smoke else BENCH_PLAN
    changes = {
        "users": args.users,
        "down_seconds": args.down,
        "settle_seconds": args.settle,
        "cut_seconds": args.cut,
    }
    plan = dataclasses.replace(plan, **{k: v for k, v in changes.items() if v is not None})
    server = urlsplit(
        (os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER).replace(
            "postgresql+psycopg://", "postgresql://", 1
        )
    )
    server_url = urlunsplit(server._replace(path="/postgres"))
    amqp_url = os.environ.get("TEST_AMQP_URL") or DEFAULT_AMQP
    name = f"ticketing_chaos_{uuid.uuid4().hex[:8]}"
    prefix = f"chaos{uuid.uuid4().hex[:6]}."
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    logs = Path(tempfile.mkdtemp(prefix="ticketing-chaos-"))
    print(f"chaos: service logs in {logs}", file=sys.stderr, flush=True)
    system = chaos_system(urlunsplit(server._replace(path=f"/{name}")), amqp_url, prefix, logs)
    stem = "chaos" if plan.mode == "bench" else "chaos-smoke"
    try:
        system.start(timeout=300)
        outcome = asyncio.run(run_chaos(system, plan, args.out / f"{stem}.json"))
    finally:
        system.stop()
        delete_topology_sync(amqp_url, prefix)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    (args.out / f"{stem}.md").write_text(_markdown(outcome.report))
    print(json.dumps(outcome.report["faults"], indent=2))
    return 0 if not outcome.problems else 1


if __name__ == "__main__":
    sys.exit(main())
