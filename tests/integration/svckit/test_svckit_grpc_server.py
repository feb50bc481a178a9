"""A server from ``create_server``, run in-process on a free port and called over the network."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from svckit.db import create_engine
from svckit.errors import ErrorTable, error_info_from_rpc_error
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.identity import Caller, caller_from_context, caller_metadata, current_request_id
from svckit.service import ServiceProcess

pytestmark = pytest.mark.integration

SERVICE = "svckit.test.Probe"


class SeatTaken(Exception):
    """A domain error as services define them: plain, with details for the client."""

    def __init__(self, seat_ids: list[str]) -> None:
        super().__init__(f"seats already taken: {', '.join(seat_ids)}")
        self.details = {"seat_ids": ",".join(seat_ids)}


class DomainError(Exception):
    pass


class ShowNotFound(DomainError):
    reason = "SHOW_NOT_FOUND"


ERROR_TABLE: ErrorTable = {
    SeatTaken: grpc.StatusCode.FAILED_PRECONDITION,
    DomainError: grpc.StatusCode.NOT_FOUND,
}


async def whoami(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    caller = caller_from_context(context)
    return f"{caller.user_id}|{caller.is_admin}|{current_request_id()}".encode()


UPSTREAM: dict[str, grpc.aio.Channel] = {}
SERVER_ADDRESS: dict[str, str] = {}


async def ask_upstream(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    """Calls WhoAmI on "another service" (the same server) forwarding only the caller."""
    rpc = UPSTREAM["channel"].unary_unary(f"/{SERVICE}/WhoAmI")
    response: bytes = await rpc(
        b"", timeout=5, metadata=caller_metadata(caller_from_context(context))
    )
    return response


async def upstream_down(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "connect failed"
    )


async def take_seats(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise SeatTaken(["A1", "A2"])


async def find_show(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise ShowNotFound("show 42 does not exist")


async def database_down(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    with socket.socket() as sock:  # a port where no PostgreSQL listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{port}/nowhere")
    try:
        async with engine.connect():
            pass
    finally:
        await engine.dispose()
    return b"unreachable"


async def crash(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise RuntimeError("password=hunter2 leaked from a bug")


def add_probe(servicer: object, server: grpc.aio.Server) -> None:
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(behavior)
        for name, behavior in {
            "WhoAmI": whoami,
            "AskUpstream": ask_upstream,
            "UpstreamDown": upstream_down,
            "TakeSeats": take_seats,
            "FindShow": find_show,
            "Crash": crash,
            "DatabaseDown": database_down,
        }.items()
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))


@pytest_asyncio.fixture(loop_scope="session")
async def grpc_channel() -> AsyncIterator[grpc.aio.Channel]:
    server, port = create_server(
        services=[(add_probe, None, SERVICE)],
        error_table=ERROR_TABLE,
        host="127.0.0.1",
        service_name="probe.svckit",
    )
    await server.start()
    channel = create_channel(f"127.0.0.1:{port}")
    UPSTREAM["channel"] = channel
    SERVER_ADDRESS["address"] = f"127.0.0.1:{port}"
    yield channel
    del UPSTREAM["channel"]
    await channel.close()
    await server.stop(None)


async def call(channel: grpc.aio.Channel, method: str, **kwargs: Any) -> bytes:
    rpc = channel.unary_unary(f"/{SERVICE}/{method}")
    response: bytes = await rpc(b"", timeout=5, **kwargs)
    return response


async def test_health_reports_serving_for_the_server_and_each_service(
    grpc_channel: grpc.aio.Channel,
) -> None:
    health = health_pb2_grpc.HealthStub(grpc_channel)
    for service in ("", SERVICE):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await health.Check(health_pb2.HealthCheckRequest(service="no.Such"), timeout=5)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_services(grpc_channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(grpc_channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    names = set()
    async for response in stub.ServerReflectionInfo(iter([request]), timeout=5):
        names |= {s.name for s in response.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_caller_and_request_id_reach_the_servicer(grpc_channel: grpc.aio.Channel) -> None:
    metadata = caller_metadata(Caller("user-1", frozenset({"admin"})), request_id="req-42")
    assert await call(grpc_channel, "WhoAmI", metadata=metadata) == b"user-1|True|req-42"
    anonymous = (await call(grpc_channel, "WhoAmI")).decode().split("|")
    assert anonymous[:2] == ["None", "False"]
    assert len(anonymous[2]) == 32  # a fresh request id when none was sent
    assert handled("WhoAmI", "OK") >= 2


async def test_request_id_is_forwarded_to_upstream_calls(grpc_channel: grpc.aio.Channel) -> None:
    metadata = caller_metadata(Caller("user-2", frozenset()), request_id="req-43")
    assert await call(grpc_channel, "AskUpstream", metadata=metadata) == b"user-2|False|req-43"


async def test_upstream_unavailable_keeps_its_code_without_being_retried_again(
    grpc_channel: grpc.aio.Channel,
) -> None:
    before = handled("UpstreamDown", "UNAVAILABLE")
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(grpc_channel, "UpstreamDown")
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    assert handled("UpstreamDown", "UNAVAILABLE") == before + 1  # the client did not retry
    info = error_info_from_rpc_error(failure.value)
    assert info is not None and info.reason == "UPSTREAM_UNAVAILABLE"


async def test_domain_error_maps_to_its_code_with_error_info(
    grpc_channel: grpc.aio.Channel,
) -> None:
    before = handled("TakeSeats", "FAILED_PRECONDITION")
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(grpc_channel, "TakeSeats")
    error = failure.value
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "seats already taken: A1, A2"
    info = error_info_from_rpc_error(error)
    assert info is not None
    assert info.reason == "SEAT_TAKEN"
    assert info.domain == "probe.svckit"
    assert dict(info.metadata) == {"seat_ids": "A1,A2"}
    assert handled("TakeSeats", "FAILED_PRECONDITION") == before + 1


async def test_subclass_uses_its_base_mapping_and_own_reason(
    grpc_channel: grpc.aio.Channel,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(grpc_channel, "FindShow")
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    info = error_info_from_rpc_error(failure.value)
    assert info is not None and info.reason == "SHOW_NOT_FOUND"


async def test_unknown_exception_is_internal_with_a_generic_message_and_logged(
    grpc_channel: grpc.aio.Channel,
) -> None:
    with structlog.testing.capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(grpc_channel, "Crash")
    assert failure.value.code() == grpc.StatusCode.INTERNAL
    assert failure.value.details() == "internal error"
    assert "hunter2" not in str(failure.value.debug_error_string())
    crashes = [entry for entry in logs if entry["event"] == "grpc.unhandled_exception"]
    assert len(crashes) == 1 and crashes[0]["exc_info"] is True
    assert handled("Crash", "INTERNAL") >= 1


def handled(method: str, code: str) -> float:
    labels = {"grpc_service": SERVICE, "grpc_method": method, "grpc_code": code}
    return REGISTRY.get_sample_value("grpc_server_handled_total", labels) or 0.0


async def test_a_crashing_background_loop_stops_the_server_and_surfaces_its_error() -> None:
    server, port = create_server(services=[], error_table={}, host="127.0.0.1")
    stopped: list[str] = []

    async def finishes_quietly() -> None:
        return None

    async def crashes() -> None:
        raise RuntimeError("relay died")

    async def on_stop() -> None:
        stopped.append("on_stop")

    app = ServiceProcess("probe", server, port, grace=0.1)
    app.add_task("probe.quiet", finishes_quietly)
    app.add_task("probe.relay", crashes)
    app.add_closer(on_stop)
    with pytest.raises(RuntimeError, match="relay died"):
        await app.serve()
    assert stopped == ["on_stop"]
    channel = create_channel(f"127.0.0.1:{port}")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
        assert refused.value.code() in (
            grpc.StatusCode.UNAVAILABLE,
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
    finally:
        await channel.close()


SERVE_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from svckit.grpc_server import create_server
    from svckit.runtime import run
    from svckit.service import ServiceProcess

    async def main() -> None:
        server, port = create_server(services=[], error_table={}, host="127.0.0.1")
        async def background() -> None:
            await asyncio.Event().wait()
        async def on_stop() -> None:
            print("stopped cleanly", flush=True)
        print(port, flush=True)
        app = ServiceProcess("probe", server, port, grace=1)
        app.add_task("probe.background", background)
        app.add_closer(on_stop)
        await app.serve()

    run(main())
    """
)


async def test_sigterm_stops_the_server_gracefully_on_uvloop() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVE_SCRIPT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    port = int(await asyncio.wait_for(process.stdout.readline(), 20))
    channel = create_channel(f"127.0.0.1:{port}")
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await channel.close()
    process.send_signal(signal.SIGTERM)
    output = await asyncio.wait_for(process.stdout.read(), 20)
    assert await process.wait() == 0
    assert b"stopped cleanly" in output


async def test_healthcheck_cli_exits_zero_only_for_a_serving_server(
    grpc_channel: grpc.aio.Channel,
) -> None:
    address = SERVER_ADDRESS["address"]

    async def healthcheck(*args: str) -> tuple[int, bytes]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "svckit.healthcheck", *args, stdout=subprocess.PIPE
        )
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        return await process.wait(), output

    assert await healthcheck(address) == (0, f"{address} (server): SERVING\n".encode())
    code, output = await healthcheck(address, "no.Such")
    assert code == 1 and b"NOT_FOUND" in output
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    code, output = await healthcheck(f"127.0.0.1:{free}", "--timeout", "1")
    assert code == 1
    assert b"UNAVAILABLE" in output or b"DEADLINE_EXCEEDED" in output


async def test_an_unreachable_database_is_unavailable_not_internal(
    grpc_channel: grpc.aio.Channel,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(grpc_channel, "DatabaseDown")
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    assert failure.value.details() == "the database is unavailable; try again"
    info = error_info_from_rpc_error(failure.value)
    assert info is not None and info.reason == "DATABASE_UNAVAILABLE"
