"""What inventory refuses, as plain exceptions the gRPC boundary maps to status codes.

    InventoryError
    ├── InvalidRequest            bad input; details name the field            (INVALID_ARGUMENT)
    │   ├── TooManySeats          more seats than one hold/booking may take
    │   └── SeatsOfAnotherShow    seat ids that belong to a different show
    ├── NotFound                                                               (NOT_FOUND)
    │   ├── ShowNotFound
    │   └── SeatsNotFound
    ├── SeatsUnavailable          held or booked by someone else; names seats  (ALREADY_EXISTS,
    │                             reason and metadata as inventory.proto's SEATS_UNAVAILABLE)
    ├── AdmissionRequired         a waiting room guards the show; no pass      (PERMISSION_DENIED,
    │                             reason as inventory.proto's ADMISSION_REQUIRED)
    ├── WaitingRoomUnavailable    whether a pass is needed cannot be known now (UNAVAILABLE)
    ├── SeatsBusy                 a row lock was not granted in time           (ABORTED)
    ├── SeatWouldBeStranded       the no-orphan rule: names the stranded seat  (ABORTED)
    ├── NoAdjacentSeats           best available found no N adjacent seats     (ABORTED)
    ├── ShowAlreadyStarted        holds and reservations end at show start     (FAILED_PRECONDITION)
    └── ConcurrentUpdate          deadlock/serialization failure; retried, never surfaces

`reason` and `details` travel to the client as a google.rpc.ErrorInfo (svckit.errors), so the
gateway and booking can name the conflicting seats without parsing the message.
"""

from __future__ import annotations

from collections.abc import Sequence


class InventoryError(Exception):
    default_reason = "INVENTORY_ERROR"

    def __init__(
        self, message: str, *, reason: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(InventoryError):
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str, *, details: dict[str, str] | None = None) -> None:
        super().__init__(message, details={"field": field, **(details or {})})
        self.field = field


class TooManySeats(InvalidRequest):
    default_reason = "TOO_MANY_SEATS"

    def __init__(self, requested: int, maximum: int) -> None:
        super().__init__(
            "seat_ids",
            f"{requested} seats requested; at most {maximum} seats per user and show",
            details={"requested": str(requested), "maximum": str(maximum)},
        )


class SeatsOfAnotherShow(InvalidRequest):
    default_reason = "SEATS_OF_ANOTHER_SHOW"

    def __init__(self, show_id: str, seat_ids: Sequence[str]) -> None:
        super().__init__(
            "seat_ids",
            f"seats {', '.join(seat_ids)} do not belong to show {show_id}",
            details={"seat_ids": ",".join(seat_ids), "show_id": show_id},
        )


class NotFound(InventoryError):
    default_reason = "NOT_FOUND"


class ShowNotFound(NotFound):
    default_reason = "SHOW_NOT_FOUND"

    def __init__(self, show_id: str) -> None:
        super().__init__(f"show {show_id} has no seats open", details={"show_id": show_id})


class SeatsNotFound(NotFound):
    default_reason = "SEATS_NOT_FOUND"

    def __init__(self, seat_ids: Sequence[str]) -> None:
        super().__init__(
            f"no such seats: {', '.join(seat_ids)}", details={"seat_ids": ",".join(seat_ids)}
        )


class SeatsUnavailable(InventoryError):
    """Some requested seats are held by another user or booked; the request changed nothing.

    Its ErrorInfo is part of the proto contract, so the gRPC boundary writes it
    (``entrypoints.errors``) from the seats named here.
    """

    def __init__(
        self, *, held: Sequence[tuple[str, str]], booked: Sequence[tuple[str, str]]
    ) -> None:
        """``held`` and ``booked`` are (seat id, label) pairs."""
        parts = []
        if booked:
            parts.append(f"{_seats(booked)} already booked")
        if held:
            parts.append(f"{_seats(held)} held by another user")
        taken = [*booked, *held]
        super().__init__("; ".join(parts))
        self.seat_ids = [seat_id for seat_id, _ in taken]
        self.labels = [label for _, label in taken]
        # Booked seats stay taken whoever asks; callers may remember them for a moment.
        self.booked_seat_ids = [seat_id for seat_id, _ in booked]
        self.booked_labels = [label for _, label in booked]


def _seats(pairs: Sequence[tuple[str, str]]) -> str:
    labels = ", ".join(label for _, label in pairs)
    return f"seat {labels} is" if len(pairs) == 1 else f"seats {labels} are"


class SeatsBusy(InventoryError):
    default_reason = "SEATS_BUSY"

    def __init__(self) -> None:
        super().__init__("the seats are being changed by another request; try again")


class SeatWouldBeStranded(InventoryError):
    """The show's no-orphan rule: the selection would leave a single free seat stranded while
    another selection of as many seats would not."""

    default_reason = "SEAT_WOULD_BE_STRANDED"

    def __init__(self, seat_id: str, label: str) -> None:
        super().__init__(
            f"seat {label} would be left alone between taken seats; choose seats that leave "
            "no single seat free, or include it",
            details={"seat_id": seat_id, "seat": label},
        )


class NoAdjacentSeats(InventoryError):
    default_reason = "NO_ADJACENT_SEATS"

    def __init__(self, count: int, tier: str | None) -> None:
        kind = f" {tier}" if tier else ""
        super().__init__(
            f"no {count} adjacent{kind} seats left in one row",
            details={"count": str(count), **({"tier": tier} if tier else {})},
        )


class ShowAlreadyStarted(InventoryError):
    default_reason = "SHOW_STARTED"

    def __init__(self, show_id: str) -> None:
        super().__init__(
            f"show {show_id} has already started; its seats can no longer be taken",
            details={"show_id": show_id},
        )


class AdmissionRequired(InventoryError):
    """The show's on-sale is guarded by a waiting room and the user holds no valid admission
    pass (never joined, not admitted yet, or the pass ran out)."""

    default_reason = "ADMISSION_REQUIRED"

    def __init__(self, show_id: str) -> None:
        super().__init__(
            f"show {show_id} is on sale through a waiting room: join the queue at "
            f"POST /api/v1/shows/{show_id}/queue and take seats once admitted",
            details={"show_id": show_id},
        )


class WaitingRoomUnavailable(InventoryError):
    default_reason = "WAITING_ROOM_UNAVAILABLE"

    def __init__(self, cause: str) -> None:
        super().__init__(
            f"the waiting room could not say whether an admission pass is needed ({cause}); "
            "try again shortly"
        )


class ConcurrentUpdate(InventoryError):
    """A deadlock or serialization failure: the whole transaction may simply be run again."""

    default_reason = "CONCURRENT_UPDATE"

    def __init__(self) -> None:
        super().__init__("concurrent update; try again")
