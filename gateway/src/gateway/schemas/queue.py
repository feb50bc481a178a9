"""A place in a show's waiting room."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from gateway.schemas.common import EXAMPLE_SHOW, EXAMPLE_USER, ResponseModel

QueueState = Literal["WAITING", "ADMITTED", "PASS_EXPIRED"]


class QueueStatusResponse(ResponseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "showId": EXAMPLE_SHOW,
                    "userId": EXAMPLE_USER,
                    "state": "WAITING",
                    "admitted": False,
                    "position": 42,
                    "peopleAhead": 41,
                    "estimatedWaitSeconds": 84,
                    "joinedAt": "2026-01-31T09:58:12Z",
                    "onSaleAt": "2026-01-31T10:00:00Z",
                    "inLottery": True,
                    "admittedAt": None,
                    "passExpiresAt": None,
                }
            ]
        }
    )

    show_id: str
    user_id: str
    state: QueueState = Field(
        description="WAITING in the queue; ADMITTED: the pass lets holds and bookings through "
        "until passExpiresAt; PASS_EXPIRED: the pass ran out."
    )
    admitted: bool = Field(description="True while the admission pass is valid.")
    position: int = Field(description="1-based place among those waiting; 0 once admitted.")
    people_ahead: int
    estimated_wait_seconds: int = Field(
        description="Time to the on-sale plus the people ahead at the room's admission rate."
    )
    joined_at: str
    on_sale_at: str
    in_lottery: bool = Field(
        description="Joined before onSaleAt: the place was drawn by lot among the early."
    )
    admitted_at: str | None = None
    pass_expires_at: str | None = None
