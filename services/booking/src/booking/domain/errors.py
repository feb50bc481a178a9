"""What can go wrong with a booking, as plain exceptions the gRPC boundary maps to status codes.

    BookingError
    ├── InvalidRequest            bad input; names the field               (INVALID_ARGUMENT)
    ├── NotAuthenticated          no caller identity                       (UNAUTHENTICATED)
    ├── NotBookingOwner           someone else's booking or user id        (PERMISSION_DENIED)
    ├── AdmissionRequired         a waiting room guards the show; no pass  (PERMISSION_DENIED,
    │                             relayed from inventory's ADMISSION_REQUIRED)
    ├── NotFound
    │   ├── BookingNotFound                                                (NOT_FOUND)
    │   ├── ShowNotFound                                                   (NOT_FOUND)
    │   └── SeatsNotFound         inventory knows no such seats            (NOT_FOUND)
    ├── RuleViolated              a rule the request breaks, not a race    (FAILED_PRECONDITION)
    │   ├── ShowAlreadyStarted
    │   └── ShowNotBookable
    ├── Conflict                  wrong state or lost a race               (ABORTED)
    │   ├── WrongBookingState
    │   └── BookingBusy           a row lock was not granted in time
    ├── SeatsTaken                seats held or reserved by someone else   (ALREADY_EXISTS)
    ├── DependencyUnavailable     an upstream service is down              (UNAVAILABLE)
    └── DependencyTimeout         an upstream call ran out of time         (DEADLINE_EXCEEDED)

`reason` and `details` become a google.rpc.ErrorInfo on the status; errors relayed from inventory
keep the reason and details inventory gave.
"""

from __future__ import annotations


class BookingError(Exception):
    default_reason = "BOOKING_ERROR"

    def __init__(
        self, message: str, *, reason: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(BookingError):
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        field: str,
        message: str,
        *,
        reason: str | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, details={"field": field, **(details or {})})
        self.field = field


class NotAuthenticated(BookingError):
    default_reason = "UNAUTHENTICATED"


class NotBookingOwner(BookingError):
    default_reason = "NOT_OWNER"


class AdmissionRequired(BookingError):
    default_reason = "ADMISSION_REQUIRED"


class NotFound(BookingError):
    default_reason = "NOT_FOUND"


class BookingNotFound(NotFound):
    default_reason = "BOOKING_NOT_FOUND"

    def __init__(self, booking_id: str) -> None:
        super().__init__(f"booking {booking_id} not found", details={"booking_id": booking_id})


class ShowNotFound(NotFound):
    default_reason = "SHOW_NOT_FOUND"

    def __init__(self, show_id: str) -> None:
        super().__init__(f"show {show_id} not found", details={"show_id": show_id})


class SeatsNotFound(NotFound):
    default_reason = "SEATS_NOT_FOUND"


class RuleViolated(BookingError):
    default_reason = "FAILED_PRECONDITION"


class ShowAlreadyStarted(RuleViolated):
    default_reason = "SHOW_STARTED"


class ShowNotBookable(RuleViolated):
    default_reason = "SHOW_NOT_BOOKABLE"


class Conflict(BookingError):
    default_reason = "CONFLICT"


class WrongBookingState(Conflict):
    default_reason = "WRONG_BOOKING_STATE"


class BookingBusy(Conflict):
    default_reason = "BOOKING_BUSY"


class SeatsTaken(BookingError):
    default_reason = "SEATS_TAKEN"


class DependencyUnavailable(BookingError):
    default_reason = "DEPENDENCY_UNAVAILABLE"


class DependencyTimeout(BookingError):
    default_reason = "DEPENDENCY_TIMEOUT"
