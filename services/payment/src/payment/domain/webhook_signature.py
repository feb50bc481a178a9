"""Verification of the provider's webhook signature: ``t=<unix>,v1=<hex>[,v1=<hex>…]``.

``v1`` is HMAC-SHA256(secret, ``f"{t}."`` + raw body bytes) in hex. Several ``v1`` values may be
present and several secrets configured, so a secret can be rotated without dropping webhooks:
the request is authentic when any ``v1`` matches any secret. The timestamp is part of the signed
bytes, so a captured request cannot be replayed outside the tolerance window. The signing side
lives in the simulator; tests sign with it and verify with this, pinning the two together.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from payment.domain.errors import (
    MalformedSignature,
    SignatureExpired,
    SignatureMismatch,
    SignatureMissing,
)

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300.0

_HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class SignatureHeader:
    timestamp: int
    signatures: tuple[str, ...]


def parse_signature_header(header: str) -> SignatureHeader:
    """The timestamp and ``v1`` signatures; unknown schemes (``v0=``) are ignored."""
    if not header or not header.strip():
        raise SignatureMissing("the X-Payment-Signature header is missing")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            raise MalformedSignature(f"X-Payment-Signature element {part.strip()!r} is not k=v")
        if key == "t":
            if timestamp is not None or not value.isdigit():
                raise MalformedSignature("X-Payment-Signature needs exactly one numeric t=")
            timestamp = int(value)
        elif key == SCHEME:
            if not _HEX_SHA256.match(value):
                raise MalformedSignature("X-Payment-Signature v1= must be 64 hex digits")
            signatures.append(value.lower())
    if timestamp is None:
        raise MalformedSignature("X-Payment-Signature has no t= timestamp")
    if not signatures:
        raise MalformedSignature("X-Payment-Signature has no v1= signature")
    return SignatureHeader(timestamp, tuple(signatures))


def expected_signature(secret: str, timestamp: int, payload: bytes) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_signature(
    payload: bytes,
    header: str,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """The signed timestamp when ``header`` proves ``payload`` came from the provider.

    The signature is checked before the timestamp, so "expired" is only said of genuine
    requests; every comparison is constant-time.
    """
    parsed = parse_signature_header(header)
    matched = False
    for secret in secrets:
        expected = expected_signature(secret, parsed.timestamp, payload)
        for candidate in parsed.signatures:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureMismatch("the webhook signature does not match")
    if abs(now - parsed.timestamp) > tolerance_seconds:
        raise SignatureExpired(
            f"the webhook timestamp is more than {tolerance_seconds:g} s from now"
        )
    return parsed.timestamp
