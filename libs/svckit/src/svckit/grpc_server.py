"""The gRPC server every service runs: same interceptors, health, reflection and options.

``create_server`` binds (port 0 picks a free port, which tests use to run the real server
in-process) but does not start; ``svckit.service.ServiceProcess`` starts and stops it with the
service's consumers and background tasks.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from svckit.errors import ErrorTable
from svckit.grpc_client import MAX_MESSAGE_BYTES
from svckit.grpc_interceptors import (
    ServerCallInterceptor,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "ServiceRegistration",
    "create_server",
    "report_not_serving",
]

ServiceRegistration = tuple[Callable[[Any, Any], None], Any, str]
"""``(add_XServicer_to_server, servicer, "pkg.v1.XService")``."""

_health_by_server: weakref.WeakKeyDictionary[Any, HealthServicer] = weakref.WeakKeyDictionary()

MAX_CONNECTION_AGE_MS = 5 * 60_000
MAX_CONNECTION_AGE_GRACE_MS = 30_000

_SERVER_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    # Clients ping every 30 s (svckit.grpc_client); accept that rather than GOAWAY them.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
    # Busy clients also send BDP-probe pings; two "strikes" would GOAWAY ("too_many_pings") a
    # healthy channel and fail its in-flight calls. Our clients are our own: tolerate any number.
    ("grpc.http2.max_ping_strikes", 0),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    # A client balancing over a DNS name re-resolves only when a connection closes. Closing
    # each connection after a few minutes (calls in flight get the grace to finish) lets every
    # client find replicas added since it connected, e.g. by an autoscaler.
    ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
    ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS),
]


class _ServingHealth(HealthServicer):  # type: ignore[misc]
    """The library's async health servicer, reporting SERVING for "" and each named service
    from the start (its ``set`` is async and ``create_server`` is not)."""

    def __init__(self, services: Sequence[str]) -> None:
        super().__init__()
        for name in services:
            self._server_status[name] = health_pb2.HealthCheckResponse.SERVING


def create_server(
    *,
    services: Sequence[ServiceRegistration],
    error_table: ErrorTable,
    port: int = 0,
    host: str = "0.0.0.0",
    service_name: str = "",
    interceptors: Sequence[Any] = (),
) -> tuple[grpc.aio.Server, int]:
    """A bound, not yet started ``grpc.aio`` server and the port it listens on.

    ``service_name`` becomes the ``ErrorInfo.domain`` of mapped errors; extra ``interceptors``
    run inside the standard ones.
    """
    server = grpc.aio.server(
        interceptors=[
            ServerCallInterceptor(error_table, domain=service_name),
            *interceptors,
        ],
        options=_SERVER_OPTIONS,
    )
    names = [full_name for _, _, full_name in services]
    health = _ServingHealth(names)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    for add_to_server, servicer, _ in services:
        add_to_server(servicer, server)
    reflection.enable_server_reflection(
        [
            *names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"could not bind gRPC server to {host}:{port}")
    _health_by_server[server] = health
    return server, bound


async def report_not_serving(server: grpc.aio.Server) -> None:
    """Flip every service of ``server`` to NOT_SERVING, so load balancers drain it before it
    stops (``svckit.service.ServiceProcess.stop``)."""
    health = _health_by_server.get(server)
    if health is not None:
        await health.enter_graceful_shutdown()
