"""Builders for the policies tests: the shipped pack texts, edits of them, and a finished match run."""

from __future__ import annotations

import datetime as dt

from yingshang.policies import rules
from yingshang.policies.models import MatchRun
from yingshang.policies.services import start_match_run
from yingshang.registry.models import User

# A day inside every shipped policy's validity; the `world` fixture's acme got 高企 on 2024-11-01.
AS_OF = dt.date(2026, 6, 30)
MEASURES = "xx_district_18_measures"
EXAMPLE = "xx_district_jobs_innovation_example"
HNTE_ITEM = "xx18_art3_hnte"


def shipped_text(name: str = MEASURES) -> str:
    path = next(p for p in rules.shipped_pack_paths() if p.stem == name)
    return path.read_text(encoding="utf-8")


def with_hnte_amount(wan: int, *, update_cases: bool = True) -> str:
    """The 十八条 pack with the 高企 reward changed to `wan` 万元 (and, unless told not to, the test
    cases that state it: the item's own and the policy's sum of several articles)."""
    text = shipped_text()
    edits = [
        (
            "amount: 10万元\n        tags: [科技创新, 高企]",
            f"amount: {wan}万元\n        tags: [科技创新, 高企]",
        )
    ]
    if update_cases:
        edits += [
            (
                "              amount: 10万元\n              mode: 免申即享",
                f"              amount: {wan}万元\n              mode: 免申即享",
            ),
            ("xx18_art3_hnte: 10万元, xx18_", f"xx18_art3_hnte: {wan}万元, xx18_"),
            ("\n          total: 20万元", f"\n          total: {wan + 10}万元"),
        ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def finished_match(user: User | None = None, as_of: dt.date = AS_OF) -> MatchRun:
    run = start_match_run(user, as_of, runner="inline")
    assert run.state == "done", run.error
    return run
