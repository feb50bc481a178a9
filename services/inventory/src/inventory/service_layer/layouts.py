"""Immutable show snapshots for seat maps.

A show's seats are inserted once, when the show opens, and their ids, places, tiers and prices
never change afterwards; only their state does. So a seat map reads the full seat list of a
show once per process (the layout) and afterwards only the seats that are not AVAILABLE, which
is nothing for a fresh show and never more than the seats actually taken. The cache is bounded by
the number of seats it holds, oldest show out first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from inventory.domain.model import Seat, Show

DEFAULT_MAX_SEATS = 200_000


@dataclass(frozen=True, eq=False)
class ShowLayout:
    """The show's seats as opened (every one AVAILABLE), in layout order; compared by identity
    so encoders can keep per-layout data next to it."""

    show: Show
    seats: tuple[Seat, ...]
    positions: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "positions", {seat.id: index for index, seat in enumerate(self.seats)}
        )


class LayoutCache:
    def __init__(self, max_seats: int = DEFAULT_MAX_SEATS) -> None:
        self._max_seats = max_seats
        self._layouts: OrderedDict[str, ShowLayout] = OrderedDict()
        self._seats = 0

    def get(self, show_id: str) -> ShowLayout | None:
        layout = self._layouts.get(show_id)
        if layout is not None:
            self._layouts.move_to_end(show_id)
        return layout

    def put(self, layout: ShowLayout) -> ShowLayout:
        self.forget(layout.show.show_id)
        if len(layout.seats) > self._max_seats:
            return layout
        self._layouts[layout.show.show_id] = layout
        self._seats += len(layout.seats)
        while self._seats > self._max_seats:
            _, oldest = self._layouts.popitem(last=False)
            self._seats -= len(oldest.seats)
        return layout

    def forget(self, show_id: str) -> None:
        layout = self._layouts.pop(show_id, None)
        if layout is not None:
            self._seats -= len(layout.seats)
