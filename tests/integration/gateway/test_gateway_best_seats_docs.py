"""The OpenAPI document of best available, a show's seat rules and the seat stream."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


async def test_hold_best_is_documented_with_its_bodies_and_the_409_when_none_are_left(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/api/openapi.json")).json()
    schemas = document["components"]["schemas"]
    hold_best = document["paths"]["/api/v1/bookings/hold-best"]["post"]

    assert hold_best["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HoldBestSeatsRequest"
    }
    assert hold_best["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HoldBestSeatsResponse"
    }
    assert set(hold_best["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "409",
        "429",
        "503",
        "504",
    }
    conflict = hold_best["responses"]["409"]["content"]["application/json"]["examples"]
    assert conflict["noAdjacentSeats"]["value"]["error"]["code"] == "NO_ADJACENT_SEATS"
    assert (
        schemas["HoldBestSeatsRequest"]["examples"] and schemas["HoldBestSeatsResponse"]["examples"]
    )
    assert schemas["HoldBestSeatsRequest"]["properties"]["count"]["maximum"] == 10
    assert {"strandsSeats", "strandedSeats", "seats", "holds"} <= set(
        schemas["HoldBestSeatsResponse"]["properties"]
    )
    assert hold_best["security"] == [{"HTTPBearer": []}]


async def test_the_seat_stream_and_the_rules_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    paths = document["paths"]

    stream = paths["/api/v1/seats/shows/{showId}/events"]["get"]
    assert set(stream["responses"]) == {"200", "400"}
    example = stream["responses"]["200"]["content"]["text/event-stream"]["example"]
    assert "event: ready" in example and "event: seats" in example and "event: reload" in example
    assert any(param["name"] == "Last-Event-ID" for param in stream["parameters"])
    rules = paths["/api/v1/seats/shows/{showId}/rules"]["put"]
    assert rules["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ShowRulesResponse"
    }
    assert document["components"]["schemas"]["ShowRulesRequest"]["examples"]


async def test_holds_and_bookings_document_the_no_orphan_refusal(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]

    for path in ("/api/v1/bookings/hold-seats", "/api/v1/bookings"):
        conflict = paths[path]["post"]["responses"]["409"]["content"]["application/json"]
        example = conflict["examples"]["seatWouldBeStranded"]["value"]["error"]
        assert example["code"] == "SEAT_WOULD_BE_STRANDED" and example["details"]["seat"] == "H6"
        assert "error" in conflict["examples"]  # the seats-taken example stays
