"""政策测算 (what-if): a draft or a changed item against the working version, before publishing."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import MatchRun, PolicyPack
from yingshang.policies.testing import (
    AS_OF,
    EXAMPLE,
    HNTE_ITEM,
    MEASURES,
    city_wide_text,
    shipped_text,
    store_city_wide_packs,
    with_hnte_amount,
    without_district,
)
from yingshang.policies.whatif import (
    Figures,
    WhatIf,
    item_source,
    whatif,
    whatif_of_run,
)
from yingshang.registry.models import Enterprise, Qualification
from yingshang.registry.testing import make_enterprise, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world: World) -> World:
    store_city_wide_packs()  # city-level: the breakdowns have both districts
    second = make_enterprise(make_uscc("91610303MA6X00020"), "金台高企有限公司", world.jintai, employees=40)
    Qualification.objects.create(
        enterprise=second, kind="hnte", level="national", certified_on=dt.date(2025, 11, 20)
    )
    return world


def line(result: WhatIf, key: str):
    return next(i for i in result.items if i.key == key)


def test_raising_an_amount_raises_the_cost_but_not_the_count(district: World) -> None:
    result = whatif(item_changes={HNTE_ITEM: {"amount": "20万元"}}, as_of=AS_OF)
    assert result.ok, result.errors
    hnte = line(result, HNTE_ITEM)
    assert hnte.status == "changed" and hnte.status_label == "已修改"
    assert (hnte.current.eligible, hnte.draft.eligible) == (2, 2)
    assert (hnte.current.payable_fen, hnte.draft.payable_fen) == (2 * 10_000_000, 2 * 20_000_000)
    assert hnte.delta.payable_fen == 20_000_000
    assert result.delta.payable_fen == 20_000_000
    assert all(i.status == "unchanged" and i.current == i.draft for i in result.items if i.key != HNTE_ITEM)
    assert any("测试用例" in note for note in result.notes)


def test_lowering_a_threshold_makes_more_enterprises_entitled(district: World) -> None:
    strict = whatif(item_changes={HNTE_ITEM: {"conditions": ["从业人数 >= 100"]}}, as_of=AS_OF)
    loose = whatif(item_changes={HNTE_ITEM: {"conditions": "[从业人数 >= 5]"}}, as_of=AS_OF)
    assert line(strict, HNTE_ITEM).draft.eligible == 1  # acme, 120 staff
    assert line(loose, HNTE_ITEM).draft.eligible == 3  # every 企业 with 5 or more staff
    assert line(loose, HNTE_ITEM).current.eligible == 2


def test_a_draft_that_makes_the_pack_a_districts_drops_the_other_districts_enterprises(
    district: World,
) -> None:
    # The working pack here is city-level; the shipped text names 渭滨区.
    hnte = line(whatif(shipped_text(), as_of=AS_OF), HNTE_ITEM)
    assert hnte.status == "changed" and (hnte.current.eligible, hnte.draft.eligible) == (2, 1)
    districts = {s.label: s for s in hnte.by_district}
    assert districts["金台区"].current.eligible == 1  # 金台高企有限公司 meets every condition
    assert districts["金台区"].draft == Figures()
    assert districts["渭滨区"].delta == Figures()


def test_the_breakdowns_split_each_item_by_district_section_and_scale(district: World) -> None:
    hnte = line(whatif(item_changes={HNTE_ITEM: {"amount": "20万元"}}, as_of=AS_OF), HNTE_ITEM)
    districts = {s.label: s for s in hnte.by_district}
    assert set(districts) == {"渭滨区", "金台区"}
    assert districts["金台区"].current == Figures(
        eligible=1, payable_fen=10_000_000, amount_fen=10_000_000, entities_paid=1
    )
    assert districts["金台区"].delta.payable_fen == 10_000_000
    for splits in (hnte.by_district, hnte.by_section, hnte.by_scale):
        assert sum(s.draft.payable_fen for s in splits) == hnte.draft.payable_fen
    assert [s.label for s in hnte.by_section] == ["C 制造业"]


def test_a_whole_draft_pack_is_compared_item_by_item(district: World) -> None:
    result = whatif(without_district(with_hnte_amount(15)), as_of=AS_OF)
    assert result.ok and result.pack_name == MEASURES
    assert result.current_version != result.draft_version
    assert [i.key for i in result.changed_items] == [HNTE_ITEM]
    assert line(result, HNTE_ITEM).draft.payable_fen == 2 * 15_000_000


def test_a_draft_with_errors_computes_nothing_and_says_where(district: World) -> None:
    result = whatif(without_district(with_hnte_amount(15, update_cases=False)), as_of=AS_OF)
    assert not result.ok and result.items == [] and result.entity_count == 0
    assert any("recertified" in str(e) for e in result.errors)
    broken = whatif(city_wide_text().replace("amount: 10万元", "amount: 十万", 1), as_of=AS_OF)
    assert not broken.ok and any("行" in str(e) and "金额" in str(e) for e in broken.errors)


def test_a_pack_not_yet_in_force_counts_every_item_as_new(district: World) -> None:
    text = shipped_text(EXAMPLE).replace(f"id: {EXAMPLE}", "id: brand_new", 1)
    result = whatif(text, as_of=AS_OF)
    assert result.ok and result.current_version is None
    assert {i.status for i in result.items} == {"new"}
    assert any("新增" in note for note in result.notes)


def test_nothing_becomes_working(district: World) -> None:
    before = list(PolicyPack.objects.values_list("pk", "version", "is_working"))
    whatif(without_district(with_hnte_amount(15)), as_of=AS_OF)
    whatif(item_changes={HNTE_ITEM: {"amount": "1万元"}}, as_of=AS_OF)
    assert list(PolicyPack.objects.values_list("pk", "version", "is_working")) == before
    assert not MatchRun.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"xx18_nothing": {"amount": "1万元"}}, "没有奖励项“xx18_nothing”"),
        ({HNTE_ITEM: {"id": "other"}}, "不能修改“id”"),
        ({HNTE_ITEM: {"cases": []}}, "不能修改“cases”"),
        ({HNTE_ITEM: {"conditions": "[从业人数 >= "}}, "无法读取"),
        ({HNTE_ITEM: {"amount": "很多"}}, "金额"),
        ({HNTE_ITEM: {"conditions": ["员工数 >= 5"]}}, "员工数"),
    ],
)
def test_bad_item_changes_are_refused_in_chinese(district: World, changes: dict, message: str) -> None:
    result = whatif(item_changes=changes, as_of=AS_OF)
    assert not result.ok and result.items == []
    assert any(message in str(e) for e in result.errors), [str(e) for e in result.errors]


def test_asking_for_nothing_is_refused(district: World) -> None:
    result = whatif(as_of=AS_OF)
    assert not result.ok and "请提供" in str(result.errors[0])


def test_a_stored_whatif_run_gives_back_the_same_result(district: World) -> None:
    run, errors = services.start_whatif_run(
        district.admin, item_changes={HNTE_ITEM: {"amount": "20万元"}}, as_of=AS_OF, runner="inline"
    )
    assert errors == [] and run is not None and run.kind == "whatif" and run.state == "done"
    stored = whatif_of_run(run)
    fresh = whatif(item_changes={HNTE_ITEM: {"amount": "20万元"}}, as_of=AS_OF)
    assert stored is not None and stored.to_json() == fresh.to_json()
    assert run.total_amount_fen == fresh.draft.payable_fen
    assert list(run.packs.values_list("name", flat=True)) == [MEASURES]


def test_a_stored_whatif_with_a_bad_draft_is_refused_before_queueing(district: World) -> None:
    run, errors = services.start_whatif_run(district.admin, "id: x\n", as_of=AS_OF, runner="inline")
    assert run is None and errors
    assert not MatchRun.objects.exists()


def test_the_form_can_be_prefilled_with_an_items_yaml(district: World) -> None:
    stored = PolicyPack.objects.get(name=MEASURES, is_working=True)
    source = item_source(stored, HNTE_ITEM)
    assert source["amount"] == "10万元"
    assert "高新技术企业" in source["conditions"]
    assert "cases" not in source and "id" not in source
    assert item_source(stored, "no_such_item") == {}


def test_the_estimate_can_be_limited_to_some_entities(district: World) -> None:
    result = whatif(
        item_changes={HNTE_ITEM: {"amount": "20万元"}},
        as_of=AS_OF,
        queryset=Enterprise.objects.filter(district=district.weibin),
    )
    assert result.entity_count == 1 and line(result, HNTE_ITEM).draft.eligible == 1
