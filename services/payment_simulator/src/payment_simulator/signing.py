"""Signing webhooks the way the provider does: ``X-Payment-Signature: t=<unix>,v1=<hex>``.

``v1`` = HMAC-SHA256(secret, ``f"{t}."`` + raw body). With several secrets configured (during a
rotation) one ``v1`` per secret is sent, so receivers holding either secret accept the webhook.
Payment verifies this in its domain; the tests sign here and verify there.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Payment-Signature"


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secrets: str | Sequence[str], timestamp: int) -> str:
    """The header value for ``payload`` signed at ``timestamp`` with every secret."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one webhook secret is required")
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(key, timestamp, payload)}" for key in keys)]
    )
