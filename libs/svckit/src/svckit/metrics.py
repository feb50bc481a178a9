"""Prometheus metrics that svckit records for every service, and the scrape endpoint.

Metric names follow go-grpc-prometheus (``grpc_server_handled_total``...) so the usual
dashboards work unchanged. They are module-level because prometheus_client registers each name
once per process.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

__all__ = [
    "CONSUMER_MESSAGES",
    "GRPC_SERVER_HANDLED",
    "GRPC_SERVER_HANDLING_SECONDS",
    "JOB_RUNS",
    "OUTBOX_PUBLISHED",
    "OUTBOX_PUBLISH_FAILURES",
    "WRITE_BATCHED_REQUESTS",
    "WRITE_BATCHES",
    "start_metrics_server",
]

GRPC_SERVER_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_SERVER_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server.",
    ["grpc_service", "grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WRITE_BATCHES = Counter(
    "write_batches_total",
    "Write transactions of batched requests, by kind and how they ran (alone: a single "
    "request; together: one transaction for several; split: a failed batch run again alone).",
    ["batch", "how"],
)
WRITE_BATCHED_REQUESTS = Counter(
    "write_batched_requests_total",
    "Requests through write batches, by kind and how their batch ran (see write_batches_total).",
    ["batch", "how"],
)
OUTBOX_PUBLISHED = Counter(
    "outbox_published_total",
    "Outbox events confirmed by the broker.",
    ["schema"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total",
    "Outbox relay rounds that failed (broker or database unavailable); rows stay pending.",
    ["schema"],
)
CONSUMER_MESSAGES = Counter(
    "amqp_consumer_messages_total",
    "Messages handled by idempotent consumers, by outcome.",
    ["consumer", "outcome"],
)
JOB_RUNS = Counter(
    "job_runs_total",
    "Background job runs on this replica, by outcome.",
    ["job", "outcome"],
)


def start_metrics_server(port: int, addr: str = "0.0.0.0") -> None:
    """Serve ``/metrics`` on ``port`` in a background thread; ``0`` disables it."""
    if port:
        start_http_server(port, addr=addr)
