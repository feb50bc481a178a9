"""What the waiting room refuses, as plain exceptions the gRPC boundary maps to status codes.

WaitingRoomError
├── InvalidRequest     bad input; details name the field                 (INVALID_ARGUMENT)
├── NotFound                                                             (NOT_FOUND)
│   ├── ShowNotFound   catalog has no such show
│   └── NotInQueue     the user has not joined the show's queue          (reason NOT_IN_QUEUE)
├── NoWaitingRoom      the show has no waiting room to join              (FAILED_PRECONDITION)
└── CatalogUnavailable the show's settings could not be read             (UNAVAILABLE)
"""

from __future__ import annotations


class WaitingRoomError(Exception):
    default_reason = "WAITING_ROOM_ERROR"

    def __init__(self, message: str, *, details: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = self.default_reason
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(WaitingRoomError):
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, details={"field": field})
        self.field = field


class NotFound(WaitingRoomError):
    default_reason = "NOT_FOUND"


class ShowNotFound(NotFound):
    default_reason = "SHOW_NOT_FOUND"

    def __init__(self, show_id: str) -> None:
        super().__init__(f"show {show_id} not found", details={"show_id": show_id})


class NotInQueue(NotFound):
    default_reason = "NOT_IN_QUEUE"

    def __init__(self, show_id: str) -> None:
        super().__init__(
            f"you have not joined the queue of show {show_id}; POST to its queue to join",
            details={"show_id": show_id},
        )


class NoWaitingRoom(WaitingRoomError):
    default_reason = "NO_WAITING_ROOM"

    def __init__(self, show_id: str) -> None:
        super().__init__(
            f"show {show_id} has no waiting room; its seats can be held directly",
            details={"show_id": show_id},
        )


class CatalogUnavailable(WaitingRoomError):
    default_reason = "CATALOG_UNAVAILABLE"
