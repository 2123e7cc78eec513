"""Rules rendered back as the Chinese sentences staff check against the policy text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.policies.rules import ast
from yingshang.policies.rules.parser import read_compact
from yingshang.policies.rules.render import amount_sentence, sentence

D = dt.date
HNTE = ast.HasQualification("hnte", ("national",), ast.Window(policy=True))


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (ast.Compare("employees", "ge", 10), "从业人数不少于 10 人"),
        (ast.Compare("employees", "lt", 10), "从业人数少于 10 人"),
        (ast.Compare("annual_revenue_fen", "ge", 2_000_000_000), "年营业收入不少于 2000万元"),
        (ast.Compare("layoff_rate", "le", Decimal("5.5")), "裁员率不超过 5.5%"),
        (ast.Compare("registered_on", "lt", D(2020, 1, 1)), "成立日期早于 2020年1月1日"),
        (ast.Compare("scale", "eq", "small"), "企业规模为小型"),
        (ast.Compare("serious_dishonesty", "eq", False), "严重失信主体为否"),
        (ast.Member("entity_type", ("enterprise", "individual")), "主体类型为企业或个体工商户"),
        (ast.Member("scale", ("medium", "small", "micro")), "企业规模为中型、小型或微型"),
        (ast.Member("scale", ("large",), negated=True), "企业规模不为大型"),
        (ast.Member("credit_class", ("C", "D"), negated=True), "信用风险分类不属于C类、D类"),
        (ast.Between("employees", 10, 100), "从业人数在 10 人 至 100 人 之间（含两端）"),
        (ast.InWindow("registered_on", ast.Window(policy=True)), "成立日期在本政策有效期内"),
        (
            ast.InWindow("registered_on", ast.Window(D(2024, 1, 1), D(2024, 12, 31))),
            "成立日期在 2024年1月1日 至 2024年12月31日 之间",
        ),
        (ast.InWindow("registered_on", ast.Window(D(2024, 1, 1), None)), "成立日期不早于 2024年1月1日"),
        (ast.YearsSince("registered_on", 3), "成立日期距评估日满 3 年"),
        (ast.YearsSince("registered_on", 3, at_least=False), "成立日期距评估日未满 3 年"),
        (ast.Contains("business_scope", "软件"), "经营范围包含“软件”"),
        (HNTE, "持有国家级高新技术企业认定，且认定日期在本政策有效期内"),
        (
            ast.HasQualification("tech_leader", ("national", "provincial"), valid_on=ast.AS_OF),
            "持有国家级或省级科技领军企业认定，且在评估日仍在有效期内",
        ),
        (
            ast.HasQualification("listing_domestic_filed", certified_within=ast.Window(policy=True)),
            "上市进程已到达“境内上市辅导备案”节点，且日期在本政策有效期内",
        ),
        (
            ast.AllOf((ast.Compare("employees", "ge", 10), ast.Compare("scale", "eq", "small"))),
            "从业人数不少于 10 人，且企业规模为小型",
        ),
        (
            ast.AllOf(
                (
                    ast.Compare("employees", "ge", 10),
                    ast.AnyOf((ast.Compare("scale", "eq", "small"), ast.Compare("scale", "eq", "micro"))),
                )
            ),
            "从业人数不少于 10 人，且（企业规模为小型，或企业规模为微型）",
        ),
        (ast.Not(ast.Member("credit_class", ("D",))), "不满足“信用风险分类为D类”"),
        (ast.AllOf(()), "无附加条件"),
    ],
)
def test_conditions_render_as_chinese_sentences(node: ast.Node, text: str) -> None:
    assert sentence(node) == text


@pytest.mark.parametrize(
    "text",
    [
        "从业人数不少于 10 人",
        "年营业收入不少于 2000万元",
        "裁员率不超过 5.5%",
        "成立日期早于 2020年1月1日",
        "企业规模为小型",
    ],
)
def test_a_rendered_comparison_reads_back_as_the_same_rule(text: str) -> None:
    assert sentence(read_compact(text)) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (ast.Fixed(5_500_000), "奖励 5.5万元"),
        (
            ast.Tiered(
                ast.HasQualification("tech_leader", ("national", "provincial")),
                (("national", 100_000_000), ("provincial", 30_000_000)),
            ),
            "按科技领军企业认定层级奖励：国家级 100万元，省级 30万元",
        ),
        (
            ast.Percentage("rd_expense_fen", Decimal(10), 50_000_000),
            "按研发费用的 10% 计算（不足一分的部分舍去），最高 50万元",
        ),
        (
            ast.PerUnit("new_hires", 100_000, max_units=50, cap_fen=5_000_000),
            "按新增就业人数每人 1000元 计算，最多计 50 人，最高 5万元",
        ),
    ],
)
def test_amounts_render_as_chinese_sentences(amount: ast.Amount, text: str) -> None:
    assert amount_sentence(amount) == text
