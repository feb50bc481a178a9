"""``create_app(settings)``: the simulator as an ASGI app (uvicorn in production and in tests)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from payment_simulator.api import api_router
from payment_simulator.checkout import checkout_router
from payment_simulator.config import Settings
from payment_simulator.errors import SimulatorError
from payment_simulator.store import SessionStore
from payment_simulator.webhooks import WebhookSender


def create_app(
    settings: Settings,
    *,
    webhook_client: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The app; ``app.state.store`` and ``app.state.webhooks`` are there for tests to inspect."""
    store = SessionStore(base_url=settings.base_url, clock=clock)
    client = webhook_client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
    sender = WebhookSender(settings, client, clock=clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await sender.aclose()
            if webhook_client is None:
                await client.aclose()

    app = FastAPI(
        title="Ticketing payment simulator",
        description="Plays an external payment provider: sessions, checkout page, refunds, "
        "signed webhooks with retries.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.webhooks = sender

    @app.exception_handler(SimulatorError)
    async def simulator_error(_: Request, exc: SimulatorError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": exc.code, "message": str(exc)}}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": problems}}, status_code=400
        )

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api_router(store, sender))
    app.include_router(checkout_router(store, sender))
    return app
