"""How soon the storefront's seat map of a 10,000-seat screen is usable in headless Chromium.

    python -m tests.load.storefront_map [--url http://127.0.0.1:8001] [--runs 5]

Against a running system in development (``make run``): it makes a 100 x 100 screen and a show on
it through the admin API (a token signed with the gateway's JWT_SECRET, the development one unless
set), signs in on the page, then for each run opens the show page and records when all 10,000 seat
buttons are painted (in the page's own clock, from navigation start) and how long the first pick
takes to show in the summary. A measurement, not a test: it prints the figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import expect, sync_playwright

from gateway.auth import TokenSettings, issue_token
from gateway.config import DEVELOPMENT_JWT_SECRET
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

API = "/api/v1"
ROWS = SEATS = 100
TIERS = ("VIP", "PREMIUM", "REGULAR")


def _label(index: int) -> str:
    return (chr(64 + index // 26) if index >= 26 else "") + chr(65 + index % 26)


def make_show(client: httpx.Client) -> str:
    settings = TokenSettings(
        os.environ.get("JWT_SECRET", DEVELOPMENT_JWT_SECRET), "ticketing", "ticketing-api"
    )
    admin = {"Authorization": f"Bearer {issue_token(settings, str(uuid.uuid4()), ['admin'])}"}
    tag = uuid.uuid4().hex[:6]

    def post(path: str, body: dict[str, object]) -> dict[str, object]:
        response = client.post(f"{API}{path}", json=body, headers=admin)
        response.raise_for_status()
        created: dict[str, object] = response.json()
        return created

    movie = post("/movies", {"title": f"Map bench {tag}", "durationMinutes": 90, "genres": ["X"]})
    theatre = post("/theatres", {"name": f"Arena {tag}", "city": "Pune"})
    rows = [
        {
            "label": _label(row),
            "seats": [{"number": n, "tier": TIERS[row * 3 // ROWS]} for n in range(1, SEATS + 1)],
        }
        for row in range(ROWS)
    ]
    screen = post(
        f"/theatres/{theatre['id']}/screens", {"name": "Arena 1", "layout": {"rows": rows}}
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    show = post(
        "/shows",
        {
            "movieId": movie["id"],
            "screenId": screen["id"],
            "startTime": start.isoformat().replace("+00:00", "Z"),
            "currency": "INR",
            "prices": [
                {"tier": t, "amount": a} for t, a in zip(TIERS, (50000, 35000, 20000), strict=True)
            ],
        },
    )
    return str(show["id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with httpx.Client(base_url=args.url, timeout=60) as client:
        show_id = make_show(client)
    painted, picked = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{args.url}/#/sign-in")
        page.get_by_role("button", name="Sign in as alice").click()
        page.get_by_text("Signed in as").wait_for()
        for _ in range(args.runs):
            page = context.new_page()
            page.goto(f"{args.url}/#/show/{show_id}")
            page.wait_for_function(
                f"() => document.querySelectorAll('button.seat').length === {ROWS * SEATS}",
                polling="raf",
                timeout=60_000,
            )
            painted.append(
                page.evaluate(
                    "() => new Promise(done => requestAnimationFrame(() => "
                    "requestAnimationFrame(() => done(performance.now()))))"
                )
            )
            started = time.perf_counter()
            page.locator("button.seat").nth(ROWS * SEATS // 2 + 50).click()
            expect(page.get_by_text("1 seat:")).to_be_visible()
            picked.append((time.perf_counter() - started) * 1000)
            page.close()
        browser.close()
    print(
        f"10,000-seat map painted after {statistics.median(painted):.0f} ms (median of "
        f"{args.runs}; min {min(painted):.0f}, max {max(painted):.0f}); "
        f"a pick shows in the summary {statistics.median(picked):.0f} ms after Playwright "
        "starts finding and clicking the seat"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
