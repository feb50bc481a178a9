"""Prometheus metrics of the HTTP API and the ``/metrics`` endpoint.

Labels use the route template (``/api/v1/bookings/{bookingId}``), never the raw path, so the
number of series stays bounded. With several uvicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` makes
``/metrics`` aggregate all of them (``__main__`` sets it up).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["HTTP_REQUESTS", "HTTP_REQUEST_SECONDS", "metrics_endpoint", "observe"]

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered by the gateway, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_counters: dict[tuple[str, str, int], Counter] = {}
_histograms: dict[tuple[str, str, int], Histogram] = {}


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (label children are cached: this runs on every request)."""
    key = (method, route, status)
    counter = _counters.get(key)
    histogram = _histograms.get(key)
    if counter is None or histogram is None:
        counter = _counters[key] = HTTP_REQUESTS.labels(method, route, str(status))
        histogram = _histograms[key] = HTTP_REQUEST_SECONDS.labels(method, route, str(status))
    counter.inc()
    histogram.observe(seconds)


def _registry(multiproc_dir: str | None) -> CollectorRegistry:
    if not multiproc_dir:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
    return registry


async def metrics_endpoint(request: Request) -> Response:
    multiproc_dir: str | None = request.app.state.metrics_multiproc_dir
    return Response(generate_latest(_registry(multiproc_dir)), media_type=CONTENT_TYPE_LATEST)
