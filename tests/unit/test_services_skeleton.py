"""Every service has the same skeleton: an identity that matches its proto, local ports outside
Linux's ephemeral range, and the same command line."""

from __future__ import annotations

import importlib

import pytest

from svckit.settings import ServiceInfo
from ticketing.booking.v1 import booking_pb2
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2
from ticketing.payment.v1 import payment_pb2
from ticketing.waitingroom.v1 import waitingroom_pb2

pytestmark = pytest.mark.unit

SERVICES = {
    "catalog": catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"],
    "inventory": inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"],
    "booking": booking_pb2.DESCRIPTOR.services_by_name["BookingService"],
    "payment": payment_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    "waitingroom": waitingroom_pb2.DESCRIPTOR.services_by_name["WaitingRoomService"],
}
EPHEMERAL = range(32768, 61000)  # /proc/sys/net/ipv4/ip_local_port_range on Linux


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_is_named_once_and_its_name_matches_its_proto(name: str) -> None:
    service: ServiceInfo = importlib.import_module(f"{name}.config").SERVICE
    assert (service.name, service.schema) == (name, name)
    assert service.grpc_service == SERVICES[name].full_name
    assert (service.migrations / "env.py").is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_local_default_ports_are_outside_the_ephemeral_range(name: str) -> None:
    config = importlib.import_module(f"{name}.config")
    settings = config.Config.from_env({"PAYMENT_WEBHOOK_SECRET": "whsec_test"})
    assert settings.grpc_port not in EPHEMERAL
    assert settings.metrics_port not in EPHEMERAL
    addresses = [
        getattr(settings, field) for field in type(settings).model_fields if "addr" in field
    ]
    # An empty address turns an optional collaborator off (inventory without a waiting room).
    assert all(int(address.rsplit(":", 1)[1]) not in EPHEMERAL for address in addresses if address)


def test_the_gateway_and_simulator_listen_on_loopback_by_default() -> None:
    from gateway.config import Config as GatewayConfig
    from payment_simulator.config import Settings as SimulatorSettings

    gateway = GatewayConfig.from_env({})
    assert (gateway.host, gateway.port) == ("127.0.0.1", 8001)
    for address in (gateway.catalog_addr, gateway.inventory_addr, gateway.booking_addr):
        assert int(address.rsplit(":", 1)[1]) not in EPHEMERAL
    assert SimulatorSettings.from_env({"WEBHOOK_SECRET": "whsec_test"}).host == "127.0.0.1"
    assert GatewayConfig.from_env({"HOST": "0.0.0.0"}).host == "0.0.0.0"


@pytest.mark.parametrize("name", [*SERVICES, "gateway"])
def test_every_service_serves_and_migrates_through_the_shared_command_line(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main = importlib.import_module(f"{name}.__main__").main
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert f"python -m {name}" in usage
    assert "serve" in usage and "migrate" in usage
