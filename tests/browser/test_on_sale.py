"""The on-sale in Chromium: the best seats together held from the show page (and refused when
no block is left), and a show guarded by a waiting room: join the queue, see your place, be let
in by yourself and hold a seat. The database holds what the page showed; axe-core checks each
new view and screenshots are taken at phone and desktop widths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from gateway.web import user_id_for
from tests.browser.axe import assert_accessible
from tests.browser.conftest import WAIT_MS
from tests.browser.storefront import new_show, query, sign_in, unique_name
from tests.support.system import System

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PHONE, DESKTOP = 375, 1280
ON_SALE_IN = timedelta(seconds=8)  # long enough to see a place in the queue on a loaded machine


@pytest.fixture
def client(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def _page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _both_widths(
    page: Page, screenshots: Path, name: str, where: str, *, focus: Locator | None = None
) -> None:
    """Screenshots and an axe-core check of the view at desktop, then phone width: the whole
    page, or the screenful around ``focus`` (the seat summary sticks to the screen's bottom)."""
    for label, width in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size({"width": width, "height": 860})
        if focus is not None:
            focus.evaluate("seat => seat.scrollIntoView({block: 'center', inline: 'center'})")
        page.screenshot(path=screenshots / f"{name}-{label}.png", full_page=focus is None)
        assert_accessible(page, f"{where} at {width} px")
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def test_the_best_seats_together_are_held_from_the_show_page(
    system: System, client: httpx.Client, context: BrowserContext, screenshots: Path
) -> None:
    show = new_show(client, title=unique_name("Best Seats "))
    name = unique_name("nia")
    page = _page(context)
    sign_in(page, system.base_url, name)
    page.goto(f"{system.base_url}/#/show/{show['id']}")

    page.get_by_label("Seats", exact=True).select_option("2")
    page.get_by_role("button", name="Hold the best seats").click()
    said = page.get_by_role("status").filter(has_text="Held the best 2 seats together")
    expect(said).to_be_visible()
    found = re.search(r"row ([A-Z]), seats (\d+) to (\d+)\. (.*)$", said.inner_text())
    assert found, said.inner_text()
    row, first, last = found.group(1), int(found.group(2)), int(found.group(3))
    assert last == first + 1
    assert re.fullmatch(
        r"No seat is left on its own beside them\.|They leave seats? [A-Z]\d+.* on its own: .*",
        found.group(4),
    ), found.group(4)
    for number in (first, last):
        expect(
            page.get_by_role(
                "button", name=re.compile(f"^Row {row}, seat {number}, .*held by you$")
            )
        ).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text("Held for you for")
    expect(page.get_by_role("button", name=re.compile(r"^Book 2 seats for ₹"))).to_be_visible()
    held = query(
        system.database_url,
        "SELECT row_label, number FROM inventory.show_seats WHERE show_id = %s AND status = 'HELD'"
        " AND hold_user_id = %s ORDER BY number",
        show["id"],
        user_id_for(name),
    )
    assert held == [(row, first), (row, last)]
    mine = page.get_by_role("button", name=re.compile(f"^Row {row}, seat {first}, "))
    _both_widths(page, screenshots, "best-seats", "the best seats held", focus=mine)

    # No 5 VIP seats side by side (an aisle splits every row into fours): said plainly, and the
    # seats already held stay held.
    page.get_by_label("Seats", exact=True).select_option("5")
    page.get_by_label("Tier").select_option("VIP")
    page.get_by_role("button", name="Hold the best seats").click()
    expect(page.get_by_role("alert")).to_have_text(
        "There are no 5 seats side by side left in VIP. Ask for fewer, another tier, "
        "or pick seats on the map yourself."
    )
    expect(page.get_by_role("timer")).to_contain_text("Held for you for")
    assert not page.errors  # type: ignore[attr-defined]


def test_a_waiting_room_lets_the_person_in_and_then_they_hold_a_seat(
    system: System, client: httpx.Client, context: BrowserContext, screenshots: Path
) -> None:
    name = unique_name("tara")
    page = _page(context)
    sign_in(page, system.base_url, name)
    on_sale = (datetime.now(UTC) + ON_SALE_IN).isoformat(timespec="milliseconds")
    show = new_show(
        client,
        title=unique_name("Blockbuster "),
        onSaleAt=on_sale.replace("+00:00", "Z"),
        waitingRoom={"admitPerMinute": 600, "maxActive": 50},
    )
    page.goto(f"{system.base_url}/#/show/{show['id']}")
    expect(page.get_by_role("heading", name="Waiting room")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Seats go on sale at .*, in \d+:\d\d\.$"))).to_be_visible()
    page.get_by_role("button", name="Join the queue").click()
    expect(page.get_by_text(re.compile(r"^You are number 1 in the queue$"))).to_be_visible()
    expect(page.get_by_text("People ahead of you")).to_be_visible()
    expect(page.get_by_text("Estimated wait")).to_be_visible()
    _both_widths(page, screenshots, "waiting-room", "a place in the waiting room")

    # Admitted at the on-sale: the page moves on to the seats by itself, with the turn's end.
    expect(page.get_by_text("It is your turn: you can hold and book seats until")).to_be_visible(
        timeout=WAIT_MS + int(ON_SALE_IN.total_seconds() * 1000)
    )
    expect(page.get_by_role("heading", name="Pick your seats")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Row A, seat 3, .*available$")).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    expect(
        page.get_by_role("button", name=re.compile(r"^Row A, seat 3, .*held by you$"))
    ).to_be_visible()
    page.screenshot(path=screenshots / "admitted-desktop.png")
    assert_accessible(page, "the seats once admitted")
    assert query(
        system.database_url,
        "SELECT row_label, number, status FROM inventory.show_seats WHERE show_id = %s"
        " AND hold_user_id = %s",
        show["id"],
        user_id_for(name),
    ) == [("A", 3, "HELD")]
    assert query(
        system.database_url,
        "SELECT admission_no IS NOT NULL FROM waitingroom.entries WHERE show_id = %s"
        " AND user_id = %s",
        show["id"],
        user_id_for(name),
    ) == [(True,)]
    assert not page.errors  # type: ignore[attr-defined]


def test_a_hold_refused_for_want_of_a_turn_goes_back_to_the_queue(
    system: System, client: httpx.Client, context: BrowserContext
) -> None:
    """A page that believes it was let in (its first status read says ADMITTED, as a pass that
    ran out meanwhile would) is refused the hold by inventory, 403 ADMISSION_REQUIRED, and the
    person lands on the queue."""
    name = unique_name("ash")
    later = datetime.now(UTC) + timedelta(hours=1)
    show = new_show(
        client,
        onSaleAt=later.isoformat(timespec="seconds").replace("+00:00", "Z"),
        waitingRoom={"admitPerMinute": 60, "maxActive": 10},
    )
    page = _page(context)
    sign_in(page, system.base_url, name)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    believed = {
        "showId": show["id"],
        "userId": user_id_for(name),
        "state": "ADMITTED",
        "admitted": True,
        "position": 0,
        "peopleAhead": 0,
        "estimatedWaitSeconds": 0,
        "joinedAt": now,
        "onSaleAt": now,
        "inLottery": False,
        "admittedAt": now,
        "passExpiresAt": later.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    page.route(
        f"**/api/v1/shows/{show['id']}/queue",
        lambda route: route.fulfill(json=believed),
        times=1,
    )
    # What's on marks the showtime as behind a waiting room.
    page.get_by_role("link", name="What's on", exact=True).click()
    page.get_by_label("Theatre").select_option(label=f"{show['theatreName']}, Pune")
    showtime = page.get_by_role("link", name=re.compile(f"^{show['movieTitle']}, "))
    expect(showtime).to_contain_text("Waiting room")
    showtime.click()
    page.get_by_role("button", name=re.compile(r"^Row A, seat 2, .*available$")).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Holding seats for this show needs a turn from its waiting room first."
    )
    expect(page.get_by_role("button", name="Join the queue")).to_be_visible()
    assert query(
        system.database_url,
        "SELECT count(*) FROM inventory.show_seats WHERE show_id = %s AND status <> 'AVAILABLE'",
        show["id"],
    ) == [(0,)]
    assert not page.errors  # type: ignore[attr-defined]
