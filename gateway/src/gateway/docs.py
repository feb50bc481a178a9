"""Swagger UI at ``/api/docs``, served entirely by the gateway.

FastAPI's default page loads ``swagger-ui-dist@5`` (an unpinned major version) from a public CDN,
so wherever a browser cannot reach the CDN the page is blank. The assets here are Swagger UI 5.32.6
as shipped inside the ``fastapi-offline`` wheel, pinned exactly in the gateway's dependencies, and
served from ``/api/docs/assets``; the online validator badge (a call to validator.swagger.io) is
switched off, so the page makes no request outside the gateway.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["ASSETS_DIR", "DOCS_PATH", "install_docs"]

DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")


def install_docs(app: FastAPI, openapi_url: str) -> None:
    missing = [name for name in _ASSETS if not (ASSETS_DIR / name).is_file()]
    if missing:
        raise RuntimeError(f"Swagger UI assets missing from {ASSETS_DIR}: {missing}")
    title = f"{app.title} - Swagger UI"

    async def swagger_ui(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    app.add_route(DOCS_PATH, swagger_ui, include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="swagger-ui-assets")
