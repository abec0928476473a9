"""PriceInterest: a live view of an owner's mapping that tells its watchers of each change once."""

from __future__ import annotations

from projectx.interest import PriceInterest


def test_the_view_reads_the_owner_mapping_as_it_is_now() -> None:
    held: dict[str, int] = {}
    interest = PriceInterest(held)
    assert not interest and len(interest) == 0 and "A" not in interest
    held["A"] = 1
    assert interest and "A" in interest and list(interest) == ["A"]


def test_watchers_hear_of_each_change_once_and_of_what_is_in_it_when_they_start() -> None:
    held = {"A": 1}
    interest = PriceInterest(held)
    heard: list[tuple[str, bool]] = []
    interest.watch(lambda c, w: heard.append((c, w)))
    assert heard == [("A", True)]
    held["B"] = 2
    interest.refresh("B")
    interest.refresh("B")  # no change since: not told again
    held["B"] = 3
    interest.refresh("B")  # still wanted: not told
    del held["A"]
    interest.refresh("A")
    interest.refresh("C")  # never in it
    assert heard == [("A", True), ("B", True), ("A", False)]


def test_iteration_is_a_snapshot_so_the_owner_may_change_the_mapping_meanwhile() -> None:
    held = {"A": 1, "B": 2}
    interest = PriceInterest(held)
    for contract in interest:
        del held[contract]
        interest.refresh(contract)
    assert not held and not interest


def test_a_new_watcher_never_hears_a_leave_it_was_not_told_an_enter_for() -> None:
    held = {"A": 1}
    interest = PriceInterest(held)
    first: list[tuple[str, bool]] = []
    second: list[tuple[str, bool]] = []
    interest.watch(lambda c, w: first.append((c, w)))
    del held["A"]  # changed, not refreshed yet
    held["B"] = 1
    interest.watch(lambda c, w: second.append((c, w)))
    interest.refresh("A")
    interest.refresh("B")
    assert first == [("A", True), ("A", False), ("B", True)]
    assert second == [("B", True)]
