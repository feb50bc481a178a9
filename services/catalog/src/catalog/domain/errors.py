"""What catalog refuses, as plain exceptions the gRPC boundary maps to status codes.

CatalogError
├── InvalidRequest        bad input; details name the field              (INVALID_ARGUMENT)
├── NotAuthenticated      a write without a caller identity              (UNAUTHENTICATED)
├── NotAdmin              a write by a caller without the admin role     (PERMISSION_DENIED)
├── NotFound                                                             (NOT_FOUND)
│   ├── MovieNotFound
│   ├── TheatreNotFound
│   ├── ScreenNotFound
│   └── ShowNotFound
├── AlreadyExists         a theatre (name, city) or screen name taken    (ALREADY_EXISTS)
└── ShowOverlaps          another show occupies the screen then          (ALREADY_EXISTS)
"""

from __future__ import annotations

from datetime import datetime


class CatalogError(Exception):
    default_reason = "CATALOG_ERROR"

    def __init__(
        self, message: str, *, reason: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(CatalogError):
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, details={"field": field})
        self.field = field


class NotAuthenticated(CatalogError):
    default_reason = "UNAUTHENTICATED"

    def __init__(self) -> None:
        super().__init__("changing the catalog needs a signed-in admin")


class NotAdmin(CatalogError):
    default_reason = "ADMIN_ONLY"

    def __init__(self) -> None:
        super().__init__("changing the catalog needs the admin role")


class NotFound(CatalogError):
    default_reason = "NOT_FOUND"
    kind = "object"

    def __init__(self, object_id: str) -> None:
        super().__init__(f"{self.kind} {object_id} not found", details={"id": object_id})


class MovieNotFound(NotFound):
    default_reason = "MOVIE_NOT_FOUND"
    kind = "movie"


class TheatreNotFound(NotFound):
    default_reason = "THEATRE_NOT_FOUND"
    kind = "theatre"


class ScreenNotFound(NotFound):
    default_reason = "SCREEN_NOT_FOUND"
    kind = "screen"


class ShowNotFound(NotFound):
    default_reason = "SHOW_NOT_FOUND"
    kind = "show"


class AlreadyExists(CatalogError):
    default_reason = "ALREADY_EXISTS"


class ShowOverlaps(CatalogError):
    default_reason = "SHOW_OVERLAPS"

    def __init__(
        self, screen_id: str, other_show_id: str | None, start: datetime, end: datetime
    ) -> None:
        other = f"show {other_show_id}" if other_show_id else "another show"
        super().__init__(
            f"screen {screen_id} is taken by {other} between {start.isoformat()} and "
            f"{end.isoformat()}",
            details={"screen_id": screen_id, "other_show_id": other_show_id or ""},
        )
