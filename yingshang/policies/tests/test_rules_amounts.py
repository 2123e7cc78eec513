"""Amount rules in integer fen: fixed, tiered by qualification level, a capped percentage (rounded
down to the fen), per unit; and the Chinese errors for amounts that cannot be paid exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.policies.rules import ast
from yingshang.policies.rules.amounts import compute_amount, percent_of, read_amount
from yingshang.policies.rules.errors import RuleSyntaxError
from yingshang.policies.rules.profile import profile_from
from yingshang.policies.rules.yamlio import load_yaml

D = dt.date
CTX = ast.Context(D(2025, 6, 30), D(2024, 1, 1), D(2026, 12, 31))
LEADER = ast.HasQualification("tech_leader", ("national", "provincial", "municipal"), ast.Window(policy=True))


def amount_of(yaml_text: str) -> ast.Amount:
    return read_amount(load_yaml(yaml_text))


@pytest.mark.parametrize(
    ("yaml_text", "amount"),
    [
        ("5万元", ast.Fixed(50_000 * 100)),
        ("5.5万元", ast.Fixed(5_500_000)),
        ("{fixed: 5.5, unit: 万元}", ast.Fixed(5_500_000)),
        ("{固定: 3000元}", ast.Fixed(300_000)),
        (
            "{by_level: {qualification: 科技领军企业, certified_within: policy_validity,"
            " tiers: {国家: 100万元, 省: 30万元, 市: 10万元}}}",
            ast.Tiered(
                LEADER, (("national", 100_000_000), ("provincial", 30_000_000), ("municipal", 10_000_000))
            ),
        ),
        (
            "{percent_of: 研发费用, rate: 10%, cap: 50万元}",
            ast.Percentage("rd_expense_fen", Decimal(10), 50_000_000),
        ),
        (
            "{按比例: 失业保险缴费额, 比例: 60%}",
            ast.Percentage("unemployment_insurance_paid_fen", Decimal(60)),
        ),
        (
            "{per_unit: 新增就业人数, each: 1000元, max_units: 50, cap: 4万元}",
            ast.PerUnit("new_hires", 100_000, 50, 4_000_000),
        ),
        ("{per_unit: 新增就业人数, each: 0.15, unit: 万元}", ast.PerUnit("new_hires", 150_000)),
    ],
)
def test_it_reads_each_kind_of_amount(yaml_text: str, amount: ast.Amount) -> None:
    assert amount_of(yaml_text) == amount


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("1234.567元", "金额“1234.567元”精确到分以下，请写成整数分或精确的元/万元"),
        ("{fixed: 0.30000000000000004, unit: 元}", "精确到分以下"),
        ("{fixed: 5.5}", "金额“5.5”缺少单位"),
        ("50000", "金额“50000”缺少单位，请写成如“50000元”或“50000万元”"),
        ("0元", "金额“0元”应大于 0"),
        ("{percent_of: 从业人数, rate: 10%}", "“从业人数”不是金额，不能按比例计算奖励"),
        ("{percent_of: 研发费用, rate: 0.1}", "百分比“0.1”请写成带百分号的形式"),
        ("{percent_of: 研发费用, rate: 120%}", "比例“120%”应大于 0% 且不超过 100%"),
        ("{percent_of: 研发费用}", "按比例的金额缺少比例 rate"),
        ("{per_unit: 研发费用, each: 1000元}", "“研发费用”不是人数或个数，不能按数量计算奖励"),
        ("{per_unit: 新增就业人数, each: 1000元, max_units: 0}", "最多数量“0”应大于 0"),
        ("{per_unit: 新增就业人数}", "每单位金额缺少金额"),
        ("{fixed: 1万元, cap: 2万元}", "fixed 金额不能带“cap”"),
        ("{fixed: 1万元, percent_of: 研发费用}", "金额应是 fixed（固定）、by_level（按层级）"),
        ("{bonus: 1万元}", "金额中的“bonus”无法识别"),
        ("{by_level: {qualification: 科技领军企业}}", "按层级的金额需要 qualification（资质）和 tiers"),
        ("{by_level: {qualification: 科技领军企业, tiers: {乡: 1万元}}}", "层级“乡”无法识别"),
        ("{by_level: {qualification: 高新技术企业, tiers: {省: 1万元}}}", "“高新技术企业”没有省级认定"),
        ("{by_level: {qualification: 院士工作站, tiers: {国家: 1万元}}}", "“院士工作站”不分层级"),
        ("{percent_of: 研发经费, rate: 10%}", "字段“研发经费”不存在，可选：研发费用"),
    ],
)
def test_it_rejects_amounts_that_cannot_be_paid_exactly(yaml_text: str, fragment: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        amount_of(yaml_text)
    assert fragment in caught.value.message


def compute(amount: ast.Amount, profile: dict) -> tuple[int | None, str]:
    result = compute_amount(amount, profile_from(profile), CTX)
    return result.fen, result.explanation


def leader(level: str, certified_on: dt.date | None = None) -> dict:
    return {"kind": "tech_leader", "level": level, "certified_on": certified_on or D(2025, 1, 1)}


TIERED = ast.Tiered(
    LEADER, (("national", 100_000_000), ("provincial", 30_000_000), ("municipal", 10_000_000))
)


@pytest.mark.parametrize(
    ("amount", "profile", "fen", "explanation"),
    [
        (ast.Fixed(5_500_000), {}, 5_500_000, "定额 5.5万元"),
        (TIERED, {"qualifications": [leader("provincial")]}, 30_000_000, "按省级科技领军企业标准 30万元"),
        (
            TIERED,
            {"qualifications": [leader("municipal"), leader("national")]},
            100_000_000,
            "按国家级科技领军企业标准 100万元",
        ),
        # a national record from before the policy does not lift the tier
        (
            TIERED,
            {"qualifications": [leader("municipal"), leader("national", D(2020, 1, 1))]},
            10_000_000,
            "按市级",
        ),
        (TIERED, {"qualifications": []}, None, "科技领军企业认定层级待确认"),
        (
            ast.Percentage("rd_expense_fen", Decimal(10), 50_000_000),
            {"rd_expense_fen": 300_000_000},
            30_000_000,
            "研发费用 300万元 × 10% = 30万元",
        ),
        (
            ast.Percentage("rd_expense_fen", Decimal(10), 50_000_000),
            {"rd_expense_fen": 800_000_000},
            50_000_000,
            "研发费用 800万元 × 10% = 80万元，超过上限，按最高 50万元",
        ),
        (ast.Percentage("rd_expense_fen", Decimal(10)), {}, None, "研发费用：暂无数据，金额待确认"),
        (ast.Percentage("rd_expense_fen", Decimal("33.3")), {"rd_expense_fen": 1}, 0, "0元"),
        (ast.Percentage("rd_expense_fen", Decimal(60)), {"rd_expense_fen": 1_234_567}, 740_740, "7407.40元"),
        (ast.PerUnit("new_hires", 100_000), {"new_hires": 7}, 700_000, "新增就业人数 7 人 × 1000元 = 7000元"),
        (
            ast.PerUnit("new_hires", 100_000, max_units=50),
            {"new_hires": 80},
            5_000_000,
            "新增就业人数 80 人（最多计 50 人） × 1000元 = 5万元",
        ),
        (
            ast.PerUnit("new_hires", 150_000, cap_fen=15_000_000),
            {"new_hires": 120},
            15_000_000,
            "超过上限，按最高 15万元",
        ),
        (ast.PerUnit("new_hires", 100_000), {"new_hires": 0}, 0, "= 0元"),
    ],
)
def test_it_computes_amounts_in_fen(
    amount: ast.Amount, profile: dict, fen: int | None, explanation: str
) -> None:
    got_fen, got_explanation = compute(amount, profile)
    assert got_fen == fen
    assert explanation in got_explanation


@given(
    st.integers(min_value=0, max_value=10**13),
    st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
)
def test_a_percentage_rounds_down_to_the_fen_and_never_overpays(value_fen: int, rate: Decimal) -> None:
    fen = percent_of(value_fen, rate)
    exact = Decimal(value_fen) * rate / 100
    assert fen <= exact < fen + 1
