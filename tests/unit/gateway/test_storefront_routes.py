"""The storefront's routes: the pages everywhere, development sign-in only in development."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import Config
from gateway.web import DEMO_USERS, user_id_for

pytestmark = pytest.mark.unit

SECRET = "a-production-secret-0123456789abcdef"


def _client(env: str) -> TestClient:
    config = Config.model_validate({"ENV": env, "JWT_SECRET": SECRET})
    return TestClient(create_app(config))  # no lifespan: these routes need no upstream


def test_development_sign_in_exists_only_in_development() -> None:
    production = _client("production")
    assert production.post("/session/dev-sign-in", json={"name": "alice"}).status_code == 404
    assert production.get("/session").status_code == 404
    page = production.get("/")
    assert page.status_code == 200 and "<main" in page.text
    assert production.get("/web/js/main.js").status_code == 200
    assert _client("development").get("/session").status_code == 401


def test_names_sign_in_as_stable_users() -> None:
    assert user_id_for("Alice") == DEMO_USERS["alice"][0]
    assert user_id_for("Zed") == user_id_for(" zed ") != user_id_for("zoe")


def test_sign_in_sets_an_http_only_cookie_and_bad_names_are_400() -> None:
    client = _client("development")
    signed_in = client.post("/session/dev-sign-in", json={"name": "alice"})
    assert signed_in.status_code == 200
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/session" in cookie
    assert signed_in.json()["userId"] == DEMO_USERS["alice"][0]
    session = client.get("/session")
    assert session.status_code == 200 and session.json()["name"] == "alice"
    assert client.post("/session/dev-sign-in", json={"name": "<script>"}).status_code == 400
    assert client.post("/session/dev-sign-in", content=b"nope").status_code == 400
    client.post("/session/sign-out")
    assert client.get("/session").status_code == 401
