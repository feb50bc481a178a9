"""A person at the storefront in Chromium: browse, pick seats, hold, book, pay at the provider's
checkout page and come back to a confirmed booking; two people watching the same seats; refunds
at each band of the policy; a failed payment then a retry; a cancellation; screenshots of every
page at phone and desktop widths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from gateway.web import user_id_for
from tests.browser.axe import assert_accessible
from tests.browser.conftest import HOLD_SECONDS, WAIT_MS
from tests.browser.storefront import (
    confirmed_booking,
    new_show,
    pending_booking,
    query,
    seats,
    sign_in,
    unique_name,
)
from tests.e2e.api import auth
from tests.support.system import System

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

WIDTHS = {"phone": 375, "desktop": 1280}


@pytest.fixture
def client(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def _new_page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def seat(page: Page, row: str, number: int, tier: str, price: str, status: str) -> Any:
    return page.get_by_role("button", name=f"Row {row}, seat {number}, {tier}, {price}, {status}")


def test_a_full_purchase_from_browsing_to_confirmed(
    system: System, client: httpx.Client, context: BrowserContext, screenshots: Path
) -> None:
    show = new_show(client, title=unique_name("Premiere "))
    name = unique_name("ana")
    page = _new_page(context)
    sign_in(page, system.base_url, name)

    # What's on → this show's theatre → the showtime
    page.get_by_role("link", name="What's on", exact=True).click()
    page.get_by_label("Theatre").select_option(label=f"{show['theatreName']}, Pune")
    page.get_by_role("link", name=re.compile(f"^{show['movieTitle']}, ")).click()
    expect(page.get_by_role("heading", name=show["movieTitle"], level=1)).to_be_visible()
    expect(page.get_by_text("Screen 1")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Premium ₹350")).to_be_visible()

    seat(page, "B", 6, "Premium", "₹350", "available").click()
    seat(page, "B", 7, "Premium", "₹350", "available").click()
    expect(seat(page, "B", 6, "Premium", "₹350", "selected")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_text("2 seats: B6, B7 · ₹700")).to_be_visible()
    page.get_by_role("button", name="Hold 2 seats").click()
    expect(seat(page, "B", 6, "Premium", "₹350", "held by you")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text("Held for you for")
    page.get_by_role("button", name="Book 2 seats for ₹700").click()

    expect(page.get_by_role("heading", name=re.compile("Your booking"))).to_be_visible()
    expect(page.get_by_text("Waiting for payment")).to_be_visible()
    expect(page.get_by_text("Total ₹700")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"Pay within 1[45]:\d\d"))
    booking_id = page.url.split("/booking/")[1].split("?")[0]

    page.get_by_role("button", name="Pay ₹700").click()
    expect(page.get_by_text("Ticketing checkout")).to_be_visible()
    expect(page.get_by_text("INR 700.00")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Payment successful")).to_be_visible()
    page.get_by_role("link", name="Return to the merchant").click()
    expect(page.get_by_text("Your booking is confirmed")).to_be_visible()
    expect(page.get_by_role("heading", name="Your booking Confirmed")).to_be_visible()
    page.screenshot(path=screenshots / "booking-confirmed-desktop.png", full_page=True)
    assert_accessible(page, "a confirmed booking with its tickets")

    rows = query(
        system.database_url,
        "SELECT b.status, b.total_minor, b.user_id::text, array_agg(s.row_label || s.number "
        "ORDER BY s.number) FROM booking.bookings b JOIN booking.booking_seats s "
        "ON s.booking_id = b.id WHERE b.id = %s GROUP BY b.id",
        booking_id,
    )
    assert rows == [("CONFIRMED", 70000, user_id_for(name), ["B6", "B7"])]
    sold = query(
        system.database_url,
        "SELECT count(*) FROM inventory.show_seats WHERE booking_id = %s AND status = 'SOLD'",
        booking_id,
    )
    assert sold == [(2,)]

    # One e-ticket per seat, each with a QR code carrying its signed code.
    for number in (6, 7):
        qr = page.get_by_role("img", name=f"QR code of the ticket for row B, seat {number}")
        expect(qr).to_be_visible()
        assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    codes = [code.inner_text() for code in page.get_by_text(re.compile(r"^TKT1\.")).all()]
    assert len(codes) == 2

    page.get_by_role("link", name="My bookings", exact=True).click()
    expect(
        page.get_by_role("listitem").filter(has_text=show["movieTitle"]).get_by_text("Confirmed")
    ).to_be_visible()
    assert not page.errors  # type: ignore[attr-defined]

    # At the door: staff admit the ticket once; the second scan is refused with the first time.
    door = _new_page(context.browser.new_context())  # type: ignore[union-attr]
    door.set_default_timeout(WAIT_MS)
    sign_in(door, system.base_url, "sam")
    door.get_by_role("link", name="Check-in").click()
    door.get_by_label("Ticket code").fill(codes[0])
    door.get_by_role("button", name="Check in").click()
    expect(door.get_by_role("alert")).to_have_text(re.compile(r"^Admitted Row B, seat 6"))
    door.get_by_label("Ticket code").fill(codes[0])
    door.get_by_role("button", name="Check in").click()
    expect(door.get_by_role("alert")).to_have_text(
        re.compile(r"^Refused: already checked in at \d\d:\d\d\. Row B, seat 6")
    )
    door.screenshot(path=screenshots / "check-in-desktop.png")
    assert_accessible(door, "the check-in page")
    door.get_by_label("Ticket code").fill(codes[1][:-3] + "xyz")
    door.get_by_role("button", name="Check in").click()
    expect(door.get_by_role("alert")).to_contain_text("signature is wrong")
    assert query(
        system.database_url,
        "SELECT count(*) FROM booking.check_ins WHERE booking_id = %s",
        booking_id,
    ) == [(1,)]
    door.context.close()


def test_two_people_see_each_others_holds_live_until_they_expire(
    system: System, client: httpx.Client, browser: Browser
) -> None:
    show = new_show(client)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        first, second = (_new_page(ctx) for ctx in contexts)
        for page, who in ((first, "ravi"), (second, "meera")):
            page.set_default_timeout(WAIT_MS)
            sign_in(page, system.base_url, unique_name(who))
            page.goto(f"{system.base_url}/#/show/{show['id']}")
            expect(seat(page, "A", 3, "Regular", "₹200", "available")).to_be_visible()

        seat(first, "A", 3, "Regular", "₹200", "available").click()
        first.get_by_role("button", name="Hold 1 seat").click()
        expect(seat(first, "A", 3, "Regular", "₹200", "held by you")).to_be_visible()

        # The other person's map changes without a reload, and the seat cannot be taken there.
        taken = seat(second, "A", 3, "Regular", "₹200", "held by someone else")
        expect(taken).to_be_visible()
        taken.click()
        expect(second.get_by_role("alert")).to_have_text(
            "Row A, seat 3 is held by someone else; pick another."
        )
        expect(second.get_by_role("button", name=re.compile(r"^Hold \d+ seats?$"))).to_have_count(0)

        # When the hold runs out, both see the seat free again.
        expiry_ms = (HOLD_SECONDS + 15) * 1000
        expect(first.get_by_role("alert")).to_contain_text("Your hold ran out", timeout=expiry_ms)
        expect(seat(first, "A", 3, "Regular", "₹200", "available")).to_be_visible()
        expect(seat(second, "A", 3, "Regular", "₹200", "available")).to_be_visible(
            timeout=expiry_ms
        )
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_seat_taken_while_picked_says_so(
    system: System, client: httpx.Client, context: BrowserContext
) -> None:
    show = new_show(client)
    page = _new_page(context)
    sign_in(page, system.base_url, unique_name("li"))
    page.goto(f"{system.base_url}/#/show/{show['id']}")
    seat(page, "C", 2, "VIP", "₹500", "available").click()
    expect(seat(page, "C", 2, "VIP", "₹500", "selected")).to_be_visible()
    wanted = [s["id"] for s in seats(client, show["id"]) if (s["row"], s["number"]) == ("C", 2)]
    held = client.post(
        "/api/v1/bookings/hold-seats",
        json={"showId": show["id"], "showSeatIds": wanted},
        headers=auth(user_id_for("someone-else")),
    )
    assert held.status_code == 201, held.text
    expect(page.get_by_role("alert")).to_have_text(
        "Just taken by someone else: row C, seat 2. Pick another."
    )
    expect(seat(page, "C", 2, "VIP", "₹500", "held by someone else")).to_be_visible()


@pytest.mark.parametrize(
    ("starts_in", "expected"),
    [
        (timedelta(hours=30), "You would get ₹400 back (100 % of ₹400)"),
        (timedelta(hours=6), "You would get ₹200 back (50 % of ₹400)"),
        (timedelta(minutes=90), "No refund is possible: refunds close 120 minutes before"),
    ],
    ids=["full", "half", "refused"],
)
def test_a_refund_shows_what_the_policy_gives_before_it_is_confirmed(
    system: System,
    client: httpx.Client,
    context: BrowserContext,
    starts_in: timedelta,
    expected: str,
) -> None:
    show = new_show(client, starts_in=starts_in)
    name = unique_name("omar")
    booking_id = confirmed_booking(client, name, show["id"], count=2)
    page = _new_page(context)
    sign_in(page, system.base_url, name)
    page.goto(f"{system.base_url}/#/booking/{booking_id}")
    code = page.get_by_text(re.compile(r"^TKT1\.")).first.inner_text()
    page.get_by_role("button", name="Request a refund").click()
    expect(page.get_by_text(expected)).to_be_visible()
    if "No refund" in expected:
        expect(page.get_by_role("button", name=re.compile("^Refund ₹"))).to_have_count(0)
        return
    amount = re.search(r"₹\d+", expected)
    assert amount
    page.get_by_role("button", name=f"Refund {amount.group()}").click()
    expect(page.get_by_text(f"Refunded: {amount.group()} of ₹400")).to_be_visible()
    assert query(
        system.database_url,
        "SELECT status, payment_refunded_minor FROM booking.bookings WHERE id = %s",
        booking_id,
    ) == [("REFUNDED", int(amount.group()[1:]) * 100)]

    # A refunded ticket is refused at the door.
    sign_in(page, system.base_url, "sam")
    page.goto(f"{system.base_url}/#/check-in")
    page.get_by_label("Ticket code").fill(code)
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Refused: the booking is refunded, not confirmed"
    )


def test_a_failed_payment_then_a_successful_retry(
    system: System, client: httpx.Client, context: BrowserContext
) -> None:
    show = new_show(client)
    name = unique_name("zoe")
    booking_id = pending_booking(client, name, show["id"])
    page = _new_page(context)
    sign_in(page, system.base_url, name)
    page.goto(f"{system.base_url}/#/booking/{booking_id}")
    page.get_by_role("button", name="Pay ₹200").click()
    page.get_by_role("button", name="Fail").click()
    expect(page.get_by_text("The payment failed")).to_be_visible()
    page.get_by_role("link", name="Return to the merchant").click()
    expect(page.get_by_role("alert")).to_contain_text("Your payment did not go through")
    page.get_by_role("button", name="Try paying again ₹200").click()
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("link", name="Return to the merchant").click()
    expect(page.get_by_text("Your booking is confirmed")).to_be_visible()


def test_a_pending_booking_is_cancelled(
    system: System, client: httpx.Client, context: BrowserContext
) -> None:
    show = new_show(client)
    name = unique_name("ivy")
    booking_id = pending_booking(client, name, show["id"])
    page = _new_page(context)
    sign_in(page, system.base_url, name)
    page.goto(f"{system.base_url}/#/bookings")
    page.get_by_role("link", name=show["movieTitle"]).click()
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_text("You cancelled this booking")).to_be_visible()
    assert query(
        system.database_url, "SELECT status FROM booking.bookings WHERE id = %s", booking_id
    ) == [("CANCELLED",)]


def test_every_page_at_phone_and_desktop_width(
    system: System, client: httpx.Client, browser: Browser, screenshots: Path
) -> None:
    show = new_show(client, rows=6, seats_per_row=10, title=unique_name("Monsoon "))
    name = unique_name("kai")
    booking_id = pending_booking(client, name, show["id"], count=2)
    for label, width in WIDTHS.items():
        ctx = browser.new_context(viewport={"width": width, "height": 860})
        ctx.set_default_timeout(WAIT_MS)
        try:
            page = _new_page(ctx)
            page.goto(f"{system.base_url}/#/sign-in")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.screenshot(path=screenshots / f"sign-in-{label}.png", full_page=True)
            assert_accessible(page, f"sign-in at {width} px")
            sign_in(page, system.base_url, name)
            expect(page.get_by_role("heading", name="What's on")).to_be_visible()
            page.screenshot(path=screenshots / f"whats-on-{label}.png", full_page=True)
            assert_accessible(page, f"what's on at {width} px")

            page.goto(f"{system.base_url}/#/show/{show['id']}")
            seat(page, "D", 6, "Regular", "₹200", "available").click()
            seat(page, "D", 7, "Regular", "₹200", "available").click()
            expect(page.get_by_text("2 seats: D6, D7")).to_be_visible()
            page.screenshot(path=screenshots / f"show-{label}.png", full_page=False)
            assert_accessible(page, f"the show page at {width} px")

            page.goto(f"{system.base_url}/#/booking/{booking_id}")
            expect(page.get_by_role("timer")).to_contain_text("Pay within")
            page.screenshot(path=screenshots / f"booking-{label}.png", full_page=True)
            assert_accessible(page, f"a pending booking at {width} px")

            page.goto(f"{system.base_url}/#/bookings")
            expect(page.get_by_role("heading", name="My bookings")).to_be_visible()
            expect(page.get_by_role("link", name=show["movieTitle"])).to_be_visible()
            page.screenshot(path=screenshots / f"my-bookings-{label}.png", full_page=True)
            assert_accessible(page, f"my bookings at {width} px")
            assert not page.errors  # type: ignore[attr-defined]
        finally:
            ctx.close()
