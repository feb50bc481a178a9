"""The composition root: ``create_app(config)`` wires routes, errors, auth, middleware and the
upstream channels (opened in the lifespan, one per service, shared by every request)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi

from gateway.auth import TokenSettings
from gateway.bookings_batch import BatchedBookings
from gateway.conditional import SharedReply
from gateway.config import Config
from gateway.docs import install_docs
from gateway.errors import install_error_handlers
from gateway.holds import BatchedHolds
from gateway.idempotency import REPLAYED_HEADER, IdempotencyStore
from gateway.lean import LeanRoutes
from gateway.metrics import metrics_endpoint
from gateway.middleware import GatewayMiddleware
from gateway.oidc import oidc_verifier
from gateway.rate_limit import create_rate_limiter
from gateway.render_cache import RenderCache
from gateway.responses import (
    GZIP_LEVEL,
    GZIP_MINIMUM_BYTES,
    GZIP_THREAD_MINIMUM_BYTES,
    JsonResponse,
)
from gateway.routes import (
    bookings,
    catalog,
    health,
    payments,
    refund_quotes,
    seats,
    tickets,
)
from gateway.routes.best_seats import router as best_seats_router
from gateway.routes.methods import install_method_answers
from gateway.routes.queue import router as queue_router
from gateway.routes.seat_stream import router as seat_stream_router
from gateway.seat_changes import SeatChangeHub
from gateway.seat_map_cache import SeatMapCache
from gateway.state import Gateway
from gateway.upstreams import Upstreams
from gateway.web import install_storefront
from svckit.db import create_engine
from svckit.logging import configure_logging
from svckit.metrics import WRITE_BATCHED_REQUESTS, WRITE_BATCHES
from svckit.runtime import tune_gc

__all__ = ["app_from_env", "create_app"]

VERSION = "1.0.0"
OPENAPI_URL = "/api/openapi.json"

DESCRIPTION = """
The Ticketing REST API: browse shows, hold and book seats, pay, refund.

* **JSON** field names are camelCase; request bodies reject unknown fields. Seat lists accept
  `showSeatIds` or its alias `seatIds` (1 to 10 distinct ids).
* **Money** is an integer in the currency's minor unit (paise, cents) next to its `currency`:
  `{"totalAmount": 50000, "currency": "INR"}` is ₹500.00. Times are RFC 3339 UTC.
* **Auth**: `Authorization: Bearer <JWT>` (HS256; claims `sub` = user id, `roles`, `exp`,
  `iss=ticketing`, `aud=ticketing-api`). Catalog reads and seat maps are open; everything else
  needs a token. A `userId` in a path, query or body must be the token's subject unless the
  caller is an admin. Catalog writes need the `admin` role.
* **Errors** have one shape, `{"error": {"code", "message", "details"}}`: 400 bad input,
  401 no/invalid token, 403 not yours, 404 missing, 409 conflict (seats taken, wrong state),
  422 Idempotency-Key reused with another body, 429 rate limited (`Retry-After`),
  503 a service is down, 504 a service timed out.
* **Idempotency-Key** on `POST /bookings`, `/payments/initiate`, `/payments/refund/{bookingId}`
  (for bookings also as `idempotencyKey` in the body, the original API's way). Same key and body
  → the first answer again; another body → 422; while the first request runs → 409
  `IDEMPOTENCY_KEY_IN_USE`, which is retryable: retry with the same key after `Retry-After`.
* **Methods**: a method a path does not have is 405 with `Allow`; `OPTIONS` lists them (204).
* **Free text** never contains NUL (U+0000); page tokens are the previous page's `nextPageToken`.
* **Rate limits** per user on holds and bookings (429 with `Retry-After`).
"""


def _counted(batch: str) -> Callable[[int, str], None]:
    """Counts the runs of a write batcher (svckit.metrics) under ``batch``."""

    def count(size: int, how: str) -> None:
        WRITE_BATCHES.labels(batch, how).inc()
        WRITE_BATCHED_REQUESTS.labels(batch, how).inc(size)

    return count


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: Config = app.state.config
    upstreams = Upstreams(
        {
            "catalog": config.catalog_addr,
            "inventory": config.inventory_addr,
            "booking": config.booking_addr,
            "payment": config.payment_addr,
            "waitingroom": config.waitingroom_addr,
        },
        deadline_seconds=config.grpc_deadline_seconds,
    )
    engine = create_engine(
        config.database_url,
        pool_size=config.db_pool_size,
        application_name="gateway",
    )
    store = IdempotencyStore(
        engine,
        ttl_seconds=config.idempotency_ttl_hours * 3600,
        deadline_seconds=config.grpc_deadline_seconds,
    )
    limiter = create_rate_limiter(
        config.rate_limit_per_minute,
        config.redis_url,
        key_prefix=config.rate_limit_key_prefix,
        on_batch=_counted("rate-limits"),
    )
    public_seat_maps = SeatMapCache[SharedReply](
        config.public_seat_map_shows, config.public_seat_map_seconds, clock=app.state.clock
    )
    holds = BatchedHolds(
        upstreams.inventory, batch_size=config.hold_batch_size, on_batch=_counted("holds")
    )
    bookings = BatchedBookings(
        upstreams.booking, batch_size=config.create_batch_size, on_batch=_counted("bookings")
    )
    app.state.gateway = Gateway(
        config=config,
        upstreams=upstreams,
        idempotency=store,
        limiter=limiter,
        seat_maps=RenderCache(config.seat_map_cache_size),
        public_seat_maps=public_seat_maps,
        holds=holds,
        bookings=bookings,
    )
    expiry = asyncio.create_task(
        store.expire_forever(config.idempotency_cleanup_seconds), name="idempotency-expiry"
    )
    # Started whatever else runs: the anonymous seat maps are kept only while it listens.
    seat_changes = SeatChangeHub(
        config.seat_changes_database_url or config.database_url, seat_maps=public_seat_maps
    )
    app.state.seat_changes = seat_changes
    listener = asyncio.create_task(seat_changes.run(), name="seat-changes")
    tune_gc()
    try:
        yield
    finally:
        expiry.cancel()
        listener.cancel()
        await asyncio.gather(expiry, listener, return_exceptions=True)
        await holds.close()  # the holds in a batch are answered before the channels close
        await bookings.close()
        await upstreams.close()
        await limiter.close()
        await engine.dispose()


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with FastAPI's default 422 validation answer replaced by our
    400 (validation is a 400 here; 422 means only a reused Idempotency-Key)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            default_422 = responses.get("422", {})
            if "HTTPValidationError" in str(default_422):
                del responses["422"]
            responses.setdefault(
                "400",
                {
                    "description": "Invalid request",
                    "content": {"application/json": {"schema": error_ref}},
                },
            )
    schemas = schema.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


def _routes_of(routers: list[APIRouter]) -> list[Any]:
    return [route for router in routers for route in router.routes]


def create_app(
    config: Config, *, clock: Callable[[], float] = time.monotonic, lean_routes: bool = True
) -> FastAPI:
    """The gateway; ``clock`` (monotonic seconds) is what its anonymous seat maps age by.
    ``lean_routes=False`` answers the hot writes by FastAPI's own handlers (gateway.lean), which
    the tests compare the lean ones with."""
    app = FastAPI(
        title="Ticketing API",
        version=VERSION,
        description=DESCRIPTION,
        docs_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        default_response_class=JsonResponse,
        lifespan=_lifespan,
        strict_content_type=False,
        openapi_tags=[
            {"name": "seats", "description": "Seat maps and layouts (open to anonymous viewers)"},
            {"name": "bookings", "description": "Holds and bookings"},
            {"name": "payments", "description": "Checkout, webhooks, refunds"},
            {"name": "catalog", "description": "Movies, theatres, screens, shows"},
            {"name": "queue", "description": "Waiting rooms in front of on-sales"},
            {"name": "health", "description": "Service health"},
        ],
    )
    app.state.config = config
    app.state.clock = clock
    app.state.lean_routes = lean_routes
    app.state.metrics_multiproc_dir = config.metrics_multiproc_dir
    app.state.token_settings = TokenSettings(
        secret=config.jwt_secret,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        leeway_seconds=config.jwt_leeway_seconds,
        oidc=oidc_verifier(
            config.jwks_url, config.oidc_issuer, config.oidc_audience, config.jwt_leeway_seconds
        ),
    )
    install_error_handlers(app)
    modules = (seats, bookings, payments, refund_quotes, tickets, catalog, health)
    routers = [module.router for module in modules]
    routers[1:1] = [seat_stream_router, best_seats_router]
    routers.append(queue_router)
    for router in routers:
        app.include_router(router)
    install_method_answers(app, routers)
    install_docs(app, OPENAPI_URL)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    install_storefront(app, config, app.state.token_settings)
    if config.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_allow_origins),
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[REPLAYED_HEADER, "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=GZIP_LEVEL,
        thread_minimum_size=GZIP_THREAD_MINIMUM_BYTES,
    )
    # With CORS the lean routes still answer, but from the router, inside its middleware.
    lean = LeanRoutes(app, [] if config.cors_allow_origins else _routes_of(routers))
    app.add_middleware(
        GatewayMiddleware,
        max_body_bytes=config.max_body_bytes,
        access_log=config.access_log,
        lean_routes=lean,
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory (``gateway.app:app_from_env``) each worker process calls."""
    config = Config.from_env()
    configure_logging("gateway", config.log_level)
    return create_app(config)
