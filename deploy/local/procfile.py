"""Print the Procfile `make run` starts: `python deploy/local/procfile.py --replicas N`.

Replica ``i`` (from 0) of a service listens on its base port + 10 * i (catalog 7051, 7061, …) and
every caller is given the list of all replicas' addresses, over which its gRPC channel balances.
The gateway runs N workers on one port. With N > 1 each service's database pool is split among
its replicas, so the whole system keeps to the connections one replica of each would use. With
N = 1 the output is ``deploy/local/Procfile`` (dev.env has the single addresses).
"""

from __future__ import annotations

import argparse
import sys

# service: (gRPC port, metrics port, database pool of one replica)
SERVICES = {
    "catalog": (7051, 9101, 5),
    "inventory": (7052, 9102, 12),
    "booking": (7053, 9103, 10),
    "payment": (7054, 9104, 10),
    "waitingroom": (7055, 9105, 5),
}
GATEWAY_PORT = 8001
GATEWAY_POOL = 5
SIMULATOR_PORT = 8010
REPLICA_PORT_STEP = 10


def addresses(replicas: int) -> str:
    """``CATALOG_ADDR=127.0.0.1:7051,127.0.0.1:7061 …`` for every service."""
    return " ".join(
        f"{name.upper()}_ADDR="
        + ",".join(f"127.0.0.1:{grpc + REPLICA_PORT_STEP * i}" for i in range(replicas))
        for name, (grpc, _, _) in SERVICES.items()
    )


def render(replicas: int) -> str:
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    several = replicas > 1
    callers = f" {addresses(replicas)}" if several else ""
    lines = []
    for name, (grpc, metrics, pool) in SERVICES.items():
        pool_env = f" {name.upper()}_DB_POOL_SIZE={max(2, pool // replicas)}" if several else ""
        for i in range(replicas):
            process = name if i == 0 else f"{name}-{i + 1}"
            step = REPLICA_PORT_STEP * i
            lines.append(
                f"{process}: GRPC_PORT={grpc + step} METRICS_PORT={metrics + step}{pool_env}"
                f"{callers} python -m {name} serve"
            )
    lines.append(f"simulator: SIMULATOR_PORT={SIMULATOR_PORT} python -m payment_simulator")
    workers = (
        f" WEB_CONCURRENCY={replicas} GATEWAY_DB_POOL_SIZE={max(2, GATEWAY_POOL // replicas)}"
        if several
        else ""
    )
    lines.append(f"gateway: PORT={GATEWAY_PORT}{workers}{callers} python -m gateway serve")
    lines.append(f"ready: PORT={GATEWAY_PORT} python deploy/local/announce.py")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=1, help="of every service (default 1)")
    args = parser.parse_args()
    try:
        sys.stdout.write(render(args.replicas))
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
