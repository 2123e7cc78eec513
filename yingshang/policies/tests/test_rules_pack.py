"""Loading packs: a clean pack becomes Policies and Items; a bad one becomes Chinese errors naming
file, policy, item, condition and line, and never replaces the working pack."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from yingshang.policies.rules import ast
from yingshang.policies.rules.model import Mode
from yingshang.policies.rules.pack import Checks, load_pack, replace_working_pack
from yingshang.policies.tests.conftest import DISTRICT_PACK

ITEM = """
- id: hiring
  title: 吸纳就业补贴
  targets: [企业]
  mode: 快申快享
  conditions:
    - 从业人数 >= 10
    - 主体类型 = 企业
  amount: 5万元
"""


def pack_text(items: str = ITEM, policy_extra: str = "", cases: str = "") -> str:
    head = textwrap.dedent(
        """\
        id: test_pack
        title: 测试政策包
        policies:
          - id: test_policy
            title: 测试政策
            issuer: XX区人民政府
            doc_number: 示例〔2025〕1号
            valid_from: 2025-01-01
            valid_to: 2025-12-31
        """
    )
    body = textwrap.indent(policy_extra.strip("\n") + "\n", "    ") if policy_extra else ""
    items_block = "    items:\n" + textwrap.indent(textwrap.dedent(items).strip("\n") + "\n", "      ")
    cases_block = (
        "    cases:\n" + textwrap.indent(textwrap.dedent(cases).strip("\n") + "\n", "      ") if cases else ""
    )
    return head + body + items_block + cases_block


def errors_of(text: str) -> list[str]:
    pack, errors = load_pack(text, "test.yaml")
    assert pack is None
    return [str(e) for e in errors]


def test_a_clean_pack_loads_with_defaults_from_its_policy() -> None:
    pack, errors = load_pack(pack_text(), "test.yaml")
    assert errors == []
    policy, item = pack.item("hiring")
    assert (policy.title, policy.issuer, policy.doc_number) == ("测试政策", "XX区人民政府", "示例〔2025〕1号")
    assert (item.valid_from, item.valid_to) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert item.mode is Mode.QUICK
    assert item.targets == ("enterprise",)
    assert item.amount == ast.Fixed(5_000_000)
    assert item.conditions == ast.AllOf(
        (ast.Compare("employees", "ge", 10), ast.Compare("entity_type", "eq", "enterprise"))
    )


def test_the_mode_defaults_to_application() -> None:
    pack, _ = load_pack(pack_text(ITEM.replace("  mode: 快申快享\n", "")))
    assert pack.item("hiring")[1].mode is Mode.APPLY


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    - 主体类型 = 企业\n",
            "    - 主体类型 = 企业\n    - 员工数 >= 10\n",
            "test.yaml 第18行，政策《测试政策》，第1项“吸纳就业补贴”，"
            "第3条条件：字段“员工数”不存在，可选：从业人数",
        ),
        ("- 从业人数 >= 10", "- 企业名称 >= 10", "第1条条件：“企业名称”是文本，不能与数字比较"),
        ("amount: 5万元", "amount: 1234.567元", "第1项“吸纳就业补贴”，金额：金额“1234.567元”精确到分以下"),
        (
            "amount: 5万元",
            "amount: {fixed: 5.1234567, unit: 万元}",
            "精确到分以下，请写成整数分或精确的元/万元",
        ),
        (
            "amount: 5万元",
            "amount: 5万元\n  exclusivity_group: [科技奖励, 人才奖励]",
            "一个奖励项只能属于一个不重复奖励组，这里写了“科技奖励”“人才奖励”",
        ),
        (
            "amount: 5万元",
            "amount: 5万元\n  exclusivity_group: 科技奖励\n  exclusivity_group: 人才奖励",
            "键“exclusivity_group”在同一处写了两次（第19行和第20行）",
        ),
        (
            "amount: 5万元",
            "amount: 5万元\n  valid_from: 2025-06-01\n  valid_to: 2025-03-01",
            "有效期：日期区间“2025年6月1日至2025年3月1日”起止颠倒：开始日期晚于结束日期",
        ),
        ("amount: 5万元", "amount: 5万元\n  valid_to: 2026-06-30", "有效期：奖励项有效期超出了政策有效期"),
        ("- 从业人数 >= 10", "- {qualification: 高新企业}", "资质类型“高新企业”不存在，可选：高新技术企业"),
        ("- 从业人数 >= 10", "- {qualification: 高新技术企业, level: 市}", "“高新技术企业”没有市级认定"),
        ("title: 吸纳就业补贴", "titel: 吸纳就业补贴", "未知的键“titel”，是否想写：title"),
        ("mode: 快申快享", "mode: 自动发放", "兑现方式“自动发放”无法识别，可选：免申即享、快申快享、申报"),
        (
            "targets: [企业]",
            "targets: [公司]",
            "适用主体“公司”无法识别，可选：企业、个体工商户、农民专业合作社",
        ),
        ("id: hiring", "id: Hiring-1", "奖励项编号“Hiring-1”只能用小写英文字母、数字和下划线"),
        ("amount: 5万元", "amount: 5万元\n  budget_cap: 很多", "预算上限：金额“很多”无法识别"),
        ("amount: 5万元\n", "", "金额：缺少金额 amount"),
        (
            "amount: 5万元",
            "amount:\n    by_level: {qualification: 专精特新中小企业, tiers: {省: 10万元}}",
            "金额：条件接受市级专精特新中小企业，但金额中没有该层级的标准",
        ),
    ],
)
def test_bad_items_are_reported_with_their_place(old: str, new: str, message: str) -> None:
    items = ITEM.replace(old, new, 1)
    if "by_level" in new:
        items = items.replace("- 从业人数 >= 10", "- {qualification: 专精特新中小企业}")
    assert any(message in e for e in errors_of(pack_text(items))), errors_of(pack_text(items))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: p\ntitle: t\npolicies: []\n", "政策包中没有政策（policies）"),
        ("- just\n- a list\n", "政策包应是“键: 值”的映射"),
        ("id: p\ntitle: [unclosed\n", "第2行：YAML 格式错误：方括号 [ 没有闭合"),
        (
            pack_text().replace("valid_to: 2025-12-31", "valid_to: 2024-12-31"),
            "有效期：日期区间“2025年1月1日至2024年12月31日”起止颠倒",
        ),
        (pack_text().replace("    valid_from: 2025-01-01\n", ""), "缺少政策有效期开始日期（valid_from）"),
        (pack_text().replace("issuer:", "issuer_name:"), "未知的键“issuer_name”，是否想写：issuer"),
        (pack_text(ITEM + ITEM.replace("吸纳就业补贴", "另一项")), "奖励项编号“hiring”重复（第11行已用过）"),
    ],
)
def test_bad_packs_and_policies_are_reported(text: str, message: str) -> None:
    assert any(message in e for e in errors_of(text)), errors_of(text)


CASES = """
  cases:
    - id: enough_staff
      as_of: 2025-06-30
      profile: {主体类型: 企业, 从业人数: 12}
      expect: {verdict: eligible, amount: 5万元, reasons: [从业人数 12 人，要求不少于 10 人：满足]}
"""


def test_item_cases_run_while_loading() -> None:
    pack, errors = load_pack(pack_text(ITEM + CASES))
    assert errors == [] and pack.item("hiring")[1].cases[0].id == "enough_staff"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("从业人数: 12", "从业人数: 8", "测试用例“enough_staff”：未通过：预期结论“符合”，实际“不符合”"),
        ("amount: 5万元, reasons", "amount: 6万元, reasons", "预期金额 6万元，实际 5万元"),
        ("从业人数: 12", "员工数: 12", "企业数据中的字段“员工数”不存在，可选：从业人数"),
        ("verdict: eligible", "verdict: maybe", "预期结论“maybe”无法识别"),
        (
            "reasons: [从业人数 12 人",
            "reasons: [从业人数 13 人",
            "理由中没有“从业人数 13 人，要求不少于 10 人：满足”",
        ),
        ("expect: {", "expected: {", "未知的键“expected”"),
    ],
)
def test_a_failing_case_keeps_the_pack_out(old: str, new: str, message: str) -> None:
    text = pack_text(ITEM + CASES.replace(old, new, 1))
    assert any(message in e for e in errors_of(text)), errors_of(text)


def test_policy_cases_must_name_items_of_their_policy() -> None:
    cases = "- id: s\n  profile: {从业人数: 12}\n  expect: {payable: {no_such_item: 0}}\n"
    assert any(
        "测试用例“s”中的奖励项“no_such_item”不在本政策中" in e for e in errors_of(pack_text(cases=cases))
    )


# --- swapping the working pack --------------------------------------------------------------------


def test_a_pack_with_an_error_never_replaces_the_working_one() -> None:
    working, _ = load_pack(pack_text())
    kept, errors = replace_working_pack(working, pack_text().replace("从业人数 >= 10", "员工数 >= 10"))
    assert kept is working
    assert errors and "字段“员工数”不存在" in str(errors[0])


def test_a_pack_whose_cases_fail_never_replaces_the_working_one() -> None:
    working, _ = load_pack(pack_text())
    kept, errors = replace_working_pack(
        working, pack_text(ITEM + CASES.replace("从业人数: 12", "从业人数: 3"))
    )
    assert kept is working and errors[0].code == "case.failed"


def test_a_clean_pack_replaces_the_working_one() -> None:
    working, _ = load_pack(pack_text())
    new_text = pack_text().replace("amount: 5万元", "amount: 6万元")
    replaced, errors = replace_working_pack(working, new_text)
    assert errors == [] and replaced is not working
    assert replaced.item("hiring")[1].amount == ast.Fixed(6_000_000)


def test_there_may_be_no_working_pack_yet() -> None:
    kept, errors = replace_working_pack(None, "id: [")
    assert kept is None
    assert "YAML 格式错误" in str(errors[0])


# --- versions -------------------------------------------------------------------------------------


def version_of(text: str) -> str:
    pack, errors = load_pack(text)
    assert errors == []
    return pack.item("hiring")[1].version


def test_an_item_version_ignores_spelling_comments_and_cases() -> None:
    base = version_of(pack_text())
    respelled = pack_text(
        ITEM.replace("- 从业人数 >= 10", "- {field: employees, op: ge, value: 10}  # 规模门槛")
        .replace("主体类型 = 企业", "entity_type 等于 企业")
        .replace("5万元", "{fixed: 50000, unit: 元}")
    )
    assert version_of(respelled) == base
    assert version_of(pack_text(ITEM + CASES)) == base


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("从业人数 >= 10", "从业人数 >= 11"),
        ("amount: 5万元", "amount: 5.01万元"),
        ("mode: 快申快享", "mode: 申报"),
        ("amount: 5万元", "amount: 5万元\n  exclusivity_group: 就业"),
        ("amount: 5万元", "amount: 5万元\n  valid_to: 2025-11-30"),
    ],
)
def test_an_item_version_changes_when_what_it_decides_changes(old: str, new: str) -> None:
    assert version_of(pack_text(ITEM.replace(old, new, 1))) != version_of(pack_text())


def test_a_policy_version_follows_its_items() -> None:
    first, _ = load_pack(pack_text())
    second, _ = load_pack(pack_text(ITEM.replace("5万元", "6万元")))
    assert first.policies[0].version != second.policies[0].version
    assert first.version != second.version


# --- robustness: whatever is typed, the answer is Chinese errors, never a traceback ----------------

FUZZ_BASE = pack_text(
    ITEM
    + CASES
    + """
- id: tiers
  title: 层级
  conditions:
    - {qualification: 科技领军企业, level: [国家, 省], certified_within: policy_validity}
    - any: [成立日期 满 2 年, {field: 裁员率, le: 5%}]
    - not: {field: 企业规模, in: [大型]}
  amount: {by_level: {qualification: 科技领军企业, tiers: {国家: 100万元, 省: 30万元}}}
- id: pct
  title: 比例
  conditions: [研发费用 >= 1万元]
  amount: {percent_of: 研发费用, rate: 10%, cap: 5万元}
  exclusivity_group: g
  tags: [a]
""",
    cases="- id: s\n  as_of: 2025-06-30\n  profile: {从业人数: 12, 主体类型: 企业}\n"
    "  expect: {payable: {hiring: 5万元}, total: 5万元}\n",
)
JUNK = ["[]", "{}", "42", "x", "null", "1.5", "[1, [2]]", "{a: b}", "2024-13-01", "true", "[null]", "5万元"]


def _variants(lines: list[str], i: int) -> list[str]:
    line = lines[i]
    variants = ["\n".join(lines[:i] + lines[i + 1 :])]
    head = line[: line.index(":") + 1] if ":" in line else line[: len(line) - len(line.lstrip(" -"))]
    variants += ["\n".join([*lines[:i], f"{head} {junk}", *lines[i + 1 :]]) for junk in JUNK]
    return variants


def test_the_fuzz_base_pack_is_clean() -> None:
    assert load_pack(FUZZ_BASE)[1] == []


@pytest.mark.parametrize("line_number", range(len(FUZZ_BASE.splitlines())))
def test_any_line_deleted_or_replaced_by_junk_gives_errors_not_a_crash(line_number: int) -> None:
    for text in _variants(FUZZ_BASE.splitlines(), line_number):
        pack, errors = load_pack(text)
        assert (pack is None) == bool(errors)
        assert all(e.message for e in errors)


@pytest.mark.parametrize(
    ("policy_extra", "item_extra", "expected"),
    [
        ("", "", ""),
        ("department: 区人社局", "", "区人社局"),
        ("department: 区人社局", "  department: 区科技局\n", "区科技局"),
        ("", "  department: 区工信局\n", "区工信局"),
    ],
)
def test_an_item_names_its_lead_department_or_inherits_its_policys(
    policy_extra: str, item_extra: str, expected: str
) -> None:
    pack, errors = load_pack(pack_text(ITEM + item_extra, policy_extra=policy_extra), "test.yaml")
    assert errors == []
    policy, item = pack.item("hiring")
    assert item.department == expected
    assert policy.department == (policy_extra.removeprefix("department: ") if policy_extra else "")


def test_the_lead_department_is_not_part_of_what_the_rule_decides() -> None:
    assert version_of(pack_text(ITEM + "  department: 区工信局\n")) == version_of(pack_text())


@pytest.mark.parametrize("value", ["[区工信局, 区科技局]", "''", "123"])
def test_a_lead_department_that_is_not_a_name_is_an_error_with_its_line(value: str) -> None:
    messages = errors_of(pack_text(ITEM + f"  department: {value}\n"))
    assert any("牵头部门（department）" in m and "第" in m for m in messages), messages


# --- the pack's district and 所在区县 values ---------------------------------------------------------

KNOWN = Checks.of(["渭滨区", "金台区"])


def district_pack(district: str = "渭滨区", condition: str = "所在区县 属于 渭滨区、金台区") -> str:
    return DISTRICT_PACK.replace("district: 渭滨区", f"district: {district}").replace(
        "所在区县 属于 渭滨区、金台区", condition
    )


def test_a_pack_names_its_district_and_its_items_carry_it() -> None:
    pack, errors = load_pack(district_pack(), "weibin.yaml", checks=KNOWN)
    assert errors == []
    assert pack.district == "渭滨区" and pack.item("little_giant")[1].jurisdiction == "渭滨区"
    assert pack.item("little_giant")[1].sentence().startswith("适用于在渭滨区登记注册的企业；")


def test_the_district_is_part_of_what_an_item_decides_so_of_its_version() -> None:
    city, _ = load_pack(DISTRICT_PACK.replace("district: 渭滨区\n", ""), "city.yaml")
    weibin, _ = load_pack(DISTRICT_PACK, "weibin.yaml")
    assert city.item("little_giant")[1].version != weibin.item("little_giant")[1].version


def test_a_misspelt_pack_district_is_refused_with_the_nearest_real_name() -> None:
    pack, errors = load_pack(district_pack(district="渭宾区"), "weibin.yaml", checks=KNOWN)
    assert pack is None
    assert [str(e) for e in errors] == [
        "weibin.yaml 第3行：适用区县（district）“渭宾区”不是已知的区县，是否为“渭滨区”？"
    ]


def test_a_misspelt_district_in_a_condition_names_the_file_item_and_line() -> None:
    pack, errors = load_pack(district_pack(condition="所在区县 = 渭宾区"), "weibin.yaml", checks=KNOWN)
    assert pack is None
    assert [str(e) for e in errors] == [
        "weibin.yaml 第16行，政策《渭滨区小巨人奖励办法》，第1项“小巨人企业奖励”，"
        "条件：所在区县“渭宾区”不是已知的区县，是否为“渭滨区”？"
    ]


def test_a_district_far_from_every_known_one_lists_the_known_ones() -> None:
    errors = load_pack(district_pack(condition="所在区县 属于 金台区、宝塔区"), "weibin.yaml", checks=KNOWN)[
        1
    ]
    assert [e.message for e in errors] == ["所在区县“宝塔区”不是已知的区县，已知的区县：渭滨区、金台区"]


def test_districts_are_not_checked_without_a_list() -> None:
    pack, errors = load_pack(district_pack(condition="所在区县 = 渭宾区"), "weibin.yaml")
    assert errors == [] and pack is not None


# --- amounts have a ceiling -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("99999999999999万元", "金额：金额“99999999999999万元”超过 100万亿元，请核对数值和单位"),
        ("200亿元", "金额：金额 200亿元 超过单项奖补上限 100亿元，请核对金额和单位（元、万元）"),
        ("{percent_of: 研发费用, rate: 10%, cap: 200亿元}", "金额：金额 200亿元 超过单项奖补上限 100亿元"),
        ("{per_unit: 新增就业人数, each: 200亿元}", "金额：金额 200亿元 超过单项奖补上限 100亿元"),
    ],
)
def test_an_absurd_amount_is_refused_even_without_a_configured_ceiling(amount: str, message: str) -> None:
    errors = errors_of(pack_text(ITEM.replace("amount: 5万元", f"amount: {amount}")))
    assert len(errors) == 1
    assert errors[0].startswith(f"test.yaml 第18行，政策《测试政策》，第1项“吸纳就业补贴”，{message}"), errors


def test_the_configured_ceiling_refuses_an_amount_above_it_and_names_the_setting() -> None:
    text = pack_text(
        ITEM.replace(
            "amount: 5万元", "amount: {by_level: {qualification: 高新技术企业, tiers: {国家: 300万元}}}"
        )
    )
    _, errors = load_pack(text, "test.yaml", checks=Checks.of(None, 100_000_000))
    assert [e.message for e in errors] == [
        "金额 300万元 超过单项奖补上限 100万元（上限由 YINGSHANG_ITEM_AMOUNT_CEILING_YUAN 设定），"
        "请核对金额和单位（元、万元）"
    ]
    assert load_pack(text, "test.yaml", checks=Checks.of(None, 300_000_000))[1] == []


def test_a_ceiling_above_the_engines_own_bound_is_held_to_it() -> None:
    assert Checks.of(None, 10**20).amount_ceiling_fen == 10**12


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("99999999999999万元", "预算上限：金额“99999999999999万元”超过 100万亿元"),
        (
            "500000亿元",
            "预算上限：预算上限 500000亿元 超过了可登记的最大值 100000亿元，请核对金额和单位（元、万元）",
        ),
    ],
)
def test_an_absurd_budget_is_refused_on_its_line(budget: str, message: str) -> None:
    errors = errors_of(pack_text(ITEM.replace("amount: 5万元", f"amount: 5万元\n  budget_cap: {budget}")))
    assert [e for e in errors if message in e and e.startswith("test.yaml 第19行，")], errors
