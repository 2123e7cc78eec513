"""What the rule-engine tests share: the 科技奖励 test pack (the calculator's and the batch engine's
variants differ only where their tests need them to) and qualification records."""

from __future__ import annotations

import datetime as dt
import textwrap
from string import Template

from yingshang.policies.rules.model import Pack
from yingshang.policies.rules.pack import load_pack

# Three tied-or-ranked science awards in one 不重复奖 group, a headcount award for enterprises only, a
# percentage award on an untracked field, and an item that starts after the test day.
_SCIENCE_PACK = Template(
    textwrap.dedent(
        """\
        id: $pack_id
        title: $title
        policies:
          - id: science
            title: 科技奖励
            valid_from: 2025-01-01
            valid_to: 2026-12-31
            items:
              - id: giant
                title: 小巨人奖励
                mode: 免申即享
                exclusivity_group: 科技
                conditions: [{qualification: 小巨人, level: 国家, certified_within: policy_validity}]
                amount: $giant_amount
              - id: leader
                title: 科技领军奖励
                mode: 免申即享
                exclusivity_group: 科技
                conditions: [{qualification: 科技领军企业, certified_within: policy_validity}]
                amount: {by_level: {qualification: 科技领军企业, certified_within: policy_validity,
                                    tiers: {国家: 100万元, 省: 30万元, 市: 10万元}}}
              - id: hnte
                title: 高企奖励
                mode: 免申即享
                exclusivity_group: 科技
                conditions: [{qualification: 高新技术企业, certified_within: policy_validity}]
                amount: 30万元
              - id: staff
                title: 稳岗奖励
                mode: 免申即享
                targets: [企业]
                conditions:
                  - 从业人数 >= 10
                  - 企业规模 属于 小型、微型
        $staff_conditions
                amount: 2万元
              - id: rd
                title: 研发补助
                mode: 免申即享
                conditions: [研发费用 >= 100万元]
                amount: {percent_of: 研发费用, rate: $rd_rate, cap: 50万元}
        $more_items
              - id: later
                title: 下半年新增奖励
                valid_from: 2026-07-01
                conditions: [从业人数 >= 1]
                amount: 1万元
        """
    )
)


def science_pack_text(
    pack_id: str,
    title: str,
    *,
    giant_amount: str,
    rd_rate: str,
    staff_conditions: list[str] = (),  # type: ignore[assignment]
    more_items: str = "",
) -> str:
    """The test pack's YAML; `more_items` (YAML at item indentation, 6 spaces) goes before `later`."""
    text = _SCIENCE_PACK.substitute(
        pack_id=pack_id,
        title=title,
        giant_amount=giant_amount,
        rd_rate=rd_rate,
        staff_conditions="".join(f"          - {c}\n" for c in staff_conditions),
        more_items=textwrap.indent(textwrap.dedent(more_items), " " * 6) if more_items else "",
    )
    # Template lines left empty by absent parts are dropped so the YAML reads as if written by hand.
    return "".join(line for line in text.splitlines(keepends=True) if line.strip())


def load_test_pack(text: str, file_name: str) -> Pack:
    """A pack from YAML text that must load without errors."""
    pack, errors = load_pack(text, file_name)
    assert errors == [], [str(e) for e in errors]
    return pack


def q(kind: str, level: str | None) -> dict:
    """A qualification record certified on 2025-03-01, inside the science policy's validity."""
    return {"kind": kind, "level": level, "certified_on": dt.date(2025, 3, 1)}


# A district's pack whose item's own condition would also let a 金台区 enterprise in: the pack's
# district must still keep it out (the jurisdiction is structural, not a condition an author can widen).
DISTRICT_PACK = """\
id: weibin_pack
title: 渭滨区测试政策包
district: 渭滨区
policies:
  - id: giants
    title: 渭滨区小巨人奖励办法
    valid_from: 2025-01-01
    valid_to: 2025-12-31
    items:
      - id: little_giant
        title: 小巨人企业奖励
        mode: 免申即享
        targets: [企业]
        conditions:
          - 从业人数 >= 10
          - 所在区县 属于 渭滨区、金台区
        amount: 60万元
"""
