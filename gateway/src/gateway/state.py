"""What every route needs, built once in the app's lifespan and reached through a dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from starlette.responses import Response

from gateway.bookings_batch import BatchedBookings
from gateway.conditional import SharedReply
from gateway.config import Config
from gateway.errors import InvalidArgument
from gateway.holds import BatchedHolds
from gateway.idempotency import IdempotencyStore, KeyScope, request_fingerprint
from gateway.rate_limit import RateLimiter
from gateway.render_cache import RenderCache
from gateway.schemas.common import IDEMPOTENCY_KEY_PATTERN
from gateway.seat_map_cache import SeatMapCache
from gateway.upstreams import Upstreams
from svckit.identity import Caller

__all__ = ["Gateway", "IdempotencyKey", "State", "gateway_of", "one_idempotency_key"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Gateway:
    config: Config
    upstreams: Upstreams
    idempotency: IdempotencyStore
    limiter: RateLimiter
    seat_maps: RenderCache
    public_seat_maps: SeatMapCache[SharedReply]
    # Inventory's HoldSeats, holds of one show that arrive together sent in one call.
    holds: BatchedHolds
    # Booking's CreateBooking, bookings of one show that arrive together sent in one call.
    bookings: BatchedBookings

    async def seat_write(
        self,
        show_id: str | None,
        service: str,
        method: Callable[..., Awaitable[T]],
        request: Any,
        caller: Caller,
    ) -> T:
        """``upstreams.call`` of a write that may change the show's seats (None: any show's).
        The show's anonymous map is read again after it whatever the outcome (a write that
        timed out may still have committed), so the writer sees its own write."""
        try:
            return await self.upstreams.call(service, method, request, caller)
        finally:
            self.seats_changed(show_id)

    def seats_changed(self, show_id: str | None) -> None:
        if show_id is None:
            self.public_seat_maps.invalidate_all()
        else:
            self.public_seat_maps.invalidate(show_id)

    async def idempotent(
        self,
        request: Request,
        caller: Caller,
        key: str | None,
        body: Any,
        call: Callable[[], Awaitable[Response]],
    ) -> Response:
        """Run ``call`` under the request's ``Idempotency-Key`` (just run it without one)."""
        if key is None or caller.user_id is None:
            return await call()
        scope = KeyScope(caller.user_id, f"{request.method} {request.url.path}", key)
        return await self.idempotency.run(scope, request_fingerprint(scope.route, body), call)


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def _gateway(request: Request) -> Gateway:
    return gateway_of(request)


State = Annotated[Gateway, Depends(_gateway)]


def one_idempotency_key(header: str | None, body: str | None) -> str | None:
    """The request's key, sent as the header or (the seed's way) as ``idempotencyKey`` in the
    body. Both with different values is ambiguous: 400, as any contradictory input."""
    if header is not None and body is not None and header != body:
        raise InvalidArgument(
            "the Idempotency-Key header and the body's idempotencyKey differ; send one of them",
            {"body.idempotencyKey": "differs from the Idempotency-Key header"},
        )
    return header if header is not None else body


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Any unique string (a UUID is ideal). Retrying with the same key and body "
        "replays the first answer (`Idempotent-Replayed: true`); another body → 422; while "
        "the first request is still running → 409 IDEMPOTENCY_KEY_IN_USE, which is retryable: "
        "retry with the same key after `Retry-After` (a key whose gateway died is free again "
        "once that request's deadline has passed). Kept 24 h.",
    ),
]
