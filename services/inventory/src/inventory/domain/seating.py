"""Where seats sit in their row: best-available blocks and the no-orphan rule.

A show's seats form rows (in layout order, the first row nearest the screen); inside a row two
seats are adjacent when their numbers follow each other. A number missing from a row is an aisle
or a gap (catalog's layouts say so), so it separates seats exactly like the row's ends do.

**Best available.** A block is N adjacent free seats in one row. Blocks are ranked by

1. the row's distance from the best row, about two thirds of the way back from the screen
   (``round((rows - 1) * 2 / 3)``, counted from the first row);
2. then the distance between the block's centre and the row's centre (the middle of the row's
   lowest and highest seat numbers);
3. ties: the row nearer the screen first, then the lower seat number.

**No orphan seat.** A free seat is stranded when both its sides are taken seats, an aisle or the
row's end. A change strands a seat when that seat is free and stranded afterwards but was not
already so before. A selection of N seats may strand one only when no N adjacent free seats (of
the selection's tiers) in any row could be taken without stranding one (a party of N sits
together; near the end of a sale the last pairs must still sell, even where each leaves a single
seat behind).
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import dataclass

from inventory.domain.model import Seat, Tier

BEST_ROW_FRACTION = 2 / 3
# The seats a rule about one seat must see: its neighbours and theirs.
NEIGHBOURHOOD = 2


@dataclass(frozen=True, slots=True)
class Block:
    """N adjacent seats of one row, and the seats taking them would strand."""

    seats: tuple[Seat, ...]
    strands: tuple[Seat, ...]

    @property
    def ids(self) -> list[str]:
        return [seat.id for seat in self.seats]


class FreeSeats:
    """Which seats are free, from the rows just locked and, for the rest, a snapshot's taken
    seats; ``changes`` say what one change would make of some seats (True: free)."""

    def __init__(
        self,
        locked: dict[str, bool],
        taken_elsewhere: Container[str],
        changes: dict[str, bool] | None = None,
    ) -> None:
        self._locked = locked
        self._taken = taken_elsewhere
        self._changes = changes or {}

    def __contains__(self, seat_id: object) -> bool:
        if not isinstance(seat_id, str):
            return False
        if seat_id in self._changes:
            return self._changes[seat_id]
        if seat_id in self._locked:
            return self._locked[seat_id]
        return seat_id not in self._taken

    def after(self, take: Iterable[str], release: Iterable[str]) -> FreeSeats:
        changes = {**self._changes, **dict.fromkeys(release, True), **dict.fromkeys(take, False)}
        return FreeSeats(self._locked, self._taken, changes)


class SeatRows:
    """A show's seats by row and number, built once per layout (seats never move)."""

    def __init__(self, seats: Sequence[Seat]) -> None:
        rows: dict[str, list[Seat]] = {}
        for seat in seats:
            rows.setdefault(seat.row_label, []).append(seat)
        self.rows: tuple[tuple[Seat, ...], ...] = tuple(
            tuple(sorted(row, key=lambda seat: seat.number)) for row in rows.values()
        )
        self._place: dict[str, tuple[int, int]] = {
            seat.id: (r, i) for r, row in enumerate(self.rows) for i, seat in enumerate(row)
        }
        self.best_row = round((len(self.rows) - 1) * BEST_ROW_FRACTION)

    def seat(self, seat_id: str) -> Seat:
        r, i = self._place[seat_id]
        return self.rows[r][i]

    def neighbours(self, seat_id: str) -> tuple[Seat | None, Seat | None]:
        """The seats right beside it; None for an aisle, a gap or the row's end."""
        r, i = self._place[seat_id]
        row = self.rows[r]
        seat = row[i]
        left = row[i - 1] if i > 0 and row[i - 1].number == seat.number - 1 else None
        right = row[i + 1] if i + 1 < len(row) and row[i + 1].number == seat.number + 1 else None
        return left, right

    def around(self, seat_ids: Iterable[str], distance: int = NEIGHBOURHOOD) -> set[str]:
        """The seats and every seat up to ``distance`` seats beside them (aisles stop it)."""
        found: set[str] = set()
        for seat_id in seat_ids:
            found.add(seat_id)
            for side in (0, 1):
                current: str | None = seat_id
                for _ in range(distance):
                    beside = self.neighbours(current)[side] if current else None
                    if beside is None:
                        break
                    found.add(beside.id)
                    current = beside.id
        return found

    def is_stranded(self, seat_id: str, free: Container[str]) -> bool:
        """A free seat with no free seat beside it."""
        if seat_id not in free:
            return False
        return all(beside is None or beside.id not in free for beside in self.neighbours(seat_id))

    def stranded_by(
        self, changed: Iterable[str], free_before: Container[str], free_after: Container[str]
    ) -> list[Seat]:
        """The seats a change (of the ``changed`` seats) strands, in row and number order."""
        candidates: set[str] = set()
        for seat_id in changed:
            candidates.add(seat_id)
            candidates.update(beside.id for beside in self.neighbours(seat_id) if beside)
        stranded = [
            seat_id
            for seat_id in candidates
            if self.is_stranded(seat_id, free_after) and not self.is_stranded(seat_id, free_before)
        ]
        return sorted((self.seat(seat_id) for seat_id in stranded), key=self._order)

    def _order(self, seat: Seat) -> tuple[int, int]:
        return self._place[seat.id]

    def blocks(
        self, free: Container[str], count: int, tier: Tier | None = None
    ) -> list[tuple[Seat, ...]]:
        """Every run of ``count`` adjacent free seats (of ``tier``, if given), best first."""
        scored: list[tuple[tuple[float, float, int, int], tuple[Seat, ...]]] = []
        for r, row in enumerate(self.rows):
            centre = (row[0].number + row[-1].number) / 2
            for start in range(len(row) - count + 1):
                block = row[start : start + count]
                if block[-1].number - block[0].number != count - 1:
                    continue
                if any(s.id not in free or (tier and s.tier is not tier) for s in block):
                    continue
                middle = (block[0].number + block[-1].number) / 2
                score = (abs(r - self.best_row), abs(middle - centre), r, block[0].number)
                scored.append((score, block))
        scored.sort(key=lambda item: item[0])
        return [block for _, block in scored]


def free_runs(rows: SeatRows, free: Container[str]) -> list[int]:
    """The lengths of the runs of adjacent free seats, row by row."""
    lengths: list[int] = []
    for row in rows.rows:
        length = 0
        for i, seat in enumerate(row):
            follows = i > 0 and row[i - 1].number == seat.number - 1
            if seat.id in free:
                length = length + 1 if follows else 1
            ends = i + 1 == len(row) or row[i + 1].number != seat.number + 1
            if length and (seat.id not in free or ends):
                lengths.append(length)
            if seat.id not in free or ends:
                length = 0
    return lengths


def can_seat_together(run_lengths: Iterable[int], count: int) -> bool:
    """Whether ``count`` adjacent seats fit in some run of free seats without leaving one seat of
    it alone: a run of exactly ``count``, or of ``count + 2`` or more (taken from one end)."""
    return any(length == count or length >= count + 2 for length in run_lengths)


def strands(
    rows: SeatRows, before: FreeSeats, take: Collection[str], release: Collection[str]
) -> list[Seat]:
    """The seats that taking ``take`` and letting go of ``release`` would strand."""
    return rows.stranded_by([*take, *release], before, before.after(take, release))


def may_strand(
    rows: SeatRows,
    before: FreeSeats,
    count: int,
    release: Collection[str],
    tiers: Collection[Tier] = (),
) -> bool:
    """True when no ``count`` adjacent free seats of one row (of ``tiers``, when given: a party
    choosing VIP seats is not sent to the regular ones) could be taken without stranding a seat,
    so this selection may strand one; the user's own holds count as free."""
    free: Container[str] = before.after((), release)
    if tiers:
        free = _OfTiers(rows, free, frozenset(tiers))
    return not can_seat_together(free_runs(rows, free), count)


class _OfTiers:
    def __init__(self, rows: SeatRows, free: Container[str], tiers: frozenset[Tier]) -> None:
        self._rows, self._free, self._tiers = rows, free, tiers

    def __contains__(self, seat_id: object) -> bool:
        return (
            isinstance(seat_id, str)
            and seat_id in self._free
            and self._rows.seat(seat_id).tier in self._tiers
        )


def ranked_blocks(
    rows: SeatRows,
    taken: Collection[str],
    count: int,
    *,
    tier: Tier | None,
    release: Collection[str],
    avoid_stranding: bool,
) -> list[Block]:
    """The candidate blocks, best first; with ``avoid_stranding`` every block that strands no
    seat comes before every block that does. ``taken``: the seats not free for the user;
    ``release``: the user's holds, which the new hold replaces (free for them, taken now)."""
    free = FreeSeats({}, taken)
    before = FreeSeats({}, {*taken, *release})
    candidates = []
    for seats in rows.blocks(free, count, tier):
        ids = [seat.id for seat in seats]
        others = [seat_id for seat_id in release if seat_id not in ids]
        candidates.append(Block(seats, tuple(strands(rows, before, ids, others))))
    if avoid_stranding:
        candidates.sort(key=lambda block: bool(block.strands))
    return candidates
