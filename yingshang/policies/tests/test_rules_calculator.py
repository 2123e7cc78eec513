"""政策计算器: one enterprise, one date → every current item with verdict, amount, per-condition
outcomes, mode and the "不重复奖，以最高标准为准" outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.policies.rules.calculator import calculate
from yingshang.policies.rules.model import Mode, Verdict
from yingshang.policies.rules.profile import ProfileError
from yingshang.policies.tests.conftest import DISTRICT_PACK, load_test_pack, q, science_pack_text

D = dt.date

PACK = science_pack_text("calc", "计算器测试", giant_amount="60万元", rd_rate="10%")


@pytest.fixture(scope="module")
def pack():
    return load_test_pack(PACK, "calc.yaml")


def test_each_current_item_comes_back_with_verdict_amount_and_outcomes(pack) -> None:
    profile = {"entity_type": "enterprise", "employees": 8, "scale": "small", "qualifications": []}
    calc = calculate(pack, profile, D(2025, 6, 30))
    assert [r.item_id for r in calc.items] == ["giant", "leader", "hnte", "staff", "rd"]
    staff = calc.result("staff")
    assert staff.verdict is Verdict.NOT_ELIGIBLE
    assert staff.amount_fen == 0 and staff.payable_fen == 0
    assert [o.reason for o in staff.outcomes] == [
        "主体类型 企业，要求为企业：满足",
        "从业人数 8 人，要求不少于 10 人：不满足",
        "企业规模 小型，要求为小型或微型：满足",
    ]
    assert staff.codes == ("entity_type.in.pass", "employees.ge.fail", "scale.in.pass")
    assert staff.item_version and staff.policy_version


def test_missing_data_means_needs_confirmation_with_what_to_confirm(pack) -> None:
    calc = calculate(pack, {"entity_type": "enterprise", "employees": 12}, D(2025, 6, 30))
    staff = calc.result("staff")
    assert staff.verdict is Verdict.NEEDS_CONFIRMATION
    assert staff.amount_fen == 2_000_000 and staff.payable_fen == 0
    assert staff.to_confirm == ("企业规模为小型或微型",)
    assert "企业规模：暂无数据，需企业确认" in staff.reasons
    rd = calc.result("rd")
    assert rd.verdict is Verdict.NEEDS_CONFIRMATION and rd.amount_fen is None
    assert rd.to_confirm == ("研发费用不少于 100万元", "研发费用：暂无数据，金额待确认")


def test_an_item_is_free_of_application_only_when_everything_is_machine_checkable(pack) -> None:
    calc = calculate(pack, {}, D(2025, 6, 30))
    modes = {r.item_id: r.mode for r in calc.items}
    assert modes == {
        "giant": Mode.AUTO,  # tracked by the registry
        "leader": Mode.QUICK,  # 科技领军企业 is not in the registry yet
        "hnte": Mode.AUTO,
        "staff": Mode.AUTO,
        "rd": Mode.QUICK,  # 研发费用 comes from the enterprise for now
    }
    _, leader = pack.item("leader")
    assert leader.manual_sentences() == ["持有科技领军企业认定，且认定日期在本政策有效期内"]


def test_exclusive_items_pay_only_the_highest(pack) -> None:
    profile = {
        "qualifications": [
            q("little_giant", "national"),
            q("hnte", "national"),
            q("tech_leader", "municipal"),
        ]
    }
    calc = calculate(pack, profile, D(2025, 6, 30))
    paid = {r.item_id: r.payable_fen for r in calc.items}
    assert paid == {"giant": 60_000_000, "leader": 0, "hnte": 0, "staff": 0, "rd": 0}
    assert calc.total_payable_fen == 60_000_000
    assert (
        calc.result("hnte").exclusivity_note == "同组已按最高标准享受“小巨人奖励”（60万元），本项不重复奖励"
    )
    assert calc.result("hnte").verdict is Verdict.ELIGIBLE  # eligible, but not paid twice


def test_a_tie_goes_to_the_item_that_comes_first(pack) -> None:
    profile = {"qualifications": [q("tech_leader", "provincial"), q("hnte", "national")]}
    calc = calculate(pack, profile, D(2025, 6, 30))
    assert (calc.result("leader").payable_fen, calc.result("hnte").payable_fen) == (30_000_000, 0)


def test_a_pending_item_that_could_pay_more_is_named_on_the_winner(pack) -> None:
    # 科技领军企业 is untracked: with no record it may still exist, and could pay up to 100万元
    profile = {"qualifications": [q("hnte", "national")]}
    calc = calculate(pack, profile, D(2025, 6, 30))
    hnte = calc.result("hnte")
    assert hnte.payable_fen == 30_000_000
    assert hnte.exclusivity_note == "同组“科技领军奖励”待确认，确认后按最高标准可能改享该项"
    assert calc.result("leader").verdict is Verdict.NEEDS_CONFIRMATION


def test_items_outside_their_validity_are_not_current(pack) -> None:
    before = calculate(pack, {}, D(2026, 6, 30))
    after = calculate(pack, {}, D(2026, 7, 1))
    assert "later" not in [r.item_id for r in before.items]
    assert "later" in [r.item_id for r in after.items]
    assert calculate(pack, {}, D(2027, 1, 1)).items == ()


def test_the_profile_may_use_chinese_labels(pack) -> None:
    calc = calculate(pack, {"主体类型": "企业", "从业人数": "12人", "企业规模": "微型"}, D(2025, 6, 30))
    assert calc.result("staff").verdict is Verdict.ELIGIBLE


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"员工数": 5}, "企业数据中的字段“员工数”不存在，可选：从业人数"),
        ({"研发费用": 12.5}, "“研发费用”应为整数分或带单位的金额（如“500万元”），收到“12.5”"),
        ({"研发费用": "12.345元"}, "金额“12.345元”精确到分以下"),
        ({"从业人数": -3}, "“从业人数”不能为负数"),
        ({"从业人数": "很多"}, "“从业人数”的值“很多”不是整数"),
        ({"企业规模": "巨型"}, "“企业规模”没有选项“巨型”"),
        ({"成立日期": "去年"}, "日期“去年”无法识别"),
        ({"资质认定": [{"kind": "高企"}]}, "“高新技术企业”记录缺少认定日期"),
        ({"资质认定": [{"kind": "金牌企业", "certified_on": "2025-01-01"}]}, "资质类型“金牌企业”不存在"),
        (
            {"资质认定": [{"kind": "高企", "level": "乡", "certified_on": "2025-01-01"}]},
            "认定层级“乡”无法识别",
        ),
    ],
)
def test_bad_profile_data_is_refused_with_a_chinese_message(pack, profile: dict, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        calculate(pack, profile, D(2025, 6, 30))
    assert message in str(caught.value)


# --- a district's pack pays only its district ------------------------------------------------------


def test_a_district_pack_never_pays_an_enterprise_of_another_district_that_meets_every_condition() -> None:
    pack = load_test_pack(DISTRICT_PACK, "weibin.yaml")
    elsewhere = calculate(
        pack, {"主体类型": "企业", "从业人数": 50, "所在区县": "金台区"}, dt.date(2025, 6, 30)
    )
    result = elsewhere.result("little_giant")
    assert (result.verdict, result.payable_fen, elsewhere.total_payable_fen) == (Verdict.NOT_ELIGIBLE, 0, 0)
    assert "所在区县 金台区，要求为“渭滨区”：不满足" in result.reasons
    at_home = calculate(
        pack, {"主体类型": "企业", "从业人数": 50, "所在区县": "渭滨区"}, dt.date(2025, 6, 30)
    )
    assert at_home.result("little_giant").payable_fen == 60_000_000


def test_a_city_pack_covers_every_district() -> None:
    pack = load_test_pack(DISTRICT_PACK.replace("district: 渭滨区\n", ""), "city.yaml")
    elsewhere = calculate(
        pack, {"主体类型": "企业", "从业人数": 50, "所在区县": "金台区"}, dt.date(2025, 6, 30)
    )
    assert elsewhere.result("little_giant").verdict is Verdict.ELIGIBLE
