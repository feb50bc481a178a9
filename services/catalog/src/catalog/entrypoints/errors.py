"""Catalog's domain errors → gRPC status codes (svckit's interceptor applies the table)."""

from __future__ import annotations

import grpc

from catalog.domain.errors import (
    AlreadyExists,
    InvalidRequest,
    NotAdmin,
    NotAuthenticated,
    NotFound,
    ShowOverlaps,
)
from svckit.errors import ErrorTable

ERROR_TABLE: ErrorTable = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotAuthenticated: grpc.StatusCode.UNAUTHENTICATED,
    NotAdmin: grpc.StatusCode.PERMISSION_DENIED,
    NotFound: grpc.StatusCode.NOT_FOUND,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    ShowOverlaps: grpc.StatusCode.ALREADY_EXISTS,
}
