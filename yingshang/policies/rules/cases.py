"""Running the test cases a pack carries: each item's (profile → verdict, amount, reasons) and each
policy's scenarios (profile → what every item pays after exclusivity). A pack whose own cases fail
is not accepted, so a rule edit that changes an outcome has to change its case too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from yingshang.core.money import format_amount
from yingshang.policies.rules.calculator import ItemResult, apply_exclusivity, evaluate_item
from yingshang.policies.rules.errors import Place, RuleError
from yingshang.policies.rules.fields import lookup_field
from yingshang.policies.rules.model import Case, Item, Pack, Policy
from yingshang.policies.rules.profile import read_profile


def _money(fen: int | None) -> str:
    return "待定" if fen is None else format_amount(fen)


def item_mismatches(result: ItemResult, case: Case) -> list[str]:
    """What differs from the case's expectation, in Chinese; empty when the case passes."""
    expect, problems = case.expect, []
    if expect.verdict and result.verdict is not expect.verdict:
        problems.append(f"预期结论“{expect.verdict.label}”，实际“{result.verdict.label}”")
    if expect.has_amount and result.amount_fen != expect.amount_fen:
        problems.append(f"预期金额 {_money(expect.amount_fen)}，实际 {_money(result.amount_fen)}")
    if expect.mode and result.mode is not expect.mode:
        problems.append(f"预期方式“{expect.mode.value}”，实际“{result.mode.value}”")
    text = "\n".join(result.reasons)
    for fragment in expect.reasons:
        if fragment not in text:
            problems.append(f"理由中没有“{fragment}”")
    for code in expect.codes:
        if code not in result.codes:
            problems.append(f"理由代码中没有“{code}”")
    if problems:
        problems.append("实际理由：" + "；".join(result.reasons))
    return problems


def case_day(policy: Policy, case: Case) -> dt.date:
    return case.as_of or policy.cases_as_of or policy.valid_from


def case_profile(case: Case, district: str) -> Mapping[str, object]:
    """The case's profile; in a district's pack an enterprise that does not say where it is registered
    is one of that district's (a case about another district says so: `所在区县: 金台区`)."""
    if not district:
        return case.profile
    fields = (lookup_field(str(key)) for key in case.profile)
    if any(f is not None and f.key == "district" for f in fields):
        return case.profile
    return {**case.profile, "所在区县": district}


def run_item_case(policy: Policy, item: Item, case: Case) -> list[str]:
    profile, errors = read_profile(case_profile(case, item.jurisdiction))
    if profile is None:
        return [str(e) for e in errors]
    result = evaluate_item(policy, item, profile, case_day(policy, case))
    return item_mismatches(result, case)


def run_policy_case(policy: Policy, case: Case) -> list[str]:
    profile, errors = read_profile(case_profile(case, policy.items[0].jurisdiction))
    if profile is None:
        return [str(e) for e in errors]
    day = case_day(policy, case)
    results = apply_exclusivity(
        [evaluate_item(policy, i, profile, day) for i in policy.items if i.is_current(day)]
    )
    paid = {r.item_id: r.payable_fen for r in results}
    problems = []
    for item_id, fen in case.expect.payable:
        if paid.get(item_id) != fen:
            problems.append(f"预期“{item_id}”实付 {_money(fen)}，实际 {_money(paid.get(item_id))}")
    total = sum(paid.values())
    if case.expect.total_fen is not None and total != case.expect.total_fen:
        problems.append(f"预期合计 {_money(case.expect.total_fen)}，实际 {_money(total)}")
    if problems:
        problems.append(
            "实际：" + "；".join(f"{r.title} {_money(r.payable_fen)} {r.exclusivity_note}" for r in results)
        )
    return problems


def run_pack_cases(pack: Pack) -> list[RuleError]:
    errors: list[RuleError] = []
    for policy in pack.policies:
        for number, item in enumerate(policy.items, start=1):
            for case in item.cases:
                problems = run_item_case(policy, item, case)
                if problems:
                    place = Place(
                        pack.file, case.line, policy.title, number, item.title, f"测试用例“{case.id}”"
                    )
                    errors.append(RuleError("case.failed", "未通过：" + "；".join(problems), place))
        for case in policy.cases:
            problems = run_policy_case(policy, case)
            if problems:
                place = Place(pack.file, case.line, policy.title, section=f"测试用例“{case.id}”")
                errors.append(RuleError("case.failed", "未通过：" + "；".join(problems), place))
    return errors
