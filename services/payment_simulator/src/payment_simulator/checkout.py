"""The hosted checkout page: plain HTML with Pay and Fail buttons, no JavaScript.

Like a real provider's success URL, ``?return_to=<http(s) URL>`` adds a link back to the merchant
once the session is finished."""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from payment_simulator.errors import SimulatorError
from payment_simulator.store import EXPIRED, OPEN, PAID, Session, SessionStore
from payment_simulator.webhooks import WebhookSender, session_event

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
main { max-width: 420px; margin: 10vh auto; background: #fff; padding: 2rem;
       border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
h1 { font-size: 1.25rem; margin-top: 0; } .amount { font-size: 2rem; font-weight: 600; }
dl { color: #555; } dt { float: left; clear: left; width: 7rem; } dd { margin-left: 7rem; }
form { display: inline-block; margin-right: .5rem; }
button { font-size: 1rem; padding: .6rem 1.4rem; border: 0; border-radius: 6px; cursor: pointer; }
.pay { background: #2e7d32; color: #fff; } .fail { background: #c62828; color: #fff; }
.status { padding: .8rem; border-radius: 6px; background: #eef; }
"""

_RESULTS = {
    PAID: "Payment successful. The merchant is being notified; you can close this page.",
    "failed": "The payment failed. No money was taken; you can try again from the merchant.",
    EXPIRED: "This checkout session has expired. No money was taken.",
}


def _amount(session: Session) -> str:
    major, minor = divmod(session.amount, 100)
    return f"{escape(session.currency)} {major:,}.{minor:02d}"


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def _return_url(value: str | None) -> str:
    """The merchant page to send the customer back to (like Stripe's success_url): http(s) only."""
    if not value or len(value) > 2000:
        return ""
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def _session_page(
    session: Session, message: str = "", status_code: int = 200, return_to: str = ""
) -> HTMLResponse:
    sid = escape(session.id)
    back = f"?return_to={quote(return_to, safe='')}" if return_to else ""
    details = (
        f"<h1>Ticketing checkout</h1><p class='amount'>{_amount(session)}</p>"
        f"<dl><dt>Booking</dt><dd>{escape(session.booking_id)}</dd>"
        f"<dt>Session</dt><dd>{sid}</dd>"
        f"<dt>Status</dt><dd id='status'>{escape(session.status)}</dd>"
    )
    if session.expires_at is not None:
        details += f"<dt>Expires</dt><dd>{escape(session.expires_at.isoformat())}</dd>"
    details += "</dl>"
    if message:
        details += f"<p class='status'>{escape(message)}</p>"
    if session.status == OPEN:
        details += (
            f"<form method='post' action='/checkout/{sid}/pay{back}'>"
            "<button class='pay' type='submit'>Pay</button></form>"
            f"<form method='post' action='/checkout/{sid}/fail{back}'>"
            "<button class='fail' type='submit'>Fail</button></form>"
        )
    elif return_to:
        details += f"<p><a href='{escape(return_to)}'>Return to the merchant</a></p>"
    return _page(f"Checkout {session.id}", details, status_code)


ReturnTo = Annotated[str | None, Query(description="Merchant page to return to")]


def checkout_router(store: SessionStore, sender: WebhookSender) -> APIRouter:
    router = APIRouter(prefix="/checkout", include_in_schema=False)

    def finish(session_id: str, outcome: str, return_to: str = "") -> HTMLResponse:
        try:
            session = store.get(session_id)
        except SimulatorError as exc:
            return _page("Checkout not found", f"<h1>Not found</h1><p>{escape(str(exc))}</p>", 404)
        if session.status == OPEN and store.is_past_expiry(session):
            store.expire(session_id)
            sender.send(session_event(session, int(store.clock())))
        if session.status != OPEN:
            return _session_page(
                session, f"This checkout is already {session.status}.", 409, return_to
            )
        store.complete(session_id, outcome, "declined on the checkout page")
        sender.send(session_event(session, int(store.clock())))
        return _session_page(session, _RESULTS[session.status], return_to=return_to)

    @router.get("/{session_id}")
    async def checkout_page(session_id: str, return_to: ReturnTo = None) -> HTMLResponse:
        try:
            session = store.get(session_id)
        except SimulatorError as exc:
            return _page("Checkout not found", f"<h1>Not found</h1><p>{escape(str(exc))}</p>", 404)
        return _session_page(session, return_to=_return_url(return_to))

    @router.post("/{session_id}/pay")
    async def pay(session_id: str, return_to: ReturnTo = None) -> HTMLResponse:
        return finish(session_id, "success", _return_url(return_to))

    @router.post("/{session_id}/fail")
    async def fail(session_id: str, return_to: ReturnTo = None) -> HTMLResponse:
        return finish(session_id, "failed", _return_url(return_to))

    return router
