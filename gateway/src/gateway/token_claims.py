"""A signed JWT's claims, and the refusal a client is told when they do not hold.

Shared by the gateway's own HS256 tokens (``gateway.auth``) and an OpenID Connect provider's
RS256 tokens (``gateway.oidc``): both require ``exp``, ``sub``, ``iss`` and ``aud``, and both
carry the caller's roles as a list of strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt

from gateway.errors import Unauthenticated

__all__ = ["decode", "roles_of"]

REQUIRED_CLAIMS = ["exp", "sub", "iss", "aud"]


def decode(
    token: str,
    key: Any,
    *,
    algorithms: Sequence[str],
    audience: str,
    issuer: str,
    leeway: float,
    issued_by: str,
) -> dict[str, Any]:
    """The verified claims; ``issued_by`` names the expected issuer in the refusal."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=list(algorithms),
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise Unauthenticated("the token is not meant for this API") from None
    except jwt.InvalidIssuerError:
        raise Unauthenticated(f"the token was not issued by {issued_by}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthenticated(f"the token lacks the {exc.claim!r} claim") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("the token is malformed or its signature is invalid") from None
    return claims


def roles_of(claims: dict[str, Any]) -> frozenset[str]:
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise Unauthenticated("the token's roles claim is not a list of strings")
    return frozenset(roles)
