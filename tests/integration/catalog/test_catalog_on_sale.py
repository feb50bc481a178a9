"""A show's on-sale time and waiting room: stored, read back by GetShow (which the waiting room
service asks), and refused when they cannot work."""

from __future__ import annotations

import grpc
import pytest

from svckit.errors import error_info_from_rpc_error
from svckit.proto_values import to_timestamp
from tests.integration.catalog.helpers import ADMIN, Catalog, in_days, show_request
from ticketing.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.integration


async def test_a_show_keeps_its_on_sale_time_and_waiting_room(catalog: Catalog) -> None:
    movie = await catalog.movie()
    screen = await catalog.screen()
    request = show_request(movie.id, screen.id, in_days(5))
    request.on_sale_at.CopyFrom(to_timestamp(in_days(2)))
    request.waiting_room.CopyFrom(catalog_pb2.WaitingRoom(admit_per_minute=120, max_active=40))

    show = await catalog.stub.CreateShow(request, metadata=ADMIN)

    assert show.on_sale_at == to_timestamp(in_days(2))
    assert (show.waiting_room.admit_per_minute, show.waiting_room.max_active) == (120, 40)
    assert await catalog.stub.GetShow(catalog_pb2.GetShowRequest(show_id=show.id)) == show


async def test_a_show_without_them_has_neither(catalog: Catalog) -> None:
    show = await catalog.show((await catalog.movie()).id, (await catalog.screen()).id, in_days(6))
    assert not show.HasField("on_sale_at")
    assert not show.HasField("waiting_room")


@pytest.mark.parametrize(
    ("on_sale_days", "rate", "cap", "field"),
    [
        (None, 60, 10, "on_sale_at"),
        (8, None, None, "on_sale_at"),
        (2, 0, 10, "waiting_room.admit_per_minute"),
        (2, 60, 0, "waiting_room.max_active"),
    ],
)
async def test_a_waiting_room_that_cannot_work_is_refused_naming_the_field(
    catalog: Catalog, on_sale_days: int | None, rate: int | None, cap: int | None, field: str
) -> None:
    movie = await catalog.movie()
    screen = await catalog.screen()
    request = show_request(movie.id, screen.id, in_days(7))
    if on_sale_days is not None:
        request.on_sale_at.CopyFrom(to_timestamp(in_days(on_sale_days)))
    if rate is not None and cap is not None:
        request.waiting_room.CopyFrom(
            catalog_pb2.WaitingRoom(admit_per_minute=rate, max_active=cap)
        )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await catalog.stub.CreateShow(request, metadata=ADMIN)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    info = error_info_from_rpc_error(refused.value)
    assert info is not None and info.metadata["field"] == field
