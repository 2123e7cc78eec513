"""Three-valued evaluation: every operator passes, fails, or is unknown on missing data; groups follow
Kleene's logic; each outcome carries the enterprise's own value and a Chinese reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from yingshang.policies.rules import ast
from yingshang.policies.rules.evaluate import (
    Outcome,
    Status,
    evaluate,
    fast_constructor,
    full_years,
    k_and,
    k_not,
    k_or,
    years_cutoff,
)
from yingshang.policies.rules.profile import profile_from

D = dt.date
P, F, U = Status.PASS, Status.FAIL, Status.UNKNOWN
CTX = ast.Context(D(2025, 6, 30), D(2024, 1, 1), D(2026, 12, 31))

PROFILE = {
    "employees": 8,
    "annual_revenue_fen": 2_500_000_000,
    "layoff_rate": Decimal("4.5"),
    "entity_type": "enterprise",
    "scale": "small",
    "registered_on": D(2022, 7, 1),
    "business_scope": "软件开发；信息技术咨询服务",
    "serious_dishonesty": False,
    "district": "渭滨区",
    "qualifications": [
        {"kind": "hnte", "level": "national", "certified_on": D(2024, 12, 1), "expires_on": D(2027, 11, 30)},
        {"kind": "srdi_sme", "level": "municipal", "certified_on": D(2023, 5, 1)},
        {"kind": "tech_leader", "level": "provincial", "certified_on": D(2025, 2, 1)},
    ],
}


def status_of(node: ast.Node, profile: dict | None = None) -> Status:
    return evaluate(node, profile_from(PROFILE if profile is None else profile), CTX).status


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (ast.Compare("employees", "ge", 8), P),
        (ast.Compare("employees", "ge", 10), F),
        (ast.Compare("employees", "gt", 7), P),
        (ast.Compare("employees", "lt", 8), F),
        (ast.Compare("employees", "le", 8), P),
        (ast.Compare("employees", "eq", 8), P),
        (ast.Compare("employees", "ne", 8), F),
        (ast.Compare("annual_revenue_fen", "ge", 2_000_000_000), P),
        (ast.Compare("layoff_rate", "le", Decimal("5.5")), P),
        (ast.Compare("layoff_rate", "le", Decimal("4.49")), F),
        (ast.Compare("registered_on", "lt", D(2022, 7, 2)), P),
        (ast.Compare("serious_dishonesty", "eq", False), P),
        (ast.Member("scale", ("small", "micro")), P),
        (ast.Member("scale", ("large",)), F),
        (ast.Member("scale", ("small",), negated=True), F),
        (ast.Between("employees", 8, 10), P),
        (ast.Between("employees", 9, 10), F),
        (ast.InWindow("registered_on", ast.Window(policy=True)), F),
        (ast.InWindow("registered_on", ast.Window(D(2022, 1, 1), D(2022, 12, 31))), P),
        (ast.InWindow("registered_on", ast.Window(None, D(2022, 6, 30))), F),
        (ast.YearsSince("registered_on", 2), P),
        (ast.YearsSince("registered_on", 3), F),
        (ast.YearsSince("registered_on", 3, at_least=False), P),
        (ast.Contains("business_scope", "软件"), P),
        (ast.Contains("business_scope", "餐饮"), F),
        (ast.HasQualification("hnte"), P),
        (ast.HasQualification("hnte", ("national",), ast.Window(policy=True)), P),
        (ast.HasQualification("hnte", certified_within=ast.Window(D(2025, 1, 1), None)), F),
        (ast.HasQualification("hnte", valid_on=ast.AS_OF), P),
        (ast.HasQualification("hnte", valid_on=D(2027, 12, 1)), F),
        (ast.HasQualification("srdi_sme", ("provincial",)), F),  # tracked kind, only a municipal record
        (ast.HasQualification("srdi_sme", ("municipal",), ast.Window(policy=True)), F),
        (ast.HasQualification("little_giant"), F),  # tracked kind, no record: does not hold it
        (ast.HasQualification("tech_leader", ("provincial",)), P),
        (ast.HasQualification("tech_leader", ("national",)), U),  # untracked: a national record may exist
        (ast.HasQualification("academician_station"), U),
        (ast.HasQualification("hnte", first_certified_within=ast.Window(policy=True)), U),  # date missing
    ],
)
def test_each_operator_passes_or_fails_on_known_data(leaf: ast.Leaf, expected: Status) -> None:
    assert status_of(leaf) is expected


@pytest.mark.parametrize(
    "leaf",
    [
        ast.Compare("rd_expense_fen", "ge", 1),
        ast.Compare("new_hires", "lt", 1),
        ast.Member("tax_credit_rating", ("A",)),
        ast.Member("listing_stage", ("none",), negated=True),
        ast.Between("insured_employees", 1, 10),
        ast.InWindow("registered_on", ast.Window(policy=True)),
        ast.YearsSince("registered_on", 1),
        ast.Contains("business_scope", "软件"),
        ast.Compare("serious_dishonesty", "eq", False),
        ast.HasQualification("hnte"),
    ],
)
def test_every_operator_is_unknown_when_the_value_is_missing(leaf: ast.Leaf) -> None:
    assert status_of(leaf, {}) is U
    assert status_of(ast.Not(leaf), {}) is U


def test_a_confirmed_list_turns_an_untracked_kind_from_unknown_into_fail() -> None:
    leaf = ast.HasQualification("academician_station")
    confirmed = {**PROFILE, "qualification_kinds_confirmed": ["院士工作站"]}
    assert status_of(leaf) is U
    assert status_of(leaf, confirmed) is F


def test_a_record_without_a_level_is_unknown_for_a_level_condition() -> None:
    profile = {"qualifications": [{"kind": "tech_leader", "certified_on": D(2025, 1, 1)}]}
    assert status_of(ast.HasQualification("tech_leader", ("national",)), profile) is U


# --- Kleene logic ---------------------------------------------------------------------------------

TRUTH = [
    ((P, P), P, P),
    ((P, F), F, P),
    ((P, U), U, P),
    ((F, F), F, F),
    ((F, U), F, U),
    ((U, U), U, U),
]


@pytest.mark.parametrize(("pair", "conj", "disj"), TRUTH)
def test_and_and_or_follow_kleene_truth_tables(
    pair: tuple[Status, Status], conj: Status, disj: Status
) -> None:
    assert k_and(pair) is conj and k_and(reversed(pair)) is conj
    assert k_or(pair) is disj and k_or(reversed(pair)) is disj


@pytest.mark.parametrize(("value", "negated"), [(P, F), (F, P), (U, U)])
def test_not_swaps_pass_and_fail_and_keeps_unknown(value: Status, negated: Status) -> None:
    assert k_not(value) is negated


def test_empty_groups_are_the_identities() -> None:
    assert k_and([]) is P and k_or([]) is F


statuses = st.sampled_from(list(Status))


@given(statuses, statuses)
def test_de_morgan_holds_in_three_valued_logic(a: Status, b: Status) -> None:
    assert k_not(k_and([a, b])) is k_or([k_not(a), k_not(b)])
    assert k_not(k_or([a, b])) is k_and([k_not(a), k_not(b)])


@given(statuses, statuses, statuses)
def test_and_distributes_over_or(a: Status, b: Status, c: Status) -> None:
    assert k_and([a, k_or([b, c])]) is k_or([k_and([a, b]), k_and([a, c])])


@given(statuses)
def test_double_negation_and_unknown_never_becomes_known_by_itself(a: Status) -> None:
    assert k_not(k_not(a)) is a
    assert k_and([a, U]) is not P and k_or([a, U]) is not F


LEAF_BY_STATUS = {
    P: ast.Compare("employees", "ge", 1),
    F: ast.Compare("employees", "ge", 100),
    U: ast.Compare("rd_expense_fen", "ge", 1),
}


@settings(max_examples=40)
@given(st.lists(statuses, min_size=1, max_size=5), st.booleans())
def test_tree_evaluation_matches_the_truth_tables(children: list[Status], use_and: bool) -> None:
    group = (ast.AllOf if use_and else ast.AnyOf)(tuple(LEAF_BY_STATUS[s] for s in children))
    expected = k_and(children) if use_and else k_or(children)
    assert status_of(group) is expected
    assert status_of(ast.Not(group)) is k_not(expected)


# --- outcomes and reasons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leaf", "reason", "code"),
    [
        (ast.Compare("employees", "ge", 10), "从业人数 8 人，要求不少于 10 人：不满足", "employees.ge.fail"),
        (ast.Compare("employees", "ge", 5), "从业人数 8 人，要求不少于 5 人：满足", "employees.ge.pass"),
        (
            ast.Compare("rd_expense_fen", "ge", 1),
            "研发费用：暂无数据，需企业确认",
            "rd_expense_fen.ge.unknown",
        ),
        (
            ast.Compare("annual_revenue_fen", "ge", 3_000_000_000),
            "年营业收入 2500万元，要求不少于 3000万元：不满足",
            "annual_revenue_fen.ge.fail",
        ),
        (ast.Member("scale", ("small", "micro")), "企业规模 小型，要求为小型或微型：满足", "scale.in.pass"),
        (
            ast.YearsSince("registered_on", 3),
            "成立日期 2022年7月1日（距评估日满 2 年），要求距评估日满 3 年：不满足",
            "registered_on.years_at_least.fail",
        ),
        (
            ast.InWindow("registered_on", ast.Window(policy=True)),
            "成立日期 2022年7月1日，要求在本政策有效期内"
            "（本政策有效期：2024年1月1日至2026年12月31日）：不满足",
            "registered_on.within.fail",
        ),
        (
            ast.HasQualification("hnte", ("national",)),
            "资质认定 国家级高新技术企业（2024年12月1日认定，有效期至2027年11月30日），"
            "要求持有国家级高新技术企业认定：满足",
            "qual.hnte.pass",
        ),
        (ast.HasQualification("little_giant"), "资质认定 无专精特新“小巨人”记录", "qual.little_giant.fail"),
        (
            ast.HasQualification("academician_station"),
            "院士工作站认定：暂无数据，需企业确认",
            "qual.academician_station.unknown",
        ),
        (
            ast.Not(ast.Member("credit_class", ("D",))),
            "信用风险分类：暂无数据，需企业确认",
            "credit_class.in.unknown",
        ),
        (
            ast.Not(ast.Member("scale", ("small",))),
            "企业规模 小型，要求不满足“企业规模为小型”：不满足",
            "scale.in.fail",
        ),
    ],
)
def test_each_outcome_carries_the_enterprises_value_and_a_reason(
    leaf: ast.Node, reason: str, code: str
) -> None:
    (outcome,) = evaluate(leaf, profile_from(PROFILE), CTX).outcomes
    assert reason in outcome.reason
    assert outcome.code == code


def test_outcomes_are_numbered_by_their_place_in_the_tree() -> None:
    tree = ast.AllOf(
        (
            ast.Compare("employees", "ge", 1),
            ast.AnyOf((ast.Compare("scale", "eq", "small"), ast.Not(ast.Compare("scale", "eq", "large")))),
        )
    )
    result = evaluate(tree, profile_from(PROFILE), CTX)
    assert [o.path for o in result.outcomes] == ["1", "2.1", "2.2"]
    assert [o.status for o in result.outcomes] == [P, P, P]


def test_machine_checkability_comes_from_the_field_registry() -> None:
    tree = ast.AllOf((ast.Compare("employees", "ge", 1), ast.Compare("rd_expense_fen", "ge", 1)))
    result = evaluate(tree, profile_from(PROFILE), CTX)
    assert [o.machine_checkable for o in result.outcomes] == [True, False]


@pytest.mark.parametrize(
    ("since", "as_of", "years"),
    [
        (D(2020, 3, 1), D(2023, 2, 28), 2),
        (D(2020, 3, 1), D(2023, 3, 1), 3),
        (D(2020, 2, 29), D(2023, 2, 28), 2),  # a 29 February start completes its year on 1 March
        (D(2020, 2, 29), D(2023, 3, 1), 3),
        (D(2020, 2, 29), D(2024, 2, 29), 4),
        (D(2025, 7, 1), D(2025, 6, 30), -1),
    ],
)
def test_full_years_count_completed_anniversaries(since: dt.date, as_of: dt.date, years: int) -> None:
    assert full_years(since, as_of) == years


@given(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31)),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)),
    st.integers(min_value=0, max_value=10),
)
@example(D(2023, 2, 28), D(2024, 2, 29), 1)
@example(D(2023, 3, 1), D(2024, 2, 29), 1)
@example(D(2020, 2, 29), D(2023, 2, 28), 3)
def test_the_years_cutoff_agrees_with_counting_anniversaries(
    since: dt.date, as_of: dt.date, years: int
) -> None:
    assert (full_years(since, as_of) >= years) == (since <= years_cutoff(as_of, years))


def test_the_fast_constructor_builds_the_same_frozen_outcome_as_the_dataclass() -> None:
    fields = {
        "path": "1",
        "sentence": "从业人数不少于 10 人",
        "status": Status.PASS,
        "actual": "12 人",
        "reason": "从业人数 12 人，要求不少于 10 人：满足",
        "code": "employees.ge.pass",
        "field": "employees",
        "machine_checkable": True,
    }
    fast, normal = fast_constructor(Outcome)(**fields), Outcome(**fields)
    assert fast == normal
    assert hash(fast) == hash(normal)
    with pytest.raises(AttributeError):
        fast.status = Status.FAIL  # type: ignore[misc]
