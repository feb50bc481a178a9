"""The Swagger UI at /api/docs in Chromium with the internet cut off: every request outside the
gateway is refused, and the page still lists every operation of the document."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Request, Route, expect

from tests.support.system import System

# The timeout includes starting the system when this is the first browser test to run.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT_MS = 30_000


def test_swagger_ui_renders_every_operation_offline(browser: Browser, system: System) -> None:
    document = httpx.get(f"{system.base_url}/api/openapi.json", timeout=30).json()
    summaries = {
        operation["summary"] for item in document["paths"].values() for operation in item.values()
    }
    context = browser.new_context()
    outside: list[str] = []

    def only_the_gateway(route: Route, request: Request) -> None:
        if request.url.startswith(system.base_url):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    context.route("**/*", only_the_gateway)
    try:
        page = context.new_page()
        page.goto(f"{system.base_url}/api/docs")

        expect(page.get_by_role("heading", name=re.compile("Ticketing API"))).to_be_visible(
            timeout=WAIT_MS
        )
        for summary in sorted(summaries):
            expect(page.get_by_text(summary, exact=True).first).to_be_visible(timeout=WAIT_MS)
        assert outside == []
    finally:
        context.close()
