"""Bearer JWTs: what is accepted, what is rejected and why; acting for a user."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest

from gateway.auth import TokenSettings, acting_user, authenticate, ensure_acts_for, issue_token
from gateway.errors import ApiError
from svckit.identity import ANONYMOUS, Caller

pytestmark = pytest.mark.unit

SECRET = "unit-test-secret-" + "0123456789abcdef" * 4  # long enough for HS512 too
SETTINGS = TokenSettings(secret=SECRET, issuer="ticketing", audience="ticketing-api")
USER = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": USER,
        "roles": [],
        "iss": "ticketing",
        "aud": "ticketing-api",
        "iat": now,
        "exp": now + 86_400,  # a day: the tokens below are made when the tests are collected
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def signed(payload: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


def rejection(token: str) -> ApiError:
    with pytest.raises(ApiError) as raised:
        authenticate(SETTINGS, token)
    assert raised.value.status == 401
    assert raised.value.code == "UNAUTHENTICATED"
    assert raised.value.headers["WWW-Authenticate"].startswith('Bearer realm="ticketing"')
    return raised.value


def test_an_issued_token_names_the_user_and_roles() -> None:
    caller = authenticate(SETTINGS, issue_token(SETTINGS, USER, ["admin"]))

    assert caller == Caller(user_id=USER, roles=frozenset({"admin"}))
    assert caller.is_admin


def test_a_token_without_roles_is_a_plain_user() -> None:
    caller = authenticate(SETTINGS, signed(claims(roles=None)))

    assert caller.user_id == USER
    assert not caller.is_admin


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (signed(claims(exp=int(time.time()) - 120)), "expired"),
        (signed(claims(aud="another-api")), "not meant for this API"),
        (signed(claims(iss="someone-else")), "not issued by ticketing"),
        (signed(claims(), secret="another-secret-" + "0123456789abcdef" * 4), "signature"),
        (signed(claims(exp=None)), "'exp'"),
        (signed(claims(sub=None)), "'sub'"),
        (signed(claims(aud=None)), "'aud'"),
        (signed(claims(sub="alice")), "subject"),
        (signed(claims(roles="admin")), "roles"),
        (signed(claims(), algorithm="HS512"), "signature"),
        (jwt.encode(claims(), key=None, algorithm="none"), "signature"),
        ("not.a.jwt", "malformed"),
        ("", "malformed"),
    ],
)
def test_bad_tokens_are_rejected_saying_why(token: str, says: str) -> None:
    assert says in rejection(token).message


def test_a_token_just_past_exp_is_within_the_leeway() -> None:
    caller = authenticate(SETTINGS, signed(claims(exp=int(time.time()) - 5)))

    assert caller.user_id == USER


def test_users_act_for_themselves_admins_for_anyone() -> None:
    user = Caller(user_id=USER)
    admin = Caller(user_id=OTHER, roles=frozenset({"admin"}))

    ensure_acts_for(user, USER)
    ensure_acts_for(admin, USER)
    with pytest.raises(ApiError) as denied:
        ensure_acts_for(user, OTHER)
    assert denied.value.status == 403


def test_the_acting_user_defaults_to_the_caller() -> None:
    assert acting_user(Caller(user_id=USER), None) == USER
    assert acting_user(Caller(user_id=USER), uuid.UUID(USER)) == USER
    with pytest.raises(ApiError) as anonymous:
        acting_user(ANONYMOUS, None)
    assert anonymous.value.status == 401
