"""Who is calling, as carried in gRPC metadata from the gateway through every service hop.

The gateway authenticates the JWT once and forwards ``x-user-id`` / ``x-user-roles``; services
trust these headers because only the gateway and other services can reach them. The request id
(``x-request-id``) ties together log lines of one user action across services; the server
interceptor stores it in a context variable so outgoing calls can forward it without plumbing.
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "ADMIN_ROLE",
    "ANONYMOUS",
    "REQUEST_ID_HEADER",
    "USER_ID_HEADER",
    "USER_ROLES_HEADER",
    "Caller",
    "caller_from_context",
    "caller_from_metadata",
    "caller_metadata",
    "current_request_id",
    "metadata_value",
    "new_request_id",
    "reset_request_id",
    "set_request_id",
]

USER_ID_HEADER = "x-user-id"
USER_ROLES_HEADER = "x-user-roles"
REQUEST_ID_HEADER = "x-request-id"
ADMIN_ROLE = "admin"

MetadataPairs = Iterable[tuple[str, str | bytes]]

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "svckit_request_id", default=None
)


class _HasInvocationMetadata(Protocol):
    def invocation_metadata(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user behind a request, or an anonymous viewer (``user_id`` None)."""

    user_id: str | None
    roles: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Caller(user_id=None)


def metadata_value(metadata: MetadataPairs | None, key: str) -> str | None:
    """The first value of ``key`` in gRPC metadata (keys are lower-case on the wire)."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


def caller_from_metadata(source: MetadataPairs | _HasInvocationMetadata | None) -> Caller:
    """The caller described by invocation metadata (or a servicer context carrying it)."""
    metadata: MetadataPairs | None
    if source is not None and hasattr(source, "invocation_metadata"):
        metadata = source.invocation_metadata()
    else:
        metadata = source  # type: ignore[assignment]
    user_id = (metadata_value(metadata, USER_ID_HEADER) or "").strip() or None
    raw_roles = metadata_value(metadata, USER_ROLES_HEADER) or ""
    roles = frozenset(role.strip() for role in raw_roles.split(",") if role.strip())
    return Caller(user_id=user_id, roles=roles)


def caller_from_context(context: _HasInvocationMetadata) -> Caller:
    """The caller of the RPC being served by ``context``."""
    return caller_from_metadata(context.invocation_metadata())


def new_request_id() -> str:
    """An id for a request that came without one: 32 random hex digits."""
    return secrets.token_hex(16)


def current_request_id() -> str | None:
    """The id of the request being served by this task, if any."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> contextvars.Token[str | None]:
    """Bind the request id for the current task (done by the server interceptor)."""
    return _request_id.set(request_id)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    """Undo :func:`set_request_id` once the request is done."""
    _request_id.reset(token)


def caller_metadata(caller: Caller, request_id: str | None = None) -> tuple[tuple[str, str], ...]:
    """Metadata that forwards ``caller`` (and the request id) on an outgoing call.

    Without an explicit ``request_id`` the one of the request being served is forwarded.
    """
    pairs: list[tuple[str, str]] = []
    if caller.user_id is not None:
        pairs.append((USER_ID_HEADER, caller.user_id))
    if caller.roles:
        pairs.append((USER_ROLES_HEADER, ",".join(sorted(caller.roles))))
    request_id = request_id or current_request_id()
    if request_id:
        pairs.append((REQUEST_ID_HEADER, request_id))
    return tuple(pairs)
