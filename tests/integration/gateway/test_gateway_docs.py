"""The OpenAPI document, Swagger UI and Prometheus metrics."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.gateway.fakes import SHOW

pytestmark = pytest.mark.integration

ROUTES = {
    ("get", "/api/v1/seats/shows/{showId}"),
    ("get", "/api/v1/seats/shows/{showId}/available"),
    ("get", "/api/v1/seats/screens/{screenId}"),
    ("get", "/api/v1/seats/shows/{showId}/events"),
    ("put", "/api/v1/seats/shows/{showId}/rules"),
    ("post", "/api/v1/bookings/hold-seats"),
    ("post", "/api/v1/bookings/hold-best"),
    ("delete", "/api/v1/bookings/holds/{userId}"),
    ("post", "/api/v1/bookings"),
    ("get", "/api/v1/bookings/{bookingId}"),
    ("get", "/api/v1/bookings/user/{userId}"),
    ("patch", "/api/v1/bookings/{bookingId}/cancel"),
    ("post", "/api/v1/payments/initiate"),
    ("post", "/api/v1/payments/webhook"),
    ("post", "/api/v1/payments/simulate/{sessionId}"),
    ("post", "/api/v1/payments/refund/{bookingId}"),
    ("get", "/api/v1/payments/status/{bookingId}"),
    ("get", "/api/v1/payments/refund-quote/{bookingId}"),
    ("get", "/api/v1/bookings/{bookingId}/tickets"),
    ("post", "/api/v1/check-in"),
    ("get", "/api/v1/movies"),
    ("post", "/api/v1/movies"),
    ("get", "/api/v1/movies/{movieId}"),
    ("get", "/api/v1/theatres"),
    ("post", "/api/v1/theatres"),
    ("get", "/api/v1/theatres/{theatreId}"),
    ("get", "/api/v1/theatres/{theatreId}/screens"),
    ("post", "/api/v1/theatres/{theatreId}/screens"),
    ("get", "/api/v1/screens/{screenId}"),
    ("get", "/api/v1/shows"),
    ("post", "/api/v1/shows"),
    ("get", "/api/v1/shows/{showId}"),
    ("post", "/api/v1/shows/{showId}/queue"),
    ("get", "/api/v1/shows/{showId}/queue"),
    ("get", "/api/v1/shows/{showId}/queue/events"),
    ("get", "/api/v1/health"),
}


async def test_openapi_documents_every_route_with_schemas_and_examples(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert {(method, path) for path, item in paths.items() for method in item} == ROUTES
    schemas = document["components"]["schemas"]
    for name in ("ErrorResponse", "SeatMapResponse", "BookingResponse", "CreateBookingRequest"):
        assert schemas[name]["examples"], name
    assert "HTTPValidationError" not in schemas
    booking = paths["/api/v1/bookings"]["post"]
    assert booking["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateBookingRequest"
    }
    assert booking["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BookingResponse"
    }
    assert set(booking["responses"]) >= {"201", "400", "401", "403", "409", "422", "429"}
    assert booking["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert any(param["name"] == "Idempotency-Key" for param in booking["parameters"])
    assert "showSeatIds" in schemas["CreateBookingRequest"]["properties"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    assert booking["security"] == [{"HTTPBearer": []}]
    assert paths["/api/v1/seats/shows/{showId}"]["get"]["security"] == [{}, {"HTTPBearer": []}]
    assert "security" not in paths["/api/v1/payments/webhook"]["post"]


async def test_swagger_ui_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/docs")

    assert response.status_code == 200
    assert "/api/openapi.json" in response.text


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get(f"/api/v1/seats/shows/{SHOW}")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert (
        'http_requests_total{method="GET",route="/api/v1/seats/shows/{showId}",status="200"}'
        in response.text
    )
    assert "http_request_duration_seconds_bucket" in response.text


async def test_big_replies_are_gzipped_for_clients_that_accept_it(
    client: httpx.AsyncClient,
) -> None:
    plain = await client.get("/api/openapi.json", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert len(plain.content) > 16 * 1024
    zipped = await client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
    assert zipped.json() == plain.json()  # httpx inflates it back to the same document


async def test_small_replies_are_not_compressed(client: httpx.AsyncClient) -> None:
    health = await client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in health.headers
