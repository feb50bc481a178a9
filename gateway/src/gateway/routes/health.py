"""Health of every service behind the gateway, asked over the gRPC health protocol."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from gateway.errors import error_body
from gateway.responses import json_response
from gateway.routes import API_PREFIX
from gateway.schemas.health import HealthResponse
from gateway.state import State

router = APIRouter(prefix=API_PREFIX, tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Every service's gRPC health",
    responses={503: {"model": HealthResponse, "description": "A service is not serving"}},
)
async def health(gw: State) -> Response:
    services = await gw.upstreams.health(gw.config.health_timeout_seconds)
    failing = {name: status for name, status in services.items() if status != "SERVING"}
    if not failing:
        return json_response({"status": "ok", "services": services})
    document = {
        "status": "unavailable",
        "services": services,
        **error_body("UNAVAILABLE", f"not serving: {', '.join(sorted(failing))}", failing),
    }
    return json_response(document, 503, {"Retry-After": "1"})
