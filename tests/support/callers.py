"""Who a test calls a service as: the gRPC metadata the gateway would forward."""

from __future__ import annotations

Metadata = tuple[tuple[str, str], ...]


def as_user(user_id: str, *roles: str) -> Metadata:
    """``x-user-id`` and, with ``roles``, ``x-user-roles`` (``as_user(id, "admin")``)."""
    metadata = [("x-user-id", user_id)]
    if roles:
        metadata.append(("x-user-roles", ",".join(roles)))
    return tuple(metadata)
