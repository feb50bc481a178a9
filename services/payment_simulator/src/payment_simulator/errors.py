"""Errors the simulator's API answers with ``{"error": {"code", "message"}}``.

SimulatorError
├── InvalidRequest      400  the request cannot be served as sent
├── NotFound            404  no such session
├── StateConflict       409  the session is not in a state for that
└── IdempotencyMismatch 422  an Idempotency-Key reused with another request
"""

from __future__ import annotations


class SimulatorError(Exception):
    status_code = 400
    code = "invalid_request"


class InvalidRequest(SimulatorError):
    pass


class NotFound(SimulatorError):
    status_code = 404
    code = "not_found"


class StateConflict(SimulatorError):
    status_code = 409
    code = "state_conflict"


class IdempotencyMismatch(SimulatorError):
    status_code = 422
    code = "idempotency_key_reused"
