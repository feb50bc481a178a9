"""A client's table turns another service's failed calls into the caller's own errors."""

from __future__ import annotations

import grpc
import pytest

from svckit.errors import FailedCall, UpstreamErrors, rich_status
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.unit


class Taken(Exception):
    def __init__(self, call: FailedCall) -> None:
        super().__init__(call.message)
        self.call = call


class Down(Exception):
    pass


def failed(
    code: grpc.StatusCode, message: str = "", reason: str | None = None, **metadata: str
) -> grpc.aio.AioRpcError:
    status = rich_status(code, message, reason=reason, metadata=metadata)
    return grpc.aio.AioRpcError(
        code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        details=message or None,
    )


ERRORS = UpstreamErrors(
    "inventory",
    {
        grpc.StatusCode.ALREADY_EXISTS: Taken,
        (grpc.StatusCode.ALREADY_EXISTS, "SEATS_BUSY"): lambda call: Down(call.reason),
        grpc.StatusCode.UNAVAILABLE: lambda call: Down(f"{call.upstream} is down"),
    },
)


def test_the_code_picks_the_factory_which_sees_message_reason_metadata_and_request() -> None:
    request = inventory_pb2.ReleaseSeatsRequest(booking_id="b1")
    error = failed(grpc.StatusCode.ALREADY_EXISTS, "seat A1 is booked", "SEATS_UNAVAILABLE", a="1")
    with pytest.raises(Taken) as raised, ERRORS.translated(request):
        raise error
    call = raised.value.call
    assert (call.upstream, call.code, call.message) == (
        "inventory",
        grpc.StatusCode.ALREADY_EXISTS,
        "seat A1 is booked",
    )
    assert (call.reason, call.metadata, call.request.booking_id) == (
        "SEATS_UNAVAILABLE",
        {"a": "1"},
        "b1",
    )
    assert raised.value.__cause__ is error


def test_a_code_and_reason_entry_wins_over_the_code_alone() -> None:
    translated = ERRORS.translate(failed(grpc.StatusCode.ALREADY_EXISTS, "busy", "SEATS_BUSY"))
    assert isinstance(translated, Down)
    assert str(translated) == "SEATS_BUSY"


def test_an_unnamed_failure_stays_itself_unless_the_table_says_otherwise() -> None:
    error = failed(grpc.StatusCode.PERMISSION_DENIED, "no")
    assert ERRORS.translate(error) is error
    fallback = UpstreamErrors("booking", {}, otherwise=lambda call: RuntimeError(call.code.name))
    assert str(fallback.translate(error)) == "PERMISSION_DENIED"
    assert str(ERRORS.translate(failed(grpc.StatusCode.UNAVAILABLE))) == "inventory is down"
