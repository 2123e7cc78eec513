"""The packs shipped in yingshang/policies/packs: each loads cleanly, and every test case written in
them (item cases and policy scenarios) is run here, one pytest case each."""

from __future__ import annotations

import pytest

from yingshang.policies.rules import ast
from yingshang.policies.rules.cases import run_item_case, run_policy_case
from yingshang.policies.rules.model import Pack
from yingshang.policies.rules.pack import load_pack_file, shipped_pack_paths


def _load_without_cases(path) -> Pack:
    pack, errors = load_pack_file(path, run_cases=False)
    assert errors == [], [str(e) for e in errors]
    return pack


PACKS = {path.name: _load_without_cases(path) for path in shipped_pack_paths()}
ITEM_CASES = [
    pytest.param(policy, item, case, id=f"{item.id}:{case.id}")
    for pack in PACKS.values()
    for policy, item in pack.items()
    for case in item.cases
]
POLICY_CASES = [
    pytest.param(policy, case, id=f"{policy.id}:{case.id}")
    for pack in PACKS.values()
    for policy in pack.policies
    for case in policy.cases
]


@pytest.mark.parametrize("path", shipped_pack_paths(), ids=lambda p: p.name)
def test_each_shipped_pack_loads_and_passes_its_own_cases(path) -> None:
    pack, errors = load_pack_file(path)
    assert errors == [], [str(e) for e in errors]
    assert pack.policies


@pytest.mark.parametrize(("policy", "item", "case"), ITEM_CASES)
def test_shipped_item_case(policy, item, case) -> None:
    assert run_item_case(policy, item, case) == []


@pytest.mark.parametrize(("policy", "case"), POLICY_CASES)
def test_shipped_policy_scenario(policy, case) -> None:
    assert run_policy_case(policy, case) == []


def test_every_shipped_item_carries_test_cases() -> None:
    without = [item.id for pack in PACKS.values() for _, item in pack.items() if not item.cases]
    assert without == []


EIGHTEEN = PACKS["xx_district_18_measures.yaml"]
WAN = 1_000_000  # fen per 万元


def amount_in_wan(item_id: str) -> object:
    amount = EIGHTEEN.item(item_id)[1].amount
    if isinstance(amount, ast.Fixed):
        return amount.fen / WAN
    assert isinstance(amount, ast.Tiered)
    return {level: fen / WAN for level, fen in amount.tiers}


@pytest.mark.parametrize(
    ("item_id", "wan"),
    [
        # 第二条
        ("xx18_art2_above_scale_industry", 5),
        ("xx18_art2_above_scale_service", 5),
        ("xx18_art2_agri_leading", 5),
        ("xx18_art2_small_to_above", 2),
        ("xx18_art2_above_quota", 1),
        ("xx18_art2_single_champion", {"national": 20, "provincial": 10}),
        ("xx18_art2_service_champion", {"national": 20, "provincial": 10}),
        # 第三条
        ("xx18_art3_little_giant", 60),
        ("xx18_art3_srdi_backbone", 30),
        ("xx18_art3_srdi_demo", 20),
        ("xx18_art3_srdi_provincial", 10),
        ("xx18_art3_srdi_municipal", 3),
        ("xx18_art3_tech_leader", {"national": 100, "provincial": 30, "municipal": 10}),
        ("xx18_art3_hnte", 10),
        # 第四条
        ("xx18_art4_tech_platform", {"national": 100, "provincial": 50, "municipal": 5}),
        ("xx18_art4_academician_station", 50),
        ("xx18_art4_postdoc_station", 20),
        ("xx18_art4_postdoc_base", 10),
        # 第五条
        ("xx18_art5_domestic_filed", 200),
        ("xx18_art5_domestic_accepted", 300),
        ("xx18_art5_overseas_accepted", 300),
        ("xx18_art5_overseas_approved", 200),
        ("xx18_art5_backdoor_listing", 500),
    ],
)
def test_the_eighteen_measures_pack_carries_the_amounts_of_the_text(item_id: str, wan: object) -> None:
    assert amount_in_wan(item_id) == wan


def test_article_three_is_one_exclusivity_group_and_the_others_are_none() -> None:
    groups = {item.article: set() for _, item in EIGHTEEN.items()}
    for _, item in EIGHTEEN.items():
        groups[item.article].add(item.exclusivity_group)
    assert groups == {"第二条": {None}, "第三条": {"第三条科技创新奖励"}, "第四条": {None}, "第五条": {None}}


def test_made_up_details_are_said_plainly_and_no_document_number_is_invented() -> None:
    policy = EIGHTEEN.policies[0]
    assert policy.doc_number == "" and "演示" in policy.source_note
    example = PACKS["xx_district_jobs_innovation_example.yaml"]
    assert all("演示" in p.source_note and "演示" in p.title and not p.doc_number for p in example.policies)


def test_the_packs_name_the_demo_districts_province_and_no_placeholder_district() -> None:
    """The demo district is 宝鸡市渭滨区 in 陕西: its items name 陕西省 programmes, and the public 政策库
    shows no "XX区 … 示例" placeholder."""
    for path in shipped_pack_paths():
        text = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
        )
        assert "河北" not in text and "XX区" not in text and "示例" not in text, path.name
    titles = [item.title for _, item in EIGHTEEN.items()]
    assert "新增（含复审）陕西省“专精特新”骨干企业奖励" in titles
    assert EIGHTEEN.policies[0].issuer == "宝鸡市渭滨区人民政府"


def test_the_example_pack_covers_other_kinds_of_reward() -> None:
    example = PACKS["xx_district_jobs_innovation_example.yaml"]
    items = [item for _, item in example.items()]
    kinds = {type(item.amount) for item in items}
    assert len(items) >= 10
    assert kinds == {ast.Fixed, ast.Percentage, ast.PerUnit}
    assert any(isinstance(i.amount, ast.Percentage) and i.amount.cap_fen for i in items)
    assert any(
        isinstance(i.amount, ast.Percentage) and i.amount.field == "unemployment_insurance_paid_fen"
        for i in items
    )
