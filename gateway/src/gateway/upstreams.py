"""The gRPC services behind the gateway: one long-lived channel each, and the one way to
call them (deadline, caller metadata, status mapping).

Channels are created once in the app's lifespan and shared by every request: gRPC multiplexes
calls over HTTP/2. Each address may name several replicas (a DNS name or an address list); svckit's
channel balances over the healthy ones and resends, on UNAVAILABLE, the calls the protos declare
safe to resend (reads and idempotent writes), so a replica that dies is not seen by clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import error_from_rpc
from svckit.grpc_client import create_channel
from svckit.identity import Caller, caller_metadata
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from ticketing.payment.v1 import payment_pb2, payment_pb2_grpc
from ticketing.waitingroom.v1 import waitingroom_pb2, waitingroom_pb2_grpc

__all__ = ["SERVICE_NAMES", "Upstreams"]

T = TypeVar("T")

SERVICES: Mapping[str, ServiceDescriptor] = {
    "catalog": catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"],
    "inventory": inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"],
    "booking": booking_pb2.DESCRIPTOR.services_by_name["BookingService"],
    "payment": payment_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    "waitingroom": waitingroom_pb2.DESCRIPTOR.services_by_name["WaitingRoomService"],
}
SERVICE_NAMES: Mapping[str, str] = {name: s.full_name for name, s in SERVICES.items()}


def _serialize(message: Any) -> bytes:
    return bytes(message.SerializeToString())


class Upstreams:
    """Stubs of catalog, inventory, booking, payment and the waiting room over shared channels."""

    def __init__(self, addresses: Mapping[str, str], *, deadline_seconds: float) -> None:
        missing = set(SERVICE_NAMES) - set(addresses)
        if missing:
            raise ValueError(f"no address for {sorted(missing)}")
        self.deadline = deadline_seconds
        # Every call passes caller_metadata (user, roles, request id): no interceptor needed.
        self._channels = {
            name: create_channel(
                addresses[name], services=[SERVICES[name]], forward_request_id=False
            )
            for name in SERVICE_NAMES
        }
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self._channels["catalog"])
        self.inventory = inventory_pb2_grpc.InventoryServiceStub(self._channels["inventory"])
        self.booking = booking_pb2_grpc.BookingServiceStub(self._channels["booking"])
        self.payment = payment_pb2_grpc.PaymentServiceStub(self._channels["payment"])
        self.waitingroom = waitingroom_pb2_grpc.WaitingRoomServiceStub(
            self._channels["waitingroom"]
        )
        # GetSeatMap returning the serialized reply, for the render cache (see render_cache).
        self.seat_map_bytes: Callable[..., Awaitable[bytes]] = self._channels[
            "inventory"
        ].unary_unary(
            f"/{SERVICE_NAMES['inventory']}/GetSeatMap",
            request_serializer=_serialize,
            response_deserializer=None,
        )
        self._health = {
            name: health_pb2_grpc.HealthStub(channel) for name, channel in self._channels.items()
        }

    async def call(
        self,
        service: str,
        method: Callable[..., Awaitable[T]],
        request: Any,
        caller: Caller,
    ) -> T:
        """``method(request)`` with the deadline and the caller's identity; a failed status
        becomes the ``ApiError`` the client should see."""
        try:
            return await method(request, timeout=self.deadline, metadata=caller_metadata(caller))
        except grpc.aio.AioRpcError as error:
            raise error_from_rpc(error, service, self.deadline) from None

    async def health(self, wait_seconds: float) -> dict[str, str]:
        """Each service's health status name (``SERVING``), or why it could not be asked."""
        names = list(SERVICE_NAMES)
        results = await asyncio.gather(*(self._check(name, wait_seconds) for name in names))
        return dict(zip(names, results, strict=True))

    async def _check(self, name: str, wait_seconds: float) -> str:
        request = health_pb2.HealthCheckRequest(service=SERVICE_NAMES[name])
        try:
            reply = await self._health[name].Check(request, timeout=wait_seconds)
        except grpc.aio.AioRpcError as error:
            code: grpc.StatusCode = error.code()
            return str(code.name)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self._channels.values()))
