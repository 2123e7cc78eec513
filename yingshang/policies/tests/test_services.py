"""Policy services: stored pack versions, profiles from the registry, the calculator, demo loading."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.policies import rules, services
from yingshang.policies.models import MatchResult, Policy, PolicyPack, RewardItem
from yingshang.policies.rules.fields import field_registry
from yingshang.policies.testing import (
    AS_OF,
    EXAMPLE,
    HNTE_ITEM,
    MEASURES,
    finished_match,
    shipped_text,
    with_hnte_amount,
)
from yingshang.registry.models import Enterprise

pytestmark = pytest.mark.django_db


# ---- stored packs -------------------------------------------------------------------------------


def test_syncing_stores_every_shipped_pack_as_its_working_version(world: World) -> None:
    stored = services.sync_shipped_packs()
    assert sorted(p.name for p in stored) == sorted([MEASURES, EXAMPLE])
    for pack in stored:
        engine_pack, errors = rules.load_pack(pack.text)
        assert errors == []
        assert pack.is_working and pack.version == engine_pack.version
        assert pack.origin.endswith(".yaml")
        assert RewardItem.objects.filter(policy__pack=pack).count() == len(list(engine_pack.items()))


def test_syncing_again_stores_nothing_new(world: World) -> None:
    first = services.sync_shipped_packs()
    second = services.sync_shipped_packs()
    assert [p.pk for p in first] == [p.pk for p in second]
    assert PolicyPack.objects.count() == 2
    assert PolicyPack.history.count() == 2  # one "created" record each, no "changed"


def test_stored_items_carry_the_engines_sentences_versions_and_manual_conditions(world: World) -> None:
    services.sync_shipped_packs()
    pack, _ = rules.load_pack(shipped_text())
    _, engine_item = pack.item("xx18_art2_above_scale_service")
    row = RewardItem.objects.get(key="xx18_art2_above_scale_service")
    assert row.sentence == engine_item.sentence()
    assert row.version == engine_item.version
    assert row.mode == "快申快享"  # written 免申即享, but 规上服务业 is not a roll the platform holds
    assert row.manual_conditions == engine_item.manual_sentences() != []
    assert row.source_text.startswith("对新增")
    policy = Policy.objects.get(pack=row.policy.pack, key="xx18")
    assert (policy.valid_from, policy.valid_to) == (dt.date(2024, 1, 1), dt.date(2026, 12, 31))


def test_a_pack_with_an_unknown_field_changes_nothing_and_says_where(world: World) -> None:
    working = services.sync_shipped_packs()
    rule = "{qualification: 高新技术企业, level: 国家, certified_within: policy_validity}"
    assert rule in shipped_text()
    broken = shipped_text().replace(rule, "员工数 >= 10", 1)
    stored, errors = services.save_pack_version(MEASURES, broken, world.admin)
    assert stored is None
    assert any("员工数" in str(e) and "第" in str(e) and "行" in str(e) for e in errors)
    assert list(PolicyPack.objects.filter(is_working=True)) == sorted(working, key=lambda p: p.name)


def test_a_pack_whose_test_case_fails_is_not_published(world: World) -> None:
    services.sync_shipped_packs()
    stored, errors = services.save_pack_version(
        MEASURES, with_hnte_amount(12, update_cases=False), world.admin
    )
    assert stored is None
    assert any("recertified" in str(e) for e in errors)
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1


def test_a_clean_edit_becomes_the_working_version_and_the_old_one_is_kept(world: World) -> None:
    services.sync_shipped_packs()
    old = PolicyPack.objects.get(name=MEASURES, is_working=True)
    new, errors = services.save_pack_version(MEASURES, with_hnte_amount(12), world.admin, "高企奖励提高")
    assert errors == [] and new is not None
    old.refresh_from_db()
    assert (old.is_working, new.is_working) == (False, True)
    assert new.version != old.version and new.origin == services.UI_ORIGIN and new.note == "高企奖励提高"
    assert RewardItem.objects.get(policy__pack=new, key=HNTE_ITEM).amount_sentence != (
        RewardItem.objects.get(policy__pack=old, key=HNTE_ITEM).amount_sentence
    )
    assert new.created_by == world.admin
    assert new.history.latest().history_user == world.admin


def test_results_keep_the_item_version_they_were_made_with(world: World) -> None:
    services.sync_shipped_packs()
    first = finished_match()
    services.save_pack_version(MEASURES, with_hnte_amount(12), world.admin)
    second = finished_match()
    old = MatchResult.objects.get(run=first, enterprise=world.acme, item__key=HNTE_ITEM)
    new = MatchResult.objects.get(run=second, enterprise=world.acme, item__key=HNTE_ITEM)
    assert (old.amount_fen, new.amount_fen) == (10_000_000, 12_000_000)
    assert old.item.version != new.item.version
    assert old.item.policy.pack.is_working is False


def test_saving_an_earlier_text_again_makes_that_stored_version_working(world: World) -> None:
    services.sync_shipped_packs()
    original = PolicyPack.objects.get(name=MEASURES)
    services.save_pack_version(MEASURES, with_hnte_amount(12), world.admin)
    reverted, errors = services.save_pack_version(MEASURES, shipped_text(), world.admin, "恢复原版")
    assert errors == [] and reverted is not None
    assert reverted.pk == original.pk and reverted.is_working
    assert PolicyPack.objects.filter(name=MEASURES).count() == 2
    assert PolicyPack.objects.filter(name=MEASURES, is_working=True).count() == 1


def test_saving_the_same_text_twice_creates_no_new_version(world: World) -> None:
    services.sync_shipped_packs()
    first, _ = services.save_pack_version(MEASURES, with_hnte_amount(12), world.admin)
    second, _ = services.save_pack_version(MEASURES, with_hnte_amount(12), world.admin)
    assert first is not None and second is not None and first.pk == second.pk


def test_a_comment_only_edit_keeps_the_version_and_stores_the_new_text(world: World) -> None:
    services.sync_shipped_packs()
    text = shipped_text() + "\n# 2026年6月复核：内容不变\n"
    stored, errors = services.save_pack_version(MEASURES, text, world.admin)
    assert errors == [] and stored is not None
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1
    assert stored.text == text


def test_a_wording_edit_keeps_the_version_and_updates_what_the_pages_show(world: World) -> None:
    services.sync_shipped_packs()
    old = "source_text: 对新认定（复审）的国家高新技术企业，一次性奖励10万元补助"
    assert old in shipped_text()
    text = (
        shipped_text()
        .replace(old, old + "（以认定文件为准）")
        .replace("tags: [科技创新, 高企]", "tags: [高企]")
    )
    stored, errors = services.save_pack_version(MEASURES, text, world.admin)
    assert errors == [] and stored is not None
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1
    row = RewardItem.objects.get(policy__pack=stored, key=HNTE_ITEM)
    assert row.source_text.endswith("（以认定文件为准）") and row.tags == ["高企"]


def test_a_pack_id_other_than_the_pack_being_saved_is_refused(world: World) -> None:
    services.sync_shipped_packs()
    stored, errors = services.save_pack_version(EXAMPLE, shipped_text(MEASURES), world.admin)
    assert stored is None
    assert "不一致" in str(errors[0]) and MEASURES in str(errors[0])


def test_a_new_pack_name_starts_its_own_history(world: World) -> None:
    text = shipped_text(EXAMPLE).replace(f"id: {EXAMPLE}", "id: local_pack", 1)
    stored, errors = services.save_pack_version("local_pack", text, world.admin)
    assert errors == [] and stored is not None and stored.is_working
    assert [v.pk for v in services.pack_versions("local_pack")] == [stored.pk]


def test_working_packs_are_parsed_once_per_version(world: World) -> None:
    services.sync_shipped_packs()
    first = dict((s.name, p) for s, p in services.working_packs())
    second = dict((s.name, p) for s, p in services.working_packs())
    assert all(first[name] is second[name] for name in first)


def test_current_items_leave_out_items_not_in_force(world: World) -> None:
    services.sync_shipped_packs()
    in_2026 = {c.row.key for c in services.current_items(AS_OF)}
    in_2027 = {c.row.key for c in services.current_items(dt.date(2027, 6, 30))}
    assert HNTE_ITEM in in_2026 and HNTE_ITEM not in in_2027  # 十八条 runs to 2026-12-31
    assert in_2027 and all(key.startswith("ex_") for key in in_2027)
    assert all(c.sentence for c in services.current_items(AS_OF))


# ---- one enterprise ------------------------------------------------------------------------------


def test_the_profile_uses_the_rule_field_keys_and_fen(world: World) -> None:
    profile = services.profile_of(world.acme, AS_OF)
    assert profile["uscc"] == world.acme.uscc
    assert profile["entity_type"] == "enterprise"
    assert (profile["industry_code"], profile["industry_section"], profile["industry_division"]) == (
        "3911",
        "C",
        "39",
    )
    assert (profile["district"], profile["street"]) == ("渭滨区", "经二路街道")
    assert profile["employees"] == 120 and profile["annual_revenue_fen"] == 80_000_000_00
    assert profile["qualifications"] == [
        {
            "kind": "hnte",
            "level": "national",
            "certified_on": dt.date(2024, 11, 1),
            "expires_on": dt.date(2027, 10, 31),
        }
    ]
    assert set(profile) == set(field_registry())
    assert rules.read_profile(profile)[1] == []


def test_the_profile_keeps_unknown_values_unknown(world: World) -> None:
    profile = services.profile_of(world.bolt, AS_OF)
    assert profile["total_assets_fen"] is None and profile["tax_paid_fen"] is None
    assert profile["street"] is None
    assert profile["rd_expense_fen"] is None and profile["new_hires"] is None
    assert profile["qualifications"] == []  # the registry holds the full roll of the kinds it tracks


def test_the_profile_leaves_out_qualifications_certified_after_the_day(world: World) -> None:
    assert services.profile_of(world.acme, dt.date(2024, 10, 31))["qualifications"] == []


def test_provenance_names_the_source_and_date_of_each_registry_value(world: World) -> None:
    provenance = services.provenance_of(world.acme)
    assert provenance["employees"] == {"source": "测试数据", "as_of": "2026-06-30"}
    assert provenance["industry_section"] == provenance["industry_code"]
    assert "计算" in provenance["scale"]["source"]
    assert "尚未接入" in provenance["rd_expense_fen"]["source"]
    assert "total_assets_fen" not in provenance  # not in the registry for acme
    assert provenance["qualifications"] == {"source": "测试数据", "as_of": "2026-06-30"}


def test_the_calculator_finds_the_hnte_reward_with_its_reason_and_source(world: World) -> None:
    services.sync_shipped_packs()
    result = services.calculate_for(world.acme, AS_OF)
    packs = {p.pack.name for p in result.packs}
    assert packs == {MEASURES, EXAMPLE}
    pack, hnte = next((p, r) for p, r in result.results if r.item_id == HNTE_ITEM)
    assert hnte.verdict is rules.Verdict.ELIGIBLE and hnte.amount_fen == hnte.payable_fen == 10_000_000
    assert pack.row(hnte).version == hnte.item_version
    assert any("高新技术企业" in o.reason for o in hnte.outcomes)
    assert result.total_payable_fen == sum(r.payable_fen for _, r in result.results)
    assert result.source_of("employees") == "测试数据，截至 2026-06-30"
    assert result.counts["eligible"] == len(result.by_verdict(rules.Verdict.ELIGIBLE))


def test_the_calculator_without_a_day_uses_today_in_beijing(world: World, monkeypatch) -> None:
    late_evening_utc = dt.datetime(2026, 6, 30, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 July in 北京
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    assert clock.today() == dt.date(2026, 7, 1)
    assert services.calculate_for(world.acme).as_of == dt.date(2026, 7, 1)


def test_an_enterprise_sees_its_pairs_of_the_latest_run(world: World) -> None:
    services.sync_shipped_packs()
    assert not services.latest_results_for(world.acme).exists()
    finished_match()
    latest = finished_match()
    results = services.latest_results_for(world.acme)
    assert results.exists() and all(r.run_id == latest.pk for r in results)
    assert {r.enterprise_id for r in results} == {world.acme.pk}


def test_a_district_user_sees_their_districts_figures_of_a_run(world: World) -> None:
    services.sync_shipped_packs()
    run = finished_match()
    city = services.run_figures_for(run, world.admin)
    weibin = services.run_figures_for(run, world.clerk)
    jintai = services.run_figures_for(run, world.other_clerk)
    assert city["scope"] == "全市" and (weibin["scope"], jintai["scope"]) == ("渭滨区", "金台区")
    assert weibin["entity_count"] == jintai["entity_count"] == 1
    for key in ("eligible_count", "needs_confirmation_count", "total_amount_fen"):
        assert weibin[key] + jintai[key] == city[key]
    stored = MatchResult.objects.filter(run=run, district=world.weibin).aggregate(total=Sum("payable_fen"))
    assert weibin["total_amount_fen"] == stored["total"]


def test_the_engine_item_of_a_stored_row_is_the_same_version(world: World) -> None:
    services.sync_shipped_packs()
    row = RewardItem.objects.get(key=HNTE_ITEM)
    item = services.engine_item(row)
    assert item is not None and item.version == row.version


def test_stored_policies_and_items_carry_their_lead_department(world: World) -> None:
    services.sync_shipped_packs()
    assert Policy.objects.get(key="xx18").department == "区工信局"
    assert RewardItem.objects.get(key=HNTE_ITEM).department == "区工信局"
    assert RewardItem.objects.get(key="xx18_art2_above_quota").department == "区商务局"
    assert RewardItem.objects.get(key="ex_rd_subsidy").department == "区科技局"
    assert RewardItem.objects.get(key="ex_hiring_graduates").department == "区人社局"


def test_a_department_edit_keeps_the_version_and_updates_the_stored_items(world: World) -> None:
    services.sync_shipped_packs()
    text = shipped_text().replace("department: 区商务局", "department: 区商务和投资促进局", 1)
    stored, errors = services.save_pack_version(MEASURES, text, world.admin)
    assert errors == [] and stored is not None
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1
    assert RewardItem.objects.get(key="xx18_art2_above_quota").department == "区商务和投资促进局"


def test_the_enterprise_page_summary_lists_the_best_paying_items_and_links_the_calculator(
    world: World,
) -> None:
    services.sync_shipped_packs()
    section = services.policy_section(world.acme, "/calc/")
    assert section["link"] == "/calc/" and section["error"] == ""
    assert section["item_count"] == sum(section["counts"].values())
    paid = [r.payable_fen for r in section["top"]]
    assert paid == sorted(paid, reverse=True) and len(paid) <= services.SECTION_TOP_ITEMS and all(paid)


@pytest.mark.parametrize(
    ("for_enterprise", "lead"),
    [(False, "该市场主体的数据有误，无法计算："), (True, "本企业的数据有误，暂时无法计算：")],
)
def test_the_summary_of_an_enterprise_with_bad_data_says_so_to_staff_and_to_the_enterprise(
    world: World, for_enterprise: bool, lead: str
) -> None:
    services.sync_shipped_packs()
    Enterprise.objects.filter(pk=world.acme.pk).update(credit_class="Z")  # past the model's validation
    section = services.policy_section(world.acme, "/calc/", for_enterprise=for_enterprise)
    assert section["error"].startswith(lead) and "counts" not in section
