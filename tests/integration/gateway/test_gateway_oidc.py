"""OpenID Connect tokens: RS256, verified against a JWKS served over HTTP by a local server with
keys this test makes. The key set is cached, fetched again for an unknown key id (a rotation), and
issuer, audience and expiry are enforced; the gateway's own HS256 tokens keep working beside it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.auth import TokenSettings, authenticate, issue_token
from gateway.errors import Unauthenticated
from gateway.oidc import OidcVerifier

pytestmark = pytest.mark.integration

ISSUER = "https://id.example.test/realms/ticketing"
AUDIENCE = "ticketing-storefront"


class Provider:
    """A JWKS endpoint whose key set the test rotates; counts how often it is fetched."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": provider.jwks()}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def new_key(self) -> str:
        kid = uuid.uuid4().hex[:12]
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return kid

    def jwks(self) -> list[dict[str, Any]]:
        out = []
        for kid, key in self.keys.items():
            jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return out

    def token(self, kid: str, *, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "auth0|alice",
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        signing_key = key or self.keys[kid]
        return jwt.encode(
            {k: v for k, v in payload.items() if v is not None},
            signing_key,
            algorithm="RS256",
            headers={"kid": kid},
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = Provider()
    yield running
    running.close()


def settings_for(provider: Provider) -> TokenSettings:
    verifier = OidcVerifier(
        provider.url, issuer=ISSUER, audience=AUDIENCE, refetch_cooldown_seconds=0.0
    )
    return TokenSettings(
        "a-gateway-secret-of-32-characters!", "ticketing", "ticketing-api", oidc=verifier
    )


def test_a_provider_token_names_the_caller_and_the_keys_are_cached(provider: Provider) -> None:
    kid = provider.new_key()
    settings = settings_for(provider)
    caller = authenticate(settings, provider.token(kid, roles=["staff"]))
    assert caller.roles == frozenset({"staff"})
    # A subject that is not a UUID becomes a stable one, the same on every sign-in.
    again = authenticate(settings, provider.token(kid, jti="second"))
    assert caller.user_id == again.user_id
    assert uuid.UUID(str(caller.user_id))
    uuid_subject = str(uuid.uuid4())
    assert authenticate(settings, provider.token(kid, sub=uuid_subject)).user_id == uuid_subject
    assert provider.fetches == 1


def test_an_unknown_key_id_makes_the_gateway_fetch_the_keys_again(provider: Provider) -> None:
    first = provider.new_key()
    settings = settings_for(provider)
    authenticate(settings, provider.token(first))
    rotated = provider.new_key()
    caller = authenticate(settings, provider.token(rotated, sub="auth0|bob"))
    assert caller.user_id is not None
    assert provider.fetches == 2


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.example.test"}, "not issued by the identity provider"),
        ({"aud": "another-api"}, "not meant for this API"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"sub": None}, "lacks the 'sub' claim"),
        ({"roles": "admin"}, "roles claim is not a list"),
    ],
    ids=["issuer", "audience", "expired", "no-subject", "roles"],
)
def test_a_provider_token_with_wrong_claims_is_refused(
    provider: Provider, claims: dict[str, Any], message: str
) -> None:
    kid = provider.new_key()
    with pytest.raises(Unauthenticated, match=message):
        authenticate(settings_for(provider), provider.token(kid, **claims))


def test_a_token_signed_by_a_key_the_provider_does_not_list_is_refused(
    provider: Provider,
) -> None:
    kid = provider.new_key()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = settings_for(provider)
    with pytest.raises(Unauthenticated, match="signature is invalid"):
        authenticate(settings, provider.token(kid, key=stranger))
    with pytest.raises(Unauthenticated, match="key the provider does not list"):
        authenticate(settings, provider.token("no-such-kid", key=stranger))


def test_the_gateways_own_tokens_still_work_beside_the_provider(provider: Provider) -> None:
    provider.new_key()
    settings = settings_for(provider)
    user = str(uuid.uuid4())
    assert authenticate(settings, issue_token(settings, user, ["admin"])).user_id == user
    assert provider.fetches == 0
