"""Budgets (pure): who fits under an item's cap, strictly first-come."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.entitlements.budget import Allocation, Candidate, allocate, queue_order

T0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def candidate(key: int, yuan: int, minutes: int, uscc: str = "") -> Candidate:
    return Candidate(key, yuan * 100, T0 + dt.timedelta(minutes=minutes), uscc or f"9161{key:014d}")


A = candidate(1, 40, 0)
B = candidate(2, 30, 10)
C = candidate(3, 50, 20)
D = candidate(4, 10, 30)


def keys(found: tuple[Candidate, ...]) -> list[int]:
    return [c.key for c in found]


@pytest.mark.parametrize(
    ("cap_yuan", "committed_yuan", "candidates", "fits", "waits"),
    [
        (None, 0, [C, A, B], [1, 2, 3], []),
        (1000, 0, [A, B, C, D], [1, 2, 3, 4], []),
        (130, 0, [A, B, C, D], [1, 2, 3, 4], []),  # exactly the cap: fits
        (129, 0, [A, B, C, D], [1, 2, 3], [4]),
        # C does not fit: it waits, and so does D although D alone would fit (no queue jumping).
        (100, 0, [A, B, C, D], [1, 2], [3, 4]),
        (100, 61, [A, B, C, D], [], [1, 2, 3, 4]),
        (100, 60, [B, D], [2, 4], []),
        (100, 100, [D], [], [4]),
        (0, 0, [], [], []),
        # Given in any order, queued by time.
        (70, 0, [D, C, B, A], [1, 2], [3, 4]),
    ],
)
def test_candidates_fit_in_queue_order_until_the_first_that_does_not(
    cap_yuan: int | None,
    committed_yuan: int,
    candidates: list[Candidate],
    fits: list[int],
    waits: list[int],
) -> None:
    cap = None if cap_yuan is None else cap_yuan * 100
    allocation = allocate(cap, committed_yuan * 100, candidates)
    assert (keys(allocation.fits), keys(allocation.waits)) == (fits, waits)


@pytest.mark.parametrize(
    ("candidates", "order"),
    [
        ([candidate(1, 1, 5), candidate(2, 1, 0)], [2, 1]),
        ([candidate(1, 1, 0, "91610302MA6X00002"), candidate(2, 1, 0, "91610302MA6X00001")], [2, 1]),
        ([candidate(2, 1, 0, "9161"), candidate(1, 1, 0, "9161")], [1, 2]),
    ],
)
def test_the_queue_is_by_time_then_uscc_then_id(candidates: list[Candidate], order: list[int]) -> None:
    assert [c.key for c in queue_order(candidates)] == order


def test_the_budget_is_never_exceeded_by_what_fits() -> None:
    for cap in range(0, 200, 7):
        allocation = allocate(cap * 100, 10_00, [A, B, C, D])
        assert allocation.granted_fen <= max(0, cap * 100 - 10_00)


def test_an_allocation_adds_up_what_it_grants_and_what_waits() -> None:
    allocation = allocate(100_00, 10_00, [A, B, C, D])
    assert allocation == Allocation((A, B), (C, D), 100_00, 10_00)
    assert (allocation.granted_fen, allocation.waiting_fen, allocation.remaining_fen) == (70_00, 60_00, 20_00)
    assert allocate(None, 0, [A]).remaining_fen is None
