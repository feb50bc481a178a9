"""Payment's verification pinned to the simulator's signing: same scheme, both sides."""

from __future__ import annotations

import pytest

from payment.domain.errors import (
    MalformedSignature,
    SignatureExpired,
    SignatureMismatch,
    SignatureMissing,
)
from payment.domain.webhook_signature import verify_signature
from payment_simulator.signing import sign, signature

pytestmark = pytest.mark.unit

SECRET = "whsec_current"
BODY = b'{"id":"evt_1","type":"payment.success","data":{"sessionId":"sess_1"}}'
NOW = 1_800_000_000


def verify(
    header: str, body: bytes = BODY, secrets: tuple[str, ...] = (SECRET,), now: int = NOW
) -> int:
    return verify_signature(body, header, secrets, now=now, tolerance_seconds=300)


def test_a_signature_made_by_the_provider_verifies() -> None:
    assert verify(sign(BODY, SECRET, NOW)) == NOW


def test_any_of_several_v1_signatures_may_match() -> None:
    header = sign(BODY, ["whsec_unknown_here", SECRET], NOW)
    assert header.count("v1=") == 2
    assert verify(header) == NOW


def test_any_of_several_configured_secrets_may_match_during_a_rotation() -> None:
    header = sign(BODY, "whsec_previous", NOW)
    assert verify(header, secrets=(SECRET, "whsec_previous")) == NOW


def test_unknown_schemes_are_ignored_and_hex_case_does_not_matter() -> None:
    digest = signature(SECRET, NOW, BODY).upper()
    assert verify(f"t={NOW},v0=deadbeef,v1={digest}") == NOW


def test_a_tampered_body_is_rejected() -> None:
    with pytest.raises(SignatureMismatch):
        verify(sign(BODY, SECRET, NOW), body=BODY.replace(b"sess_1", b"sess_2"))


def test_a_wrong_secret_is_rejected() -> None:
    with pytest.raises(SignatureMismatch):
        verify(sign(BODY, "whsec_attacker", NOW))


def test_a_changed_timestamp_breaks_the_signature() -> None:
    digest = signature(SECRET, NOW, BODY)
    with pytest.raises(SignatureMismatch):
        verify(f"t={NOW + 1},v1={digest}", now=NOW + 1)


@pytest.mark.parametrize("age", [300, -300, 0])
def test_timestamps_within_the_tolerance_are_accepted(age: int) -> None:
    assert verify(sign(BODY, SECRET, NOW - age)) == NOW - age


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_stale_or_future_timestamps_are_rejected(age: int) -> None:
    with pytest.raises(SignatureExpired):
        verify(sign(BODY, SECRET, NOW - age))


@pytest.mark.parametrize("header", ["", "   "])
def test_a_missing_header_is_rejected(header: str) -> None:
    with pytest.raises(SignatureMissing):
        verify(header)


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"t={NOW}",
        "v1=" + "a" * 64,
        f"t=soon,v1={'a' * 64}",
        f"t={NOW},t={NOW},v1={'a' * 64}",
        f"t={NOW},v1=not-hex",
        f"t={NOW},v1={'a' * 63}",
        f"t=-{NOW},v1={'a' * 64}",
    ],
)
def test_malformed_headers_are_rejected_as_such(header: str) -> None:
    with pytest.raises(MalformedSignature):
        verify(header)
