"""Channels for service-to-service (and gateway-to-service) calls.

One channel per upstream, created once at start and shared: gRPC multiplexes calls over it and
reconnects by itself. The service config retries calls that failed with UNAVAILABLE (the
upstream was restarting or unreachable, so the call never ran) with exponential backoff;
keepalive pings notice a dead peer within seconds instead of waiting for TCP. Every call should
still pass a deadline (``timeout=DEFAULT_DEADLINE_S``). The request id of the request being
served is forwarded automatically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from svckit.identity import REQUEST_ID_HEADER, current_request_id

__all__ = [
    "DEFAULT_DEADLINE_S",
    "MAX_MESSAGE_BYTES",
    "RequestIdClientInterceptor",
    "create_channel",
    "service_config",
]

DEFAULT_DEADLINE_S = 5.0
MAX_MESSAGE_BYTES = 32 * 1024 * 1024


def service_config(max_attempts: int = 4) -> str:
    """The JSON service config: retry UNAVAILABLE on every method."""
    return json.dumps(
        {
            "methodConfig": [
                {
                    "name": [{}],
                    "retryPolicy": {
                        "maxAttempts": max_attempts,
                        "initialBackoff": "0.1s",
                        "maxBackoff": "1s",
                        "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE"],
                    },
                }
            ]
        }
    )


class RequestIdClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds ``x-request-id`` of the request being served, unless the call already has one."""

    async def intercept_unary_unary(
        self,
        continuation: Callable[[Any, Any], Any],
        client_call_details: Any,
        request: Any,
    ) -> Any:
        request_id = current_request_id()
        metadata = list(client_call_details.metadata or ())
        if request_id and not any(key == REQUEST_ID_HEADER for key, _ in metadata):
            metadata.append((REQUEST_ID_HEADER, request_id))
            client_call_details = grpc.aio.ClientCallDetails(
                method=client_call_details.method,
                timeout=client_call_details.timeout,
                metadata=grpc.aio.Metadata(*metadata),
                credentials=client_call_details.credentials,
                wait_for_ready=client_call_details.wait_for_ready,
            )
        return await continuation(client_call_details, request)


def create_channel(
    target: str,
    *,
    max_attempts: int = 4,
    interceptors: Sequence[Any] = (),
    forward_request_id: bool = True,
) -> grpc.aio.Channel:
    """An insecure ``grpc.aio`` channel to ``target`` (``host:port``) with retries and keepalive.

    ``forward_request_id=False`` leaves out the request-id interceptor, for callers that pass
    ``caller_metadata(...)`` (which carries the request id) on every call: a ``grpc.aio`` client
    interceptor costs about 0.2 ms of CPU per call, as much as half of the call itself.
    """
    options = [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", service_config(max_attempts)),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ]
    return grpc.aio.insecure_channel(
        target,
        options=options,
        interceptors=[
            *([RequestIdClientInterceptor()] if forward_request_id else []),
            *interceptors,
        ],
    )
