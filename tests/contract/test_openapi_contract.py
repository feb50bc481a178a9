"""The OpenAPI document and the server agree: schemathesis generates requests from
``/api/openapi.json`` (its examples, a coverage pass over every parameter and status, and a bounded
random fuzz, with a fixed seed) and sends them to the running system as an admin, failing on any
server error or any reply the document does not describe: undeclared statuses, bodies or headers
off their schema, invalid input accepted, valid input refused, an undocumented method not 405.

Ids are real (a show, its seats, a screen, a theatre, a movie, bookings, a checkout session), so
requests reach past the 404s into the services. What a client must supply and schemathesis cannot
invent, valid requests get as a client would send them: a fresh ``Idempotency-Key`` per request
(a key is meant to be used once; reusing one for another body is the documented 422) and, for
``pageToken``, the ``nextPageToken`` a first page handed out (a token is opaque; any other text is
the documented 400). Invalid requests are sent exactly as generated.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
import schemathesis.engine
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.engine import Status, events
from schemathesis.openapi import from_url
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.api import ADMIN, API, new_show, token
from tests.support.system import System

pytestmark = pytest.mark.contract

SEED = 20261202
MAX_EXAMPLES = 8
"""Per operation and phase: enough to cross every schema branch, bounded for CI's time."""

USER = "11111111-1111-4111-8111-111111111111"  # the examples' user, with bookings of its own
SEAT_ROUTES = {f"{API}/bookings/hold-seats", f"{API}/bookings"}
_offsets = itertools.count()


_SHAPE_FIELDS = ("body", "query.", "path.", "header.", "cookie.")


def _refused_by_a_service_rule(status: int, content: bytes) -> bool:
    """A 400 from a service's own rule, with its own code, not the gateway's shape check.

    The gateway's refusal of a request's shape names the offending fields (``body.showId``,
    ``query.date``); that must never happen to a request the document calls valid. A service may
    still refuse one by a rule JSON Schema cannot state: a seat numbered twice in one row, a tier
    priced twice, a webhook whose signature does not parse, a page token of another list."""
    if status != 400:
        return False
    try:
        details = json.loads(content)["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(details, dict) and not any(key.startswith(_SHAPE_FIELDS) for key in details)


@schemathesis.check
def valid_requests_pass_the_gateway(ctx: Any, response: Any, case: Case[Any]) -> bool | None:
    """Schemathesis's positive_data_acceptance, but for a service's own rules (see above)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if _refused_by_a_service_rule(response.status_code, response.content):
            return None
        raise


@dataclass(frozen=True)
class Catalogue:
    """Real ids in the running system, and the first page token of every paginated list."""

    movie: str
    theatre: str
    screen: str
    show: str
    seats: list[str]
    booking: str
    session: str
    page_tokens: dict[str, str]


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def _next_token(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    page_token = response.json()["nextPageToken"]
    assert page_token, response.text
    return str(page_token)


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def catalogue(contract_system: System) -> Catalogue:
    async with httpx.AsyncClient(base_url=contract_system.base_url, timeout=60) as api:
        show = await new_show(api, rows=4, seats_per_row=10, starts_in=timedelta(days=5))
        await new_show(api, rows=1, seats_per_row=2, starts_in=timedelta(days=6))  # two of each
        seat_map = (await api.get(f"{API}/seats/shows/{show['id']}")).json()
        seats = [seat["id"] for seat in seat_map["seats"]]
        user = {"Authorization": f"Bearer {token(USER)}"}
        bookings = [
            _created(
                await api.post(
                    f"{API}/bookings",
                    json={"showId": show["id"], "showSeatIds": seats[index : index + 1]},
                    headers=user,
                )
            )
            for index in (30, 31)
        ]
        session = _created(
            await api.post(
                f"{API}/payments/initiate", json={"bookingId": bookings[0]["id"]}, headers=user
            )
        )
        page_tokens = {
            f"{API}/movies": _next_token(await api.get(f"{API}/movies?pageSize=1")),
            f"{API}/theatres": _next_token(await api.get(f"{API}/theatres?pageSize=1")),
            f"{API}/shows": _next_token(await api.get(f"{API}/shows?pageSize=1")),
            f"{API}/bookings/user/{{userId}}": _next_token(
                await api.get(f"{API}/bookings/user/{USER}?pageSize=1", headers=user)
            ),
        }
        return Catalogue(
            movie=show["movieId"],
            theatre=show["theatreId"],
            screen=show["screenId"],
            show=show["id"],
            seats=seats[:30],
            booking=bookings[0]["id"],
            session=session["sessionId"],
            page_tokens=page_tokens,
        )


def _schema(system: System, catalogue: Catalogue) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "headers": {"Authorization": ADMIN["Authorization"]},
            "request-timeout": 60,
            # The seat stream opens with `event: ready` and then stays open by design.
            "max-stream-events": 1,
            "workers": 2,
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "parameters": {
                "path.movieId": catalogue.movie,
                "path.theatreId": catalogue.theatre,
                "path.screenId": catalogue.screen,
                "path.showId": catalogue.show,
                "path.bookingId": catalogue.booking,
                "path.sessionId": catalogue.session,
                "path.userId": USER,
            },
        }
    )
    return from_url(f"{system.base_url}/api/openapi.json", config=config)


def _supply_what_a_client_would(case: Case[Any], catalogue: Catalogue) -> None:
    """Give a valid request the values only a client can have (see the module's docstring)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    headers = case.headers if case.headers is not None else {}
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if isinstance(case.body, dict) and "idempotencyKey" in case.body:
        case.body["idempotencyKey"] = headers.get("Idempotency-Key", str(uuid.uuid4()))
    if case.query and "pageToken" in case.query:
        case.query["pageToken"] = catalogue.page_tokens[case.path]
    body = case.body
    if case.path in SEAT_ROUTES and isinstance(body, dict):
        chosen = body.get("showSeatIds")
        if isinstance(chosen, list):
            start = next(_offsets) % (len(catalogue.seats) - 10)
            body["showId"] = catalogue.show
            body["showSeatIds"] = list(catalogue.seats[start : start + len(chosen)])


def _findings(event: Any) -> list[str]:
    if isinstance(event, events.NonFatalError):
        return [f"{event.label}: error: {event.info.format()}"]
    if isinstance(event, events.FatalError):
        return [f"schemathesis failed: {event.exception!r}"]
    if not isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
        return []
    found = []
    for nodes in event.recorder.checks.values():
        for node in nodes:
            if node.status is Status.FAILURE and node.failure_info is not None:
                failure = node.failure_info.failure
                found.append(
                    f"{event.recorder.label}: {node.name}: {failure.title}\n"
                    f"    {failure.message}\n    {node.failure_info.code_sample[:2000]}"
                )
    return found


def test_the_server_does_what_its_openapi_document_says(
    contract_system: System, catalogue: Catalogue
) -> None:
    def before_call(context: Any, case: Case[Any], kwargs: dict[str, Any]) -> None:
        _supply_what_a_client_would(case, catalogue)

    schemathesis.hook(before_call)
    try:
        stream = schemathesis.engine.from_schema(_schema(contract_system, catalogue)).execute()
        findings: list[str] = []
        finished = None
        for event in stream:
            findings.extend(_findings(event))
            if isinstance(event, events.EngineFinished):
                finished = event
    finally:
        schemathesis.hooks.unregister(before_call)

    assert finished is not None
    assert not findings, "\n".join(dict.fromkeys(findings))


def test_the_ids_given_to_schemathesis_are_real(
    contract_system: System, catalogue: Catalogue
) -> None:
    with httpx.Client(base_url=contract_system.base_url, headers=ADMIN, timeout=60) as api:
        for path in (
            f"{API}/shows/{catalogue.show}",
            f"{API}/movies/{catalogue.movie}",
            f"{API}/theatres/{catalogue.theatre}",
            f"{API}/screens/{catalogue.screen}",
            f"{API}/bookings/{catalogue.booking}",
        ):
            assert api.get(path).status_code == 200, path
