"""gRPC statuses → HTTP answers (the grpc-gateway table) and the one error body."""

from __future__ import annotations

import grpc
import pytest

from gateway.errors import GRPC_TO_HTTP, error_from_rpc, validation_error
from svckit.errors import rich_status

pytestmark = pytest.mark.unit

TABLE = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}


def rpc_error(
    code: grpc.StatusCode,
    message: str,
    reason: str | None = None,
    metadata: dict[str, str] | None = None,
) -> grpc.aio.AioRpcError:
    """The error a client sees for a status sent by svckit's error interceptor."""
    status = rich_status(code, message, reason=reason, metadata=metadata, domain="test")
    return grpc.aio.AioRpcError(
        code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        details=message,
    )


def test_the_table_covers_every_status_code_as_grpc_gateway_does() -> None:
    assert dict(GRPC_TO_HTTP) == TABLE
    assert set(GRPC_TO_HTTP) == set(grpc.StatusCode)


@pytest.mark.parametrize(("code", "status"), [(c, s) for c, s in TABLE.items() if c.value[0]])
def test_every_failed_status_gets_its_http_status(code: grpc.StatusCode, status: int) -> None:
    error = error_from_rpc(rpc_error(code, "why"), "booking", 5.0)

    assert error.status == status
    assert error.code == code.name


def test_error_info_reason_is_the_code_and_its_metadata_the_camel_case_details() -> None:
    error = error_from_rpc(
        rpc_error(
            grpc.StatusCode.ALREADY_EXISTS,
            "seats A1, A2 are held by another user",
            reason="SEATS_TAKEN",
            metadata={"seat_ids": "s1,s2", "show_id": "show-1"},
        ),
        "inventory",
        5.0,
    )

    assert (error.status, error.code) == (409, "SEATS_TAKEN")
    assert error.message == "seats A1, A2 are held by another user"
    assert error.details == {"seatIds": "s1,s2", "showId": "show-1"}


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS]
)
def test_internal_failures_do_not_leak_their_message(code: grpc.StatusCode) -> None:
    error = error_from_rpc(rpc_error(code, "password=hunter2 at db.internal"), "booking", 5.0)

    assert error.status == 500
    assert error.message == "internal error in the booking service"


def test_unavailable_names_the_service_and_asks_for_a_retry() -> None:
    error = error_from_rpc(
        rpc_error(grpc.StatusCode.UNAVAILABLE, "failed to connect to 10.0.0.7:50053"),
        "booking",
        5.0,
    )

    assert error.status == 503
    assert "10.0.0.7" not in error.message
    assert error.details == {"service": "booking"}
    assert error.headers == {"Retry-After": "1"}


def test_deadline_names_the_service_and_the_deadline() -> None:
    error = error_from_rpc(rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, "x"), "inventory", 2.5)

    assert error.status == 504
    assert error.message == "the inventory service did not answer within 2.5 s"


def test_unauthenticated_carries_a_bearer_challenge() -> None:
    error = error_from_rpc(rpc_error(grpc.StatusCode.UNAUTHENTICATED, "no caller"), "payment", 5)

    assert error.status == 401
    assert error.headers["WWW-Authenticate"].startswith("Bearer")


def test_validation_errors_name_every_offending_field() -> None:
    error = validation_error(
        [
            {"type": "uuid_parsing", "loc": ("body", "showId"), "msg": "Input should be a UUID"},
            {"type": "too_long", "loc": ("body", "seatIds"), "msg": "List should have at most 10"},
            {
                "type": "uuid_parsing",
                "loc": ("body", "seatIds", 3),
                "msg": "Input should be a UUID",
            },
            {"type": "int_parsing", "loc": ("query", "pageSize"), "msg": "Input should be an int"},
        ]
    )

    assert (error.status, error.code) == (400, "INVALID_ARGUMENT")
    assert error.details == {
        "body.showId": "Input should be a UUID",
        "body.seatIds": "List should have at most 10",
        "body.seatIds[3]": "Input should be a UUID",
        "query.pageSize": "Input should be an int",
    }
    assert error.message == "body.showId: Input should be a UUID (and 3 more)"


def test_malformed_json_says_so() -> None:
    error = validation_error(
        [
            {
                "type": "json_invalid",
                "loc": ("body", 1),
                "msg": "JSON decode error",
                "ctx": {"error": "Expecting value"},
            }
        ]
    )

    assert error.details == {"body": "malformed JSON: Expecting value"}
