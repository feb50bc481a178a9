"""The storefront: static pages served by the gateway, and (in development only) one-click sign-in.

The pages are plain HTML, CSS and ES modules in ``gateway/web/`` (no build step); they call the
same ``/api/v1`` as every other client. Sign-in in development mints the same kind of token as
``python -m gateway token`` and keeps it in an HttpOnly, SameSite=Strict cookie; the page asks
``/session`` for a short-lived bearer token and holds that in memory only, so a script on the
page never sees the long-lived credential and nothing lands in localStorage. With
``ENV=production`` the sign-in routes do not exist (tokens then come from the OpenID Connect
provider).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Cookie, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth import ALGORITHM, TokenSettings, issue_token
from gateway.config import Config

__all__ = ["DEMO_USERS", "install_storefront", "user_id_for"]

WEB_DIR = Path(__file__).resolve().parent / "web"
SESSION_COOKIE = "ticketing_session"
SESSION_TTL_SECONDS = 12 * 3600
ACCESS_TTL_SECONDS = 15 * 60
# Demo users of the seed (README walkthrough) and their roles; any other name gets a stable id.
DEMO_USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "alice": ("11111111-1111-4111-8111-111111111111", ()),
    "bob": ("22222222-2222-4222-8222-222222222222", ()),
    "sam": ("33333333-3333-4333-8333-333333333333", ("staff",)),
}
_NAME_NAMESPACE = uuid.UUID("7f3c9a52-4a8e-4e0b-9a7d-2f6f1d9c0b11")


def user_id_for(name: str) -> str:
    """The user id a development name signs in as: a demo user's, else one derived from it."""
    key = name.strip().lower()
    demo = DEMO_USERS.get(key)
    return demo[0] if demo else str(uuid.uuid5(_NAME_NAMESPACE, key))


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9 ._-]*$")
    staff: bool = False


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": {}}}, status)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _session_claims(settings: TokenSettings, cookie: str | None) -> dict[str, Any] | None:
    if not cookie:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            cookie,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.InvalidTokenError:
        return None
    return claims


def _session_body(settings: TokenSettings, claims: dict[str, Any]) -> dict[str, Any]:
    roles = [role for role in claims.get("roles") or [] if isinstance(role, str)]
    return {
        "userId": claims["sub"],
        "name": str(claims.get("name") or ""),
        "roles": roles,
        "token": issue_token(settings, claims["sub"], roles, ttl_seconds=ACCESS_TTL_SECONDS),
        "expiresIn": ACCESS_TTL_SECONDS,
    }


def _dev_router(settings: TokenSettings) -> APIRouter:
    router = APIRouter(prefix="/session", include_in_schema=False)

    @router.get("")
    async def session(
        cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    ) -> Response:
        """Who is signed in, with a 15-minute bearer token for the page to keep in memory."""
        claims = _session_claims(settings, cookie)
        if claims is None:
            return _no_store(_error(401, "UNAUTHENTICATED", "nobody is signed in"))
        return _no_store(JSONResponse(_session_body(settings, claims)))

    @router.post("/dev-sign-in")
    async def sign_in(request: Request) -> Response:
        """Development only: sign in as a demo user or any new name, no password."""
        try:
            body = SignInRequest.model_validate_json(await request.body())
        except ValueError:
            return _error(
                400,
                "INVALID_ARGUMENT",
                'send {"name": "alice"}: a name of 1 to 40 letters, digits, spaces, . _ -',
            )
        name = body.name.strip()
        user_id = user_id_for(name)
        demo = DEMO_USERS.get(name.lower())
        roles = sorted(set(demo[1] if demo else ()) | ({"staff"} if body.staff else set()))
        issued = int(time.time())
        claims = {
            "sub": user_id,
            "name": name,
            "roles": roles,
            "iss": settings.issuer,
            "aud": settings.audience,
            "iat": issued,
            "exp": issued + SESSION_TTL_SECONDS,
        }
        cookie = jwt.encode(claims, settings.secret, algorithm=ALGORITHM)
        response = JSONResponse(_session_body(settings, claims))
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=SESSION_TTL_SECONDS,
            httponly=True,
            samesite="strict",
            path="/session",
        )
        return _no_store(response)

    @router.post("/sign-out")
    async def sign_out() -> Response:
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/session", httponly=True, samesite="strict")
        return response

    return router


def install_storefront(app: FastAPI, config: Config, settings: TokenSettings) -> None:
    """Serve the pages at ``/`` and their assets at ``/web/``; sign-in routes in development."""
    if config.is_development:
        app.include_router(_dev_router(settings))

    index = WEB_DIR / "index.html"

    async def storefront(request: Request) -> Response:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.add_route("/", storefront, methods=["GET"], include_in_schema=False)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")
