"""Each route end to end over real gRPC: what it asks the service and what the client reads."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.gateway.conftest import auth
from tests.integration.gateway.fakes import (
    BOOKING,
    MOVIE,
    SCREEN,
    SEAT_1,
    SEAT_2,
    SESSION,
    SHOW,
    THEATRE,
    USER,
    Fakes,
)
from ticketing.common.v1 import common_pb2
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration


async def test_seat_map_as_the_holder(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/seats/shows/{SHOW}", headers=auth())

    assert response.status_code == 200
    document = response.json()
    assert document["showId"] == SHOW
    assert document["currency"] == "INR"
    assert document["summary"] == {
        "total": 3,
        "available": 1,
        "booked": 1,
        "held": 1,
        "heldByMe": 1,
    }
    first, mine, booked = document["seats"]
    assert first == {
        "id": SEAT_1,
        "row": "A",
        "number": 1,
        "price": 45000,
        "tier": "VIP",
        "status": "available",
    }
    assert mine["status"] == "held_by_me"
    assert mine["holdExpiresAt"] == "2026-01-31T01:05:00Z"
    assert booked["status"] == "booked"


async def test_available_seats_and_screen_layout(client: httpx.AsyncClient) -> None:
    available = (await client.get(f"/api/v1/seats/shows/{SHOW}/available")).json()
    layout = (await client.get(f"/api/v1/seats/screens/{SCREEN}")).json()

    assert available["count"] == 1
    assert available["seats"][0]["status"] == "available"
    assert layout == {
        "screenId": SCREEN,
        "theatreId": THEATRE,
        "name": "Audi 1",
        "capacity": 3,
        "rows": [
            {"label": "A", "seats": [{"number": 1, "tier": "VIP"}, {"number": 3, "tier": "VIP"}]},
            {"label": "B", "seats": [{"number": 1, "tier": "REGULAR"}]},
        ],
    }


async def test_hold_seats_accepts_the_seat_ids_alias(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    response = await client.post(
        "/api/v1/bookings/hold-seats",
        json={"showId": SHOW, "userId": USER, "seatIds": [SEAT_1, SEAT_2]},
        headers=auth(),
    )

    assert response.status_code == 201
    assert response.json() == {
        "success": True,
        "holds": [
            {"seatId": SEAT_1, "expiresAt": "2026-01-31T01:05:00Z"},
            {"seatId": SEAT_2, "expiresAt": "2026-01-31T01:05:00Z"},
        ],
        "expiresIn": 300,
    }
    (call,) = upstream.inventory.calls_to("HoldSeats")
    assert (call.request.show_id, call.request.user_id) == (SHOW, USER)
    assert list(call.request.seat_ids) == [SEAT_1, SEAT_2]


async def test_release_holds_of_one_show(client: httpx.AsyncClient, upstream: Fakes) -> None:
    response = await client.delete(f"/api/v1/bookings/holds/{USER}?showId={SHOW}", headers=auth())

    assert response.status_code == 200
    assert response.json() == {"released": 2}
    (call,) = upstream.inventory.calls_to("ReleaseHolds")
    assert (call.request.user_id, call.request.show_id) == (USER, SHOW)


async def test_create_booking_renders_the_pending_booking(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/bookings",
        json={"userId": USER, "showId": SHOW, "showSeatIds": [SEAT_1, SEAT_2]},
        headers=auth(),
    )

    assert response.status_code == 201
    booking = response.json()
    assert booking["status"] == "PENDING"
    assert (booking["totalAmount"], booking["currency"]) == (90000, "INR")
    assert booking["expiresAt"] == "2026-01-31T01:15:00Z"
    assert [seat["id"] for seat in booking["seats"]] == [SEAT_1, SEAT_2]
    assert booking["show"]["movie"] == "Interstellar"
    assert booking["show"]["startTime"] == "2026-02-01T01:00:00Z"
    assert booking["payment"] == {
        "status": "NONE",
        "amount": 90000,
        "refundedAmount": 0,
        "currency": "INR",
    }
    assert booking["history"][0]["toStatus"] == "PENDING"


async def test_list_bookings_paginates(client: httpx.AsyncClient, upstream: Fakes) -> None:
    response = await client.get(
        f"/api/v1/bookings/user/{USER}?pageSize=5&pageToken=abc", headers=auth()
    )

    assert response.status_code == 200
    assert response.json()["nextPageToken"] == "next"
    assert response.json()["totalSize"] == 3
    (call,) = upstream.booking.calls_to("ListUserBookings")
    assert (call.request.page.page_size, call.request.page.page_token) == (5, "abc")


async def test_cancel_passes_the_reason(client: httpx.AsyncClient, upstream: Fakes) -> None:
    with_reason = await client.patch(
        f"/api/v1/bookings/{BOOKING}/cancel", json={"reason": "plans changed"}, headers=auth()
    )
    without_body = await client.patch(f"/api/v1/bookings/{BOOKING}/cancel", headers=auth())

    assert with_reason.status_code == without_body.status_code == 200
    assert with_reason.json()["status"] == "CANCELLED"
    reasons = [call.request.reason for call in upstream.booking.calls_to("CancelBooking")]
    assert reasons == ["plans changed", ""]


async def test_payment_flow_routes(client: httpx.AsyncClient, upstream: Fakes) -> None:
    initiated = await client.post(
        "/api/v1/payments/initiate", json={"bookingId": BOOKING}, headers=auth()
    )
    simulated = await client.post(
        f"/api/v1/payments/simulate/{SESSION}", json={"outcome": "FAILED"}, headers=auth()
    )
    status = await client.get(f"/api/v1/payments/status/{BOOKING}", headers=auth())
    refunded = await client.post(
        f"/api/v1/payments/refund/{BOOKING}", json={"reason": "sick"}, headers=auth()
    )

    assert initiated.status_code == 201
    assert initiated.json()["sessionId"] == SESSION
    assert (initiated.json()["amount"], initiated.json()["currency"]) == (45000, "INR")
    assert simulated.json() == {"sessionId": SESSION, "outcome": "failed", "status": "complete"}
    assert upstream.payment.calls_to("SimulatePayment")[0].request.outcome == (
        payment_pb2.PAYMENT_OUTCOME_FAILED
    )
    assert status.json()["bookingStatus"] == "CONFIRMED"
    assert status.json()["payments"][0]["status"] == "SUCCEEDED"
    assert refunded.status_code == 200
    assert refunded.json()["percent"] == 100
    refund_call = upstream.payment.calls_to("RefundBooking")[0].request
    assert (refund_call.user_id, refund_call.reason) == (USER, "sick")


async def test_list_shows_passes_every_filter(client: httpx.AsyncClient, upstream: Fakes) -> None:
    response = await client.get(
        "/api/v1/shows",
        params={
            "movieId": MOVIE,
            "theatreId": THEATRE,
            "city": "Mumbai",
            "date": "2026-02-01",
            "bookableOnly": "true",
            "pageSize": 20,
            "pageToken": "t1",
        },
    )

    assert response.status_code == 200
    show = response.json()["shows"][0]
    assert show["prices"] == [
        {"tier": "REGULAR", "amount": 20000},
        {"tier": "VIP", "amount": 45000},
    ]
    assert response.json()["nextPageToken"] is None
    request = upstream.catalog.calls_to("ListShows")[0].request
    assert (request.movie_id, request.theatre_id, request.city) == (MOVIE, THEATRE, "Mumbai")
    assert (request.date, request.bookable_only) == ("2026-02-01", True)
    assert (request.page.page_size, request.page.page_token) == (20, "t1")


async def test_catalog_writes_convert_tiers_times_and_money(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    admin = auth(roles=["admin"])
    show = await client.post(
        "/api/v1/shows",
        json={
            "movieId": MOVIE,
            "screenId": SCREEN,
            "startTime": "2026-02-01T20:00:00+05:30",
            "prices": [{"tier": "VIP", "amount": 45000}],
        },
        headers=admin,
    )
    screen = await client.post(
        f"/api/v1/theatres/{THEATRE}/screens",
        json={
            "name": "Audi 2",
            "layout": {"rows": [{"label": "A", "seats": [{"number": 1, "tier": "PREMIUM"}]}]},
        },
        headers=admin,
    )
    movie = await client.post(
        "/api/v1/movies",
        json={"title": "Dune", "durationMinutes": 155, "releaseDate": "2021-10-22"},
        headers=admin,
    )

    assert (show.status_code, screen.status_code, movie.status_code) == (201, 201, 201)
    show_request = upstream.catalog.calls_to("CreateShow")[0].request
    assert show_request.start_time.ToJsonString() == "2026-02-01T14:30:00Z"
    assert show_request.currency == "INR"
    assert show_request.prices[0].tier == common_pb2.SEAT_TIER_VIP
    assert show_request.prices[0].amount_minor == 45000
    screen_request = upstream.catalog.calls_to("CreateScreen")[0].request
    assert screen_request.theatre_id == THEATRE
    assert screen_request.layout.rows[0].seats[0].tier == common_pb2.SEAT_TIER_PREMIUM
    movie_request = upstream.catalog.calls_to("CreateMovie")[0].request
    assert movie_request.release_date.ToJsonString() == "2021-10-22T00:00:00Z"
    assert movie.json()["releaseDate"] == "2014-11-07"


async def test_catalog_reads(client: httpx.AsyncClient, upstream: Fakes) -> None:
    movies = (await client.get("/api/v1/movies?pageSize=10")).json()
    theatres = (await client.get("/api/v1/theatres?city=Mumbai")).json()
    screens = (await client.get(f"/api/v1/theatres/{THEATRE}/screens")).json()
    screen = (await client.get(f"/api/v1/screens/{SCREEN}")).json()

    assert movies["movies"][0]["genres"] == ["Sci-Fi", "Drama"]
    assert movies["nextPageToken"] == "p2"
    assert theatres["theatres"][0]["city"] == "Mumbai"
    assert upstream.catalog.calls_to("ListTheatres")[0].request.city == "Mumbai"
    assert screens["screens"][0]["layout"]["rows"][0]["label"] == "A"
    assert screen["capacity"] == 3
