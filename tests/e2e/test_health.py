"""``/api/v1/health`` over the real processes: 200 when every service serves, 503 naming the one
that is down (and its routes answer 503, not 500), back to 200 once it is restarted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.api import API, assert_error, auth, new_user, ok
from tests.support.system import GRPC_SERVICES, System
from tests.support.wait import eventually

pytestmark = pytest.mark.e2e

STOPPED = "booking"


async def test_health_is_200_with_every_service_up_and_503_naming_a_stopped_one(
    api: httpx.AsyncClient, system: System
) -> None:
    healthy = ok(await api.get(f"{API}/health"))
    assert healthy == {"status": "ok", "services": dict.fromkeys(GRPC_SERVICES, "SERVING")}

    system.stop_service(STOPPED)
    try:

        async def reported_down() -> dict[str, Any]:
            response = await api.get(f"{API}/health")
            assert response.status_code == 503, response.text
            body: dict[str, Any] = response.json()
            return body

        down = await eventually(reported_down, timeout=30, message="health still 200")
        assert down["status"] == "unavailable"
        assert down["services"][STOPPED] != "SERVING"
        assert all(down["services"][name] == "SERVING" for name in GRPC_SERVICES if name != STOPPED)
        assert down["error"]["code"] == "UNAVAILABLE"
        assert STOPPED in down["error"]["message"] and STOPPED in down["error"]["details"]

        user = new_user()
        error = assert_error(
            await api.get(f"{API}/bookings/user/{user}", headers=auth(user)), 503, "UNAVAILABLE"
        )
        assert error["details"]["service"] == STOPPED
        assert ok(await api.get(f"{API}/movies"))["movies"]  # the rest still answers
    finally:
        system.start_service(STOPPED)

    async def recovered() -> bool:
        if system.processes[STOPPED].poll() is not None:
            raise RuntimeError(f"{STOPPED} exited on restart:\n{system.logs(STOPPED)}")
        response = await api.get(f"{API}/health")
        return response.status_code == 200

    await eventually(recovered, timeout=60, interval=0.25, message="health not back to 200")
    user = new_user()
    listed = ok(await api.get(f"{API}/bookings/user/{user}", headers=auth(user)))
    assert listed["bookings"] == []
