"""The provider's session and refund rules, and its idempotency keys."""

from __future__ import annotations

import pytest

from payment_simulator.errors import IdempotencyMismatch, InvalidRequest, StateConflict
from payment_simulator.store import EXPIRED, FAILED, OPEN, PAID, SessionStore

pytestmark = pytest.mark.unit


def store_with_session(amount: int = 10_000) -> tuple[SessionStore, str]:
    store = SessionStore(base_url="http://sim.test", clock=lambda: 1_800_000_000.0)
    session = store.create_session(
        booking_id="b1", amount=amount, currency="inr", expires_at=None, metadata={"k": "v"}
    )
    return store, session.id


def test_a_new_session_is_open_with_its_checkout_url() -> None:
    store, session_id = store_with_session()
    session = store.get(session_id)

    assert session_id.startswith("sess_")
    assert session.url == f"http://sim.test/checkout/{session_id}"
    assert (session.status, session.currency) == (OPEN, "INR")


@pytest.mark.parametrize(
    ("outcome", "status"), [("success", PAID), ("failed", FAILED), ("expired", EXPIRED)]
)
def test_an_open_session_completes_once(outcome: str, status: str) -> None:
    store, session_id = store_with_session()

    assert store.complete(session_id, outcome) is True

    assert store.get(session_id).status == status
    with pytest.raises(StateConflict):
        store.complete(session_id, "failed")


def test_an_expired_session_can_still_be_paid_by_a_late_payment() -> None:
    store, session_id = store_with_session()
    assert store.expire(session_id) is True
    assert store.expire(session_id) is False

    assert store.complete(session_id, "success") is True
    assert store.get(session_id).status == PAID


def test_a_paid_session_cannot_be_expired() -> None:
    store, session_id = store_with_session()
    store.complete(session_id, "success")

    with pytest.raises(StateConflict):
        store.expire(session_id)


def test_refunds_need_a_paid_session_and_never_exceed_the_payment() -> None:
    store, session_id = store_with_session(10_000)
    refund_args = {"currency": None, "reason": "", "metadata": {}}
    with pytest.raises(StateConflict):
        store.refund(session_id=session_id, amount=5_000, **refund_args)  # type: ignore[arg-type]
    store.complete(session_id, "success")

    first = store.refund(session_id=session_id, amount=6_000, **refund_args)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest):
        store.refund(session_id=session_id, amount=4_001, **refund_args)  # type: ignore[arg-type]
    store.refund(session_id=session_id, amount=4_000, **refund_args)  # type: ignore[arg-type]

    assert first.id.startswith("re_") and first.status == "succeeded"
    assert store.get(session_id).refunded == 10_000


def test_an_idempotency_key_replays_its_answer_and_refuses_another_request() -> None:
    store, _ = store_with_session()
    assert store.replay("key-1", "fingerprint-a") is None
    store.remember("key-1", "fingerprint-a", {"id": "sess_1"})

    assert store.replay("key-1", "fingerprint-a") == {"id": "sess_1"}
    with pytest.raises(IdempotencyMismatch):
        store.replay("key-1", "fingerprint-b")
    assert store.replay(None, "fingerprint-a") is None
