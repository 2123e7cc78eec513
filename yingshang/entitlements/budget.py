"""An item's budget (预算上限) and who fits in it: plain Python, no Django.

The rule (docs/entitlements.md, 预算): candidates queue in the order they became ready for review —
the enterprise's confirmation time, or the match time for those that need no confirmation; ties by
统一社会信用代码. Going down the queue, a candidate is approved while the money left covers its whole
amount. Strictly first-come: the first candidate that does not fit waits, and so does everyone after
it, even a smaller amount that would still fit (no queue jumping). An approved amount holds budget
from approval on (workflow.BUDGET_STATES), so the cap is never exceeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One entitlement waiting for approval, as the budget sees it."""

    key: int  # the entitlement id
    amount_fen: int
    queued_at: dt.datetime  # confirmed_at, or matched_at when no confirmation is needed
    uscc: str


@dataclass(frozen=True)
class Allocation:
    fits: tuple[Candidate, ...]
    waits: tuple[Candidate, ...]
    cap_fen: int | None
    committed_fen: int

    @property
    def granted_fen(self) -> int:
        return sum(c.amount_fen for c in self.fits)

    @property
    def waiting_fen(self) -> int:
        return sum(c.amount_fen for c in self.waits)

    @property
    def remaining_fen(self) -> int | None:
        """Money left after the fitting candidates; None without a cap."""
        if self.cap_fen is None:
            return None
        return self.cap_fen - self.committed_fen - self.granted_fen


def queue_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The documented order: time the candidate became ready for review, then USCC, then id."""
    return sorted(candidates, key=lambda c: (c.queued_at, c.uscc, c.key))


def allocate(cap_fen: int | None, committed_fen: int, candidates: Sequence[Candidate]) -> Allocation:
    """Which candidates fit under the cap, going down the queue; the first misfit stops the queue.

    `candidates` may come in any order: they are queued by `queue_order` here. Without a cap every
    candidate fits.
    """
    queued = queue_order(candidates)
    if cap_fen is None:
        return Allocation(tuple(queued), (), None, committed_fen)
    left = cap_fen - committed_fen
    fits: list[Candidate] = []
    for position, candidate in enumerate(queued):
        if candidate.amount_fen > left:
            return Allocation(tuple(fits), tuple(queued[position:]), cap_fen, committed_fen)
        left -= candidate.amount_fen
        fits.append(candidate)
    return Allocation(tuple(fits), (), cap_fen, committed_fen)
