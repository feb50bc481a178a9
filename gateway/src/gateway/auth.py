"""Bearer JWT authentication: who is calling, and may they act for the user they name.

Tokens are HS256 with ``iss``, ``aud``, ``exp`` and ``sub`` (the user's uuid) required and an
optional ``roles`` list. The gateway checks them once and forwards the caller to services in gRPC
metadata (``svckit.identity``); services trust that metadata because only the gateway and other
services can reach them.

Catalog reads and seat maps accept anonymous viewers; a token that is present must still be valid
(an expired token is a 401 everywhere, so a client learns to refresh it instead of silently
losing its identity).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import token_claims
from gateway.errors import PermissionDenied, Unauthenticated
from gateway.oidc import OidcVerifier
from gateway.verified_tokens import VerifiedTokens
from svckit.identity import ANONYMOUS, Caller

__all__ = [
    "ALGORITHM",
    "OPTIONAL_BEARER",
    "Admin",
    "Authenticated",
    "MaybeAuthenticated",
    "TokenSettings",
    "acting_user",
    "authenticate",
    "authenticated",
    "ensure_acts_for",
    "issue_token",
    "require_identity",
]

ALGORITHM = "HS256"

OPTIONAL_BEARER: dict[str, Any] = {"security": [{}, {"HTTPBearer": []}]}
"""OpenAPI: the route works anonymously and with a token."""

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="`Authorization: Bearer <JWT>` (HS256; `make token USER=<uuid> [ROLE=admin]`).",
)


@dataclass(frozen=True, slots=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str
    leeway_seconds: float = 30.0
    oidc: OidcVerifier | None = None  # RS256 tokens of an OpenID Connect provider (gateway.oidc)


def issue_token(
    settings: TokenSettings,
    user_id: str,
    roles: Iterable[str] = (),
    ttl_seconds: float = 24 * 3600,
    *,
    now: float | None = None,
) -> str:
    """A signed token for ``user_id`` (development tooling and tests)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.UUID(user_id)),
        "roles": sorted(set(roles)),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": issued,
        "exp": issued + int(ttl_seconds),
    }
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


_verified: dict[TokenSettings, VerifiedTokens] = {}


def authenticate(settings: TokenSettings, token: str) -> Caller:
    """The caller a token names, or ``Unauthenticated`` saying what is wrong with it."""
    verified = _verified.get(settings)
    if verified is None:
        verified = _verified[settings] = VerifiedTokens()
    caller = verified.get(token, settings.leeway_seconds)
    if caller is None:
        caller, expires_at = _verify(settings, token)
        verified.put(token, caller, expires_at)
    return caller


def _verify(settings: TokenSettings, token: str) -> tuple[Caller, float]:
    if settings.oidc is not None and settings.oidc.handles(token):
        return settings.oidc.verify(token)
    claims = token_claims.decode(
        token,
        settings.secret,
        algorithms=[ALGORITHM],
        audience=settings.audience,
        issuer=settings.issuer,
        leeway=settings.leeway_seconds,
        issued_by="ticketing",
    )
    try:
        user_id = str(uuid.UUID(str(claims["sub"])))
    except ValueError:
        raise Unauthenticated("the token's subject is not a user id") from None
    return Caller(user_id=user_id, roles=token_claims.roles_of(claims)), float(claims["exp"])


def _settings(request: Request) -> TokenSettings:
    settings: TokenSettings = request.app.state.token_settings
    return settings


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _caller_from_header(request: Request) -> Caller | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use an Authorization header of the form 'Bearer <token>'")
    return authenticate(_settings(request), token.strip())


async def optional_caller(request: Request) -> Caller:
    """The caller if a token was sent, else the anonymous viewer.

    No ``HTTPBearer`` sub-dependency here (it would run on every seat-map poll just to document
    the scheme): open routes declare ``openapi_extra=OPTIONAL_BEARER`` instead.
    """
    return _caller_from_header(request) or ANONYMOUS


def authenticated(request: Request) -> Caller:
    """The caller of a route that needs a token: 401 without one."""
    caller = _caller_from_header(request) or ANONYMOUS
    require_identity(caller)
    return caller


async def required_caller(request: Request, _: Credentials) -> Caller:
    return authenticated(request)


async def admin_caller(caller: Annotated[Caller, Depends(required_caller)]) -> Caller:
    if not caller.is_admin:
        raise PermissionDenied("this route needs the admin role")
    return caller


MaybeAuthenticated = Annotated[Caller, Depends(optional_caller)]
Authenticated = Annotated[Caller, Depends(required_caller)]
Admin = Annotated[Caller, Depends(admin_caller)]


def require_identity(caller: Caller, message: str = "this route needs a bearer token") -> None:
    """401 for the anonymous viewer."""
    if caller.user_id is None:
        raise Unauthenticated(message, error=None)


def acting_user(caller: Caller, user_id: uuid.UUID | None) -> str:
    """The user a request acts for: the one it names (if allowed), else the caller."""
    if user_id is None:
        require_identity(caller)
        return str(caller.user_id)
    named = str(user_id)
    ensure_acts_for(caller, named)
    return named


def ensure_acts_for(caller: Caller, user_id: str) -> None:
    """403 unless ``user_id`` is the caller's own id (admins may act for anyone)."""
    if caller.is_admin or caller.user_id == user_id:
        return
    raise PermissionDenied("you may act only for your own user id", {"userId": user_id})
