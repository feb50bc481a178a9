"""The health report."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from gateway.schemas.common import ErrorDetail, ResponseModel


class HealthResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "services": {
                        "catalog": "SERVING",
                        "inventory": "SERVING",
                        "booking": "SERVING",
                        "payment": "SERVING",
                    },
                },
                {
                    "status": "unavailable",
                    "services": {
                        "catalog": "SERVING",
                        "inventory": "SERVING",
                        "booking": "SERVING",
                        "payment": "UNAVAILABLE",
                    },
                    "error": {
                        "code": "UNAVAILABLE",
                        "message": "not serving: payment",
                        "details": {"payment": "UNAVAILABLE"},
                    },
                },
            ]
        }
    )

    status: Literal["ok", "unavailable"]
    services: dict[str, str] = Field(
        description="gRPC health of each service: SERVING, NOT_SERVING, UNAVAILABLE ..."
    )
    error: ErrorDetail | None = Field(default=None, description="Only when status is 503.")
