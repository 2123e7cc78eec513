"""The condition language: compact text and mappings read into the rule tree, and every kind of bad
rule answered with a Chinese message that says where and what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.policies.rules import ast
from yingshang.policies.rules.errors import Place
from yingshang.policies.rules.parser import parse_window, read_compact, read_conditions
from yingshang.policies.rules.yamlio import load_yaml

D = dt.date


@pytest.mark.parametrize(
    ("text", "leaf"),
    [
        ("从业人数 >= 10", ast.Compare("employees", "ge", 10)),
        ("从业人数>=10", ast.Compare("employees", "ge", 10)),
        ("从业人数 不少于 10人", ast.Compare("employees", "ge", 10)),
        ("从业人数 < 10", ast.Compare("employees", "lt", 10)),
        ("员工人数 不超过 300", ast.Compare("employees", "le", 300)),
        ("employees > 5", ast.Compare("employees", "gt", 5)),
        ("年营业收入 >= 2000万元", ast.Compare("annual_revenue_fen", "ge", 2_000_000_000)),
        ("裁员率 <= 5.5%", ast.Compare("layoff_rate", "le", Decimal("5.5"))),
        ("主体类型 = 企业", ast.Compare("entity_type", "eq", "enterprise")),
        ("企业规模 为 小型", ast.Compare("scale", "eq", "small")),
        ("信用风险分类 != D类", ast.Compare("credit_class", "ne", "D")),
        ("严重失信主体 = 否", ast.Compare("serious_dishonesty", "eq", False)),
        ("成立日期 早于 2020-01-01", ast.Compare("registered_on", "lt", D(2020, 1, 1))),
        ("成立日期 不晚于 2020年1月1日", ast.Compare("registered_on", "le", D(2020, 1, 1))),
        ("成立日期 < 2020-01-01", ast.Compare("registered_on", "lt", D(2020, 1, 1))),
        ("主体类型 属于 企业、个体工商户", ast.Member("entity_type", ("enterprise", "individual"))),
        ("主体类型 属于 [企业, 农民专业合作社]", ast.Member("entity_type", ("enterprise", "cooperative"))),
        ("所在区县 属于 渭滨区、金台区", ast.Member("district", ("渭滨区", "金台区"))),
        ("企业规模 不属于 大型", ast.Member("scale", ("large",), negated=True)),
        ("从业人数 介于 10 至 100", ast.Between("employees", 10, 100)),
        ("成立日期 在 本政策有效期内", ast.InWindow("registered_on", ast.Window(policy=True))),
        (
            "成立日期 在 2024-01-01 至 2024-12-31 之间",
            ast.InWindow("registered_on", ast.Window(D(2024, 1, 1), D(2024, 12, 31))),
        ),
        ("成立日期 满 3 年", ast.YearsSince("registered_on", 3, at_least=True)),
        ("成立日期 未满 3年", ast.YearsSince("registered_on", 3, at_least=False)),
        ("经营范围 包含 软件", ast.Contains("business_scope", "软件")),
        ("企业名称 包含 “科技”", ast.Contains("name", "科技")),
        ("行业大类 = 39", ast.Compare("industry_division", "eq", "39")),
    ],
)
def test_it_reads_the_compact_form(text: str, leaf: ast.Leaf) -> None:
    assert read_compact(text) == leaf


def _tree(yaml_text: str) -> ast.Node | None:
    node, errors = read_conditions(load_yaml(yaml_text), Place())
    assert errors == []
    return node


@pytest.mark.parametrize(
    ("yaml_text", "leaf"),
    [
        ("{field: employees, op: ge, value: 10}", ast.Compare("employees", "ge", 10)),
        ("{field: 从业人数, ge: 10}", ast.Compare("employees", "ge", 10)),
        ("{字段: 从业人数, 不少于: 10}", ast.Compare("employees", "ge", 10)),
        ("{field: 主体类型, in: [企业]}", ast.Member("entity_type", ("enterprise",))),
        ("{field: 企业规模, not_in: [大型, 中型]}", ast.Member("scale", ("large", "medium"), negated=True)),
        (
            "{field: 注册资本, between: [100万元, 1000万元]}",
            ast.Between("registered_capital_fen", 100_000_000, 1_000_000_000),
        ),
        (
            "{field: 成立日期, within: policy_validity}",
            ast.InWindow("registered_on", ast.Window(policy=True)),
        ),
        (
            "{field: 成立日期, within: {from: 2024-01-01, to: null}}",
            ast.InWindow("registered_on", ast.Window(D(2024, 1, 1), None)),
        ),
        ("{field: 成立日期, years_at_least: 2}", ast.YearsSince("registered_on", 2)),
        ("{field: 经营范围, contains: 餐饮}", ast.Contains("business_scope", "餐饮")),
        ("{field: 营业收入增长率, ge: 20%}", ast.Compare("revenue_growth", "ge", Decimal(20))),
        (
            "{qualification: 高新技术企业, level: 国家, certified_within: policy_validity}",
            ast.HasQualification("hnte", ("national",), ast.Window(policy=True)),
        ),
        (
            "{资质: 科技领军企业, 层级: [国家级, 省级], 有效于: 评估日}",
            ast.HasQualification("tech_leader", ("national", "provincial"), valid_on=ast.AS_OF),
        ),
        (
            "{qualification: 规上工业企业, first_certified_within: [2025-01-01, 2025-12-31]}",
            ast.HasQualification(
                "above_scale_industry", first_certified_within=ast.Window(D(2025, 1, 1), D(2025, 12, 31))
            ),
        ),
    ],
)
def test_it_reads_the_mapping_form(yaml_text: str, leaf: ast.Leaf) -> None:
    assert _tree(f"[{yaml_text}]") == ast.AllOf((leaf,))


def test_groups_nest_and_a_plain_list_means_all() -> None:
    node = _tree(
        """
        - 从业人数 >= 10
        - any:
            - 企业规模 为 小型
            - not: {field: 信用风险分类, in: [D类]}
        """
    )
    assert node == ast.AllOf(
        (
            ast.Compare("employees", "ge", 10),
            ast.AnyOf(
                (
                    ast.Compare("scale", "eq", "small"),
                    ast.Not(ast.Member("credit_class", ("D",))),
                )
            ),
        )
    )


def test_missing_conditions_mean_no_condition() -> None:
    node, errors = read_conditions(None, Place())
    assert (node, errors) == (ast.AllOf(()), [])


def _first_error(yaml_text: str) -> str:
    node, errors = read_conditions(load_yaml(yaml_text), Place(file="p.yaml", policy="测试", item=1))
    assert node is None and errors
    return str(errors[0])


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        # unknown fields, with close matches from labels and aliases
        (
            "- 从业人数 >= 10\n- 主体类型 = 企业\n- 员工数 >= 10",
            "第3条条件：字段“员工数”不存在，可选：从业人数",
        ),
        ("- {field: 研发经费, ge: 1万元}", "字段“研发经费”不存在，可选：研发费用"),
        ("- {field: 天气, eq: 晴}", "字段“天气”不存在，请查看字段表"),
        # a text compared with a number, a number compared with a text
        ("- 企业名称 >= 10", "“企业名称”是文本，不能与数字比较"),
        ("- {field: 名称, gt: 5}", "“企业名称”是文本，不能与数字比较"),
        ("- 主体类型 > 企业", "“主体类型”是选项，不能比较大小（“大于”）"),
        ("- 从业人数 >= 很多", "“从业人数”是整数（人），值“很多”不是数字"),
        ("- 从业人数 >= 10.5", "“从业人数”的值“10.5”不是整数"),
        ("- 年营业收入 >= 2000", "金额“2000”缺少单位"),
        ("- 年营业收入 >= 很多钱", "“年营业收入”是金额，值“很多钱”不是金额"),
        ("- 裁员率 <= 0.055", "百分比“0.055”请写成带百分号的形式"),
        (
            "- 成立日期 包含 2020",
            "“成立日期”是日期，不能用“包含”，可用：等于、不等于、大于、不少于、少于、不超过",
        ),
        ("- 企业规模 = 巨型", "“企业规模”没有选项“巨型”，可选：大型、中型、小型、微型"),
        ("- {field: 资质认定, eq: 高企}", "“资质认定”请用“qualification: 资质名称”的写法"),
        # reversed windows and ranges
        (
            "- {field: 成立日期, within: [2024-12-31, 2024-01-01]}",
            "日期区间“2024年12月31日至2024年1月1日”起止颠倒",
        ),
        ("- 成立日期 在 2024-12-31 至 2024-01-01", "起止颠倒：开始日期晚于结束日期"),
        ("- 从业人数 介于 100 至 10", "“从业人数”的区间“100 至 10”起止颠倒"),
        ("- {field: 成立日期, within: [null, null]}", "日期区间的开始和结束不能都不限"),
        ("- {field: 成立日期, within: 明年}", "日期区间“明年”无法识别"),
        # qualifications
        ("- {qualification: 高新企业}", "资质类型“高新企业”不存在，可选：高新技术企业"),
        ("- {qualification: 高新技术企业, level: 省}", "“高新技术企业”没有省级认定，可选：国家级"),
        ("- {qualification: 院士工作站, level: 国家}", "“院士工作站”不分层级，请去掉层级"),
        ("- {qualification: 科技领军企业, level: 乡}", "认定层级“乡”无法识别"),
        ("- {qualification: 高企, since: 2020-01-01}", "资质条件中的“since”无法识别"),
        # shape
        ("- {field: 从业人数, ge: 10, le: 20}", "应有且只有一个运算"),
        ("- {field: 从业人数, 大约: 10}", "运算“大约”无法识别"),
        ("- 从业人数 大约 10", "无法识别条件“从业人数 大约 10”"),
        ("- {colour: red}", "需要 field（字段）、qualification（资质）或 all / any / not"),
        ("- any: []", "条件组应是非空的列表"),
        ("- 42", "无法识别的条件“42”"),
    ],
)
def test_it_explains_bad_rules_in_chinese(conditions: str, message: str) -> None:
    assert message in _first_error(conditions)


def test_an_error_names_file_policy_item_condition_and_line() -> None:
    text = "- 从业人数 >= 10\n- any:\n    - 企业规模 为 小型\n    - 员工数 >= 10\n"
    error = _first_error(text)
    assert error.startswith("p.yaml 第4行，政策《测试》，第1项，第2条条件的第2条：字段“员工数”不存在")


def test_every_bad_condition_is_reported_in_one_pass() -> None:
    node, errors = read_conditions(load_yaml("- 员工数 >= 1\n- 从业人数 >= 1\n- 名称 > 3\n"), Place())
    assert node is None
    assert [e.place.section for e in errors] == ["第1条条件", "第3条条件"]


@pytest.mark.parametrize(
    ("raw", "window"),
    [
        ("policy_validity", ast.Window(policy=True)),
        ("本政策有效期内", ast.Window(policy=True)),
        ([D(2024, 1, 1), D(2024, 6, 30)], ast.Window(D(2024, 1, 1), D(2024, 6, 30))),
        ({"from": "2024-01-01"}, ast.Window(D(2024, 1, 1), None)),
        ("2024-01-01 至 2024-06-30", ast.Window(D(2024, 1, 1), D(2024, 6, 30))),
        ([D(2024, 1, 1), D(2024, 1, 1)], ast.Window(D(2024, 1, 1), D(2024, 1, 1))),
    ],
)
def test_it_reads_date_windows(raw: object, window: ast.Window) -> None:
    assert parse_window(raw) == window
