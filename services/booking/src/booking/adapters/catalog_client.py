"""CatalogClient over gRPC: the show a booking is for."""

from __future__ import annotations

import grpc

from booking.adapters.upstream_errors import CATALOG_ERRORS
from booking.domain.values import ShowSnapshot
from booking.service_layer.ports import CatalogShow
from svckit.proto_values import from_timestamp
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc


class GrpcCatalogClient:
    def __init__(self, channel: grpc.aio.Channel, *, deadline_seconds: float) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        self._deadline = deadline_seconds

    async def get_show(self, show_id: str) -> CatalogShow:
        request = catalog_pb2.GetShowRequest(show_id=show_id)
        with CATALOG_ERRORS.translated(request):
            show = await self._stub.GetShow(request, timeout=self._deadline)
        snapshot = ShowSnapshot(
            show_id=show.id,
            movie_id=show.movie_id,
            movie_title=show.movie_title,
            theatre_id=show.theatre_id,
            theatre_name=show.theatre_name,
            city=show.city,
            screen_id=show.screen_id,
            screen_name=show.screen_name,
            start_time=from_timestamp(show.start_time),
        )
        return CatalogShow(snapshot=snapshot, currency=show.currency, bookable=show.bookable)
