"""Payment's domain errors → gRPC status codes (svckit's interceptor applies the table)."""

from __future__ import annotations

import grpc

from payment.domain import errors
from svckit.errors import ErrorTable

ERROR_TABLE: ErrorTable = {
    errors.InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotAuthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.SignatureRejected: grpc.StatusCode.UNAUTHENTICATED,
    errors.NotOwner: grpc.StatusCode.PERMISSION_DENIED,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.RuleViolated: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Conflict: grpc.StatusCode.ABORTED,
    errors.DependencyUnavailable: grpc.StatusCode.UNAVAILABLE,
    errors.DependencyTimeout: grpc.StatusCode.DEADLINE_EXCEEDED,
}
