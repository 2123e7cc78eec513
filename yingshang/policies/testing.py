"""Builders for the policies tests: the shipped pack texts, edits of them, and a finished match run."""

from __future__ import annotations

import datetime as dt

from yingshang.policies import rules
from yingshang.policies.models import MatchRun, PolicyPack
from yingshang.policies.services import save_pack_version, start_match_run
from yingshang.registry.models import User

# A day inside every shipped policy's validity; the `world` fixture's acme got 高企 on 2024-11-01.
AS_OF = dt.date(2026, 6, 30)
MEASURES = "xx_district_18_measures"
EXAMPLE = "xx_district_jobs_innovation_example"
HNTE_ITEM = "xx18_art3_hnte"


def shipped_text(name: str = MEASURES) -> str:
    path = next(p for p in rules.shipped_pack_paths() if p.stem == name)
    return path.read_text(encoding="utf-8")


# The example pack's case about an enterprise of another district (it holds only in a district's pack).
_OTHER_DISTRICT_CASE = """\
          - id: other_district
            profile: {主体类型: 企业, 企业规模: 小型, 所在区县: 金台区, 年房租支出: 12万元}
            expect: {verdict: not_eligible, reasons: [所在区县 金台区，要求为“渭滨区”：不满足]}
"""


def without_district(text: str) -> str:
    """A shipped pack's text (or an edit of it) without its `district`: a city-level pack, which pays
    the world's enterprises of both districts (for tests of who sees which district's results)."""
    assert text.count("\ndistrict: 渭滨区\n") == 1
    return text.replace("\ndistrict: 渭滨区\n", "\n").replace(_OTHER_DISTRICT_CASE, "")


def city_wide_text(name: str = MEASURES) -> str:
    return without_district(shipped_text(name))


def store_city_wide_packs() -> list[PolicyPack]:
    """The shipped packs stored as city-level working versions (see city_wide_text)."""
    stored = []
    for name in (MEASURES, EXAMPLE):
        pack, errors = save_pack_version(name, city_wide_text(name), None, "测试：全市通用")
        assert pack is not None, [str(e) for e in errors]
        stored.append(pack)
    return stored


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
