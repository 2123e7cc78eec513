"""数据缺口: which missing profile data keeps how much reward money at 需确认, and who supplies it.

Plain Python, no Django. A 需确认 pair says, in its reason codes, which conditions the match could
not decide (`<field>.<op>.unknown`, `qual.<kind>.unknown`); its amount is None when the amount itself
waits on data. `tally_gaps` counts, per missing datum and per supplying department, the enterprises
and pairs that wait on it, the money involved, and the money that the datum alone would decide (the
pair's only gap): the figure that says which 数据共享 request pays most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

UNKNOWN_SUFFIX = ".unknown"
AMOUNT_GAP = "amount"  # the amount's own inputs (the pair's amount is None)


def gap_keys(reason_codes: Iterable[str]) -> list[str]:
    """The data a pair lacks, from its reason codes: a field key or `qual.<kind>`, in order, once."""
    keys: list[str] = []
    for code in reason_codes:
        if not code.endswith(UNKNOWN_SUFFIX):
            continue
        parts = code.split(".")
        key = ".".join(parts[:2]) if parts[0] == "qual" else parts[0]
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass
class Gap:
    """What waits on one missing datum (or on one department's data, for `by_source`)."""

    key: str
    enterprises: set[int] = field(default_factory=set)
    pairs: int = 0
    possible_fen: int = 0  # known amounts of the pairs that wait on it
    amount_pending: int = 0  # pairs whose amount is not known either
    alone_pairs: int = 0  # pairs for which this is the only gap
    alone_fen: int = 0

    @property
    def enterprise_count(self) -> int:
        return len(self.enterprises)


@dataclass
class Tally:
    by_key: dict[str, Gap]
    by_source: dict[str, Gap]
    pairs: int = 0
    enterprises: int = 0
    possible_fen: int = 0


def tally_gaps(
    rows: Iterable[tuple[int, int | None, Iterable[str]]], source_of: Callable[[str], str]
) -> Tally:
    """Count (enterprise id, amount in fen or None, reason codes) rows of 需确认 pairs by missing
    datum and by its source (`source_of(key)`); the amount's own inputs count as `AMOUNT_GAP`."""
    by_key: dict[str, Gap] = {}
    by_source: dict[str, Gap] = {}
    enterprises: set[int] = set()
    pairs = possible = 0
    for enterprise_id, amount_fen, codes in rows:
        keys = gap_keys(codes)
        if amount_fen is None:
            keys.append(AMOUNT_GAP)
        pairs += 1
        possible += amount_fen or 0
        enterprises.add(enterprise_id)
        sources = list(dict.fromkeys(source_of(key) for key in keys))
        for key in keys:
            _count(by_key.setdefault(key, Gap(key)), enterprise_id, amount_fen, alone=len(keys) == 1)
        for source in sources:
            _count(
                by_source.setdefault(source, Gap(source)), enterprise_id, amount_fen, alone=len(sources) == 1
            )
    return Tally(by_key, by_source, pairs, len(enterprises), possible)


def _count(gap: Gap, enterprise_id: int, amount_fen: int | None, *, alone: bool) -> None:
    gap.enterprises.add(enterprise_id)
    gap.pairs += 1
    if amount_fen is None:
        gap.amount_pending += 1
    else:
        gap.possible_fen += amount_fen
    if alone:
        gap.alone_pairs += 1
        gap.alone_fen += amount_fen or 0


def ranked(gaps: Iterable[Gap]) -> list[Gap]:
    """Most money decided by the datum alone first, then most money involved, then most pairs."""
    return sorted(gaps, key=lambda g: (-g.alone_fen, -g.possible_fen, -g.pairs, g.key))
