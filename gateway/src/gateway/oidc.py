"""Tokens from an OpenID Connect provider (production sign-in): RS256 JWTs verified against the
provider's JWKS.

The key set is fetched from ``JWKS_URL`` on first use and cached (an hour); a token signed with a
``kid`` the cache does not know makes it fetch the set again (a key rotation), at most once per
30 s, so a flood of made-up key ids cannot hammer the provider. Issuer and audience must match
``OIDC_ISSUER`` and ``OIDC_AUDIENCE``. The ``sub`` is the user id when it is a UUID, otherwise a
UUID derived from issuer and subject (so the same person is the same user on every sign-in);
``roles`` is a list of strings, as in the gateway's own tokens.
"""

from __future__ import annotations

import uuid

import jwt

from gateway import token_claims
from gateway.errors import Unauthenticated
from svckit.identity import Caller

__all__ = ["OIDC_ALGORITHMS", "OidcVerifier"]

OIDC_ALGORITHMS = ["RS256"]
_SUBJECT_NAMESPACE = uuid.UUID("0b8f6c1e-3d7a-4f8e-9a51-6f2c4d9e8b70")


class OidcVerifier:
    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: float = 30.0,
        keys_lifespan_seconds: float = 3600.0,
        refetch_cooldown_seconds: float = 30.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        if not (jwks_url and issuer and audience):
            raise ValueError("JWKS_URL, OIDC_ISSUER and OIDC_AUDIENCE are all needed")
        self.issuer = issuer
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self._keys = jwt.PyJWKClient(
            jwks_url,
            cache_jwk_set=True,
            lifespan=keys_lifespan_seconds,
            timeout=timeout_seconds,
            cooldown_duration=refetch_cooldown_seconds,
        )

    @staticmethod
    def handles(token: str) -> bool:
        """True for an RS256 token (the gateway's own are HS256)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return False
        return header.get("alg") in OIDC_ALGORITHMS

    def verify(self, token: str) -> tuple[Caller, float]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise Unauthenticated("the identity provider's keys cannot be fetched now") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise Unauthenticated(
                "the token is signed with a key the provider does not list"
            ) from None
        claims = token_claims.decode(
            token,
            key.key,
            algorithms=OIDC_ALGORITHMS,
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway_seconds,
            issued_by="the identity provider",
        )
        caller = Caller(
            user_id=self.user_id(str(claims["sub"])), roles=token_claims.roles_of(claims)
        )
        return caller, float(claims["exp"])

    def user_id(self, subject: str) -> str:
        try:
            return str(uuid.UUID(subject))
        except ValueError:
            return str(uuid.uuid5(_SUBJECT_NAMESPACE, f"{self.issuer}\n{subject}"))


def oidc_verifier(
    jwks_url: str, issuer: str, audience: str, leeway_seconds: float
) -> OidcVerifier | None:
    """The verifier when ``JWKS_URL`` is set, else None (only the gateway's own tokens)."""
    if not jwks_url:
        return None
    return OidcVerifier(jwks_url, issuer=issuer, audience=audience, leeway_seconds=leeway_seconds)
