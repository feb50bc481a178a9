"""Best-available scoring and the no-orphan rule, on rows with aisles."""

from __future__ import annotations

from inventory.domain.model import Seat, SeatState, Tier
from inventory.domain.seating import (
    FreeSeats,
    SeatRows,
    can_seat_together,
    free_runs,
    may_strand,
    ranked_blocks,
    strands,
)


def seat(row: str, number: int, tier: Tier = Tier.REGULAR) -> Seat:
    return Seat(f"{row}{number}", "show", row, number, tier, 100, SeatState.AVAILABLE)


def layout(rows: dict[str, list[int]]) -> SeatRows:
    return SeatRows([seat(row, n) for row, numbers in rows.items() for n in numbers])


def labels(seats: tuple[Seat, ...] | list[Seat]) -> list[str]:
    return [s.label for s in seats]


def test_best_row_is_two_thirds_back_and_the_block_is_centred() -> None:
    rows = layout({r: list(range(1, 11)) for r in "ABCDEFG"})  # 7 rows: best is row index 4, E

    best = ranked_blocks(rows, set(), 2, tier=None, release=[], avoid_stranding=False)

    assert labels(best[0].seats) == ["E5", "E6"]
    assert labels(best[1].seats) in (["E4", "E5"], ["E6", "E7"])
    assert labels(best[1].seats) == ["E4", "E5"]  # ties: lower seat number first
    assert {s.row_label for b in best[:9] for s in b.seats} == {"E"}
    assert best[9].seats[0].row_label in "DF"


def test_blocks_never_span_an_aisle_and_skip_taken_seats() -> None:
    rows = layout({"A": [1, 2, 3, 5, 6, 7]})  # an aisle where 4 would be

    blocks = ranked_blocks(rows, {"A6"}, 2, tier=None, release=[], avoid_stranding=False)

    assert sorted(labels(b.seats) for b in blocks) == [["A1", "A2"], ["A2", "A3"]]


def test_a_tier_is_respected() -> None:
    rows = SeatRows([seat("A", 1), seat("A", 2), seat("B", 1, Tier.VIP), seat("B", 2, Tier.VIP)])

    blocks = ranked_blocks(rows, set(), 2, tier=Tier.VIP, release=[], avoid_stranding=False)

    assert [labels(b.seats) for b in blocks] == [["B1", "B2"]]


def test_a_seat_between_taken_seats_or_against_the_row_end_or_an_aisle_is_stranded() -> None:
    rows = layout({"A": [1, 2, 3, 4, 6, 7, 8]})
    before = FreeSeats({}, {"A3"})

    assert labels(strands(rows, before, ["A1"], [])) == ["A2"]  # between A1 and A3
    assert labels(strands(rows, before, ["A2"], [])) == ["A1"]  # against the row's end
    assert labels(strands(rows, before, ["A6"], [])) == []  # A7, A8 stay together
    assert labels(strands(rows, FreeSeats({}, set()), ["A7", "A8"], [])) == ["A6"]  # the aisle
    assert labels(strands(rows, FreeSeats({}, set()), ["A1", "A2"], [])) == []


def test_a_seat_already_alone_is_not_stranded_again() -> None:
    rows = layout({"A": [1, 2, 3, 4, 5]})
    before = FreeSeats({}, {"A1", "A3"})  # A2 is alone already

    assert labels(strands(rows, before, ["A4", "A5"], [])) == []


def test_letting_go_of_a_hold_can_strand_a_seat() -> None:
    rows = layout({"A": [1, 2, 3, 4, 5]})
    before = FreeSeats({}, {"A1", "A2"})  # the user holds A2; A1 is someone else's

    assert labels(strands(rows, before, ["A3"], ["A2"])) == ["A2"]


def test_stranding_is_allowed_only_when_no_block_of_as_many_could_avoid_it() -> None:
    rows = layout({"A": [1, 2, 3], "B": [1, 2, 3, 4]})
    assert not may_strand(rows, FreeSeats({}, set()), 2, [])  # B1-B2 strands nothing
    assert can_seat_together([3, 4], 2)
    assert not can_seat_together([3], 2)
    assert can_seat_together([3, 2], 2)
    assert not can_seat_together([1, 1], 2)  # two single seats are no pair
    # Only runs of three left: any pair strands the third seat, so a pair may strand.
    assert may_strand(layout({"A": [1, 2, 3], "B": [1, 2, 3]}), FreeSeats({}, set()), 2, [])
    # The user's own hold counts as free: B1-B2 is theirs to move.
    assert not may_strand(rows, FreeSeats({}, {"B1"}), 2, ["B1"])


def test_free_runs_follow_aisles_and_taken_seats() -> None:
    rows = layout({"A": [1, 2, 3, 5, 6], "B": [1, 2, 3, 4]})

    assert free_runs(rows, FreeSeats({}, {"B2"})) == [3, 2, 1, 2]


def test_with_the_rule_on_blocks_that_strand_nothing_come_first() -> None:
    rows = layout({"A": [1, 2, 3, 4, 5]})  # the centred pair A2-A3 would strand A1

    plain = ranked_blocks(rows, set(), 2, tier=None, release=[], avoid_stranding=False)
    careful = ranked_blocks(rows, set(), 2, tier=None, release=[], avoid_stranding=True)

    assert labels(plain[0].seats) == ["A2", "A3"] and labels(plain[0].strands) == ["A1"]
    assert labels(careful[0].seats) in (["A1", "A2"], ["A4", "A5"])
    assert careful[0].strands == ()
    assert careful[-1].strands != ()


def test_the_alternatives_are_seats_of_the_same_tiers() -> None:
    vip = [seat("A", n, Tier.VIP) for n in (1, 2, 3)]
    rows = SeatRows([*vip, *(seat("B", n) for n in (1, 2, 3, 4))])

    assert not may_strand(rows, FreeSeats({}, set()), 2, [])  # a regular pair strands nothing
    assert may_strand(rows, FreeSeats({}, set()), 2, [], {Tier.VIP})  # every VIP pair would
