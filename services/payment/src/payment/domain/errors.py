"""What can go wrong with a payment, as plain exceptions the gRPC boundary maps to status codes.

    PaymentError
    ├── InvalidRequest             bad input; names the field                (INVALID_ARGUMENT)
    │   ├── AmountMismatch         the client expects another total than the booking's
    │   ├── MalformedSignature     X-Payment-Signature cannot be parsed
    │   └── InvalidWebhookPayload  signed, but not a provider event
    ├── NotAuthenticated           no caller identity                        (UNAUTHENTICATED)
    ├── SignatureRejected          webhook not provably from the provider    (UNAUTHENTICATED)
    │   ├── SignatureMissing
    │   ├── SignatureMismatch      no v1 matches any configured secret
    │   └── SignatureExpired       timestamp outside the tolerance
    ├── NotOwner                   someone else's booking or payment         (PERMISSION_DENIED)
    ├── NotFound                                                             (NOT_FOUND)
    │   ├── BookingNotFound
    │   └── SessionNotFound
    ├── RuleViolated               a rule the request breaks, not a race     (FAILED_PRECONDITION)
    │   ├── RefundWindowClosed     less than 2 h before the show
    │   ├── ShowAlreadyStarted
    │   ├── SimulationDisabled     simulate outside ENV=development
    │   └── ProviderRejected       the provider refused the request
    ├── Conflict                   wrong state or lost a race                (ABORTED)
    │   ├── WrongBookingState
    │   ├── BookingExpired         PENDING but past its expires_at
    │   ├── WrongPaymentState
    │   └── PaymentBusy            a row lock was not granted in time
    ├── DependencyUnavailable      booking or the provider is down           (UNAVAILABLE)
    │   └── ProviderUnavailable
    └── DependencyTimeout          booking did not answer in time            (DEADLINE_EXCEEDED)

`reason` and `details` become a google.rpc.ErrorInfo on the status.
"""

from __future__ import annotations


class PaymentError(Exception):
    default_reason = "PAYMENT_ERROR"

    def __init__(
        self, message: str, *, reason: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(PaymentError):
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str, *, reason: str | None = None) -> None:
        super().__init__(message, reason=reason, details={"field": field})
        self.field = field


class AmountMismatch(InvalidRequest):
    default_reason = "AMOUNT_MISMATCH"

    def __init__(
        self, booking_id: str, expected_minor: int, total_minor: int, currency: str
    ) -> None:
        super().__init__(
            "amount",
            f"amount {expected_minor} does not match the total {total_minor} {currency} "
            f"of booking {booking_id}",
        )
        self.details.update(
            booking_id=booking_id, amount=str(expected_minor), total_amount=str(total_minor)
        )


class MalformedSignature(InvalidRequest):
    default_reason = "MALFORMED_SIGNATURE"

    def __init__(self, message: str) -> None:
        super().__init__("signature", message)


class InvalidWebhookPayload(InvalidRequest):
    default_reason = "INVALID_WEBHOOK_PAYLOAD"

    def __init__(self, message: str) -> None:
        super().__init__("payload", message)


class NotAuthenticated(PaymentError):
    default_reason = "UNAUTHENTICATED"


class SignatureRejected(PaymentError):
    default_reason = "SIGNATURE_REJECTED"


class SignatureMissing(SignatureRejected):
    default_reason = "SIGNATURE_MISSING"


class SignatureMismatch(SignatureRejected):
    default_reason = "SIGNATURE_MISMATCH"


class SignatureExpired(SignatureRejected):
    default_reason = "SIGNATURE_EXPIRED"


class NotOwner(PaymentError):
    default_reason = "NOT_OWNER"


class NotFound(PaymentError):
    default_reason = "NOT_FOUND"


class BookingNotFound(NotFound):
    default_reason = "BOOKING_NOT_FOUND"

    def __init__(self, booking_id: str) -> None:
        super().__init__(f"booking {booking_id} not found", details={"booking_id": booking_id})


class SessionNotFound(NotFound):
    default_reason = "SESSION_NOT_FOUND"

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"payment session {session_id} not found", details={"session_id": session_id}
        )


class RuleViolated(PaymentError):
    default_reason = "FAILED_PRECONDITION"


class RefundWindowClosed(RuleViolated):
    default_reason = "REFUND_WINDOW_CLOSED"


class ShowAlreadyStarted(RuleViolated):
    default_reason = "SHOW_STARTED"


class SimulationDisabled(RuleViolated):
    default_reason = "SIMULATION_DISABLED"


class ProviderRejected(RuleViolated):
    default_reason = "PROVIDER_REJECTED"


class Conflict(PaymentError):
    default_reason = "CONFLICT"


class WrongBookingState(Conflict):
    default_reason = "WRONG_BOOKING_STATE"


class BookingExpired(Conflict):
    default_reason = "BOOKING_EXPIRED"


class WrongPaymentState(Conflict):
    default_reason = "WRONG_PAYMENT_STATE"


class PaymentBusy(Conflict):
    default_reason = "PAYMENT_BUSY"


class DependencyUnavailable(PaymentError):
    default_reason = "DEPENDENCY_UNAVAILABLE"


class ProviderUnavailable(DependencyUnavailable):
    default_reason = "PROVIDER_UNAVAILABLE"


class DependencyTimeout(PaymentError):
    default_reason = "DEPENDENCY_TIMEOUT"
