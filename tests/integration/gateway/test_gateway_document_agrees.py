"""The server does what its OpenAPI document says: undocumented methods are 405 with the documented
``Allow``, OPTIONS names the same methods, query parameters are refused when they break the
document's schema, JSON integers are JSON Schema's, and the Swagger UI needs nothing but the
gateway."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.integration.gateway.conftest import auth
from tests.integration.gateway.fakes import SEAT_1, SHOW, THEATRE, USER, Fakes

pytestmark = pytest.mark.integration

ADMIN = auth(USER, ["admin"])


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _allow(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "5d9c2f4e-7a41-4c6b-9b1e-0f6f3d2a9c10", path)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/v1/bookings/hold-seats", {"POST", "OPTIONS"}),
        ("DELETE", "/api/v1/movies", {"GET", "POST", "OPTIONS"}),
        ("PUT", f"/api/v1/bookings/{SHOW}", {"GET", "OPTIONS"}),
        ("GET", f"/api/v1/bookings/{SHOW}/cancel", {"PATCH", "OPTIONS"}),
        ("POST", "/api/v1/health", {"GET", "OPTIONS"}),
    ],
)
async def test_a_method_the_path_does_not_have_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path, headers=ADMIN)

    assert response.status_code == 405, response.text
    assert _allow(response) == allowed
    error = response.json()["error"]
    assert error["code"] == "METHOD_NOT_ALLOWED"
    assert method in error["message"] and error["details"]["allow"] == response.headers["allow"]


async def test_options_names_exactly_the_documented_methods_of_every_path(
    client: httpx.AsyncClient,
) -> None:
    paths = (await _document(client))["paths"]
    for path, item in paths.items():
        response = await client.options(_concrete(path))
        documented = {method.upper() for method in item}
        assert response.status_code == 204, (path, response.status_code)
        assert _allow(response) == documented | {"OPTIONS"}, path


async def test_literal_paths_still_reach_their_own_routes(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    held = await client.post(
        "/api/v1/bookings/hold-seats",
        json={"showId": SHOW, "showSeatIds": [SEAT_1]},
        headers=auth(),
    )
    listed = await client.get(f"/api/v1/bookings/user/{USER}", headers=auth())
    theatre = await client.get(f"/api/v1/theatres/{THEATRE}")

    assert held.status_code == 201, held.text
    assert listed.status_code == 200, listed.text
    assert theatre.status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=0", "query.date"),
        ("date=2026-13-45", "query.date"),
        ("date=20260101", "query.date"),
        ("bookableOnly=yes", "query.bookableOnly"),
        ("bookableOnly=0", "query.bookableOnly"),
        ("pageToken=not%20a%20token", "query.pageToken"),
        ("pageSize=0", "query.pageSize"),
    ],
)
async def test_a_show_query_that_breaks_the_schema_is_400(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(f"/api/v1/shows?{query}")

    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["details"]


async def test_a_show_query_as_the_document_spells_it_is_accepted(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.get("/api/v1/shows?date=2026-02-01&bookableOnly=false&pageToken=")

    assert response.status_code == 200, response.text
    [call] = upstream.catalog.calls_to("ListShows")
    assert (call.request.date, call.request.bookable_only) == ("2026-02-01", False)


async def test_an_integral_json_number_is_an_integer_but_text_is_not(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    whole = await client.post(
        "/api/v1/movies", json={"title": "X", "durationMinutes": 169.0}, headers=ADMIN
    )
    text = await client.post(
        "/api/v1/movies", json={"title": "X", "durationMinutes": "169"}, headers=ADMIN
    )

    assert whole.status_code == 201, whole.text
    assert upstream.catalog.calls_to("CreateMovie")[0].request.duration_minutes == 169
    assert text.status_code == 400
    assert "body.durationMinutes" in text.json()["error"]["details"]


async def test_every_error_status_is_declared_with_an_example(client: httpx.AsyncClient) -> None:
    paths = (await _document(client))["paths"]
    booking = paths["/api/v1/bookings"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409", "422", "429", "503", "504"):
        content = booking[status]["content"]["application/json"]
        assert content["examples"], status
    in_use = booking["409"]["content"]["application/json"]["examples"]["idempotencyKeyInUse"]
    assert in_use["value"]["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert "retryable" in booking["409"]["description"]
    assert "Retry-After" in booking["409"]["headers"]
    for path in ("/api/v1/payments/initiate", "/api/v1/payments/refund/{bookingId}"):
        assert {"409", "422", "503", "504"} <= set(paths[path]["post"]["responses"]), path
    shows = {p["name"]: p for p in paths["/api/v1/shows"]["get"]["parameters"]}
    assert shows["pageToken"]["schema"]["pattern"] == "^[A-Za-z0-9_\\-]*$"
    assert shows["date"]["schema"]["anyOf"][0]["format"] == "date"


async def test_swagger_ui_loads_every_asset_from_the_gateway(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/docs")

    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert not re.search(r"(https?:)?//", page.text.replace("<!DOCTYPE html>", ""))
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3, assets
    for asset in assets:
        assert asset.startswith("/api/docs/assets/"), asset
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    bundle = await client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert 'PACKAGE_VERSION:"5.32.6"' in bundle.text  # pinned, not "the latest 5"
    assert "url: '/api/openapi.json'" in page.text
    assert '"validatorUrl": null' in page.text  # no badge fetched from validator.swagger.io
