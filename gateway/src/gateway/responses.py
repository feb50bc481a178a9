"""JSON responses serialised by orjson, built from plain dicts.

Routes render protobuf replies straight into dicts and return them here, skipping a pydantic
round-trip per response: the response models exist for the OpenAPI document (and for tests that
check the rendered dicts against them), not for serialisation on the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

__all__ = [
    "GZIP_LEVEL",
    "GZIP_MINIMUM_BYTES",
    "GZIP_THREAD_MINIMUM_BYTES",
    "JsonResponse",
    "json_bytes_response",
    "json_response",
]

# Big replies (a 10,000-seat map is ~1.2 MB of JSON) travel gzipped (~5x smaller) to clients
# that accept it; small ones, e.g. a 100-seat map, are not worth the CPU.
GZIP_MINIMUM_BYTES = 16 * 1024
GZIP_LEVEL = 5
GZIP_THREAD_MINIMUM_BYTES = 128 * 1024
"""Bodies this big are compressed off the event loop (Starlette's GZipMiddleware does too)."""


class JsonResponse(JSONResponse):
    """Starlette's JSONResponse (FastAPI documents its routes as JSON) rendered by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(
    content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(content, status_code=status_code, headers=headers)


def json_bytes_response(
    body: bytes, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A response whose JSON is already encoded (render cache, idempotent replays)."""
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")
