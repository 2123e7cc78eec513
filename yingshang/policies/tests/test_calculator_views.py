"""政策计算器 pages: staff open any entity in their scope, an enterprise user only its own; every item
with its verdict, exact amount and each condition's outcome with the value and where it came from.
Also the calculator's summary on the enterprise page (企业画像)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.policies import rules, services
from yingshang.policies.models import PolicyPack
from yingshang.policies.testing import AS_OF, HNTE_ITEM
from yingshang.registry.models import Qualification

pytestmark = pytest.mark.django_db

HNTE_TITLE = "新认定（复审）国家高新技术企业奖励"


@pytest.fixture
def packs(world: World) -> None:
    services.sync_shipped_packs()


def calculator_of(world: World, who: str, uscc: str):
    return world.client_for(getattr(world, who)).get(reverse("policies:calculator", args=[uscc]))


def test_a_clerk_sees_every_item_grouped_by_verdict_with_amounts_reasons_and_sources(world, packs):
    response = calculator_of(world, "clerk", world.acme.uscc)
    body = response.content.decode()
    assert response.status_code == 200
    expected = services.calculate_for(world.acme)
    groups = {g["verdict"]: g["entries"] for g in response.context["groups"]}
    for verdict in rules.Verdict:
        assert len(groups[verdict]) == expected.counts[verdict.value]
        assert f"{verdict.label}（{expected.counts[verdict.value]} 项）" in body
    hnte = next(e["result"] for e in groups[rules.Verdict.ELIGIBLE] if e["result"].item_id == HNTE_ITEM)
    assert hnte.payable_fen == 10_0000_00
    assert HNTE_TITLE in body and "100,000.00 元" in body and "免申即享" in body
    assert "资质认定 国家级高新技术企业" in body and "：满足" in body
    assert "测试数据，截至 2026-06-30" in body  # the qualification record's source and date
    assert f"{expected.total_payable_fen // 100:,}.{expected.total_payable_fen % 100:02d} 元" in body


def test_a_condition_shows_the_enterprises_own_value_against_the_requirement(world, packs):
    world.bolt.annual_revenue_fen = 1500_0000_00
    world.bolt.save()
    response = calculator_of(world, "other_clerk", world.bolt.uscc)
    body = response.content.decode()
    revenue = [
        line
        for group in response.context["groups"]
        for entry in group["entries"]
        for line in entry["outcomes"]
        if line["outcome"].field == "annual_revenue_fen"
    ]
    assert revenue
    outcome, source = revenue[0]["outcome"], revenue[0]["source"]
    assert outcome.actual == "1500万元" and outcome.status is rules.Status.FAIL
    assert "要求不少于 2000万元" in outcome.reason and outcome.reason.endswith("不满足")
    assert source == "测试数据，截至 2026-06-30"
    assert outcome.reason in body


def test_items_waiting_for_the_enterprise_list_what_it_must_confirm(world, packs):
    response = calculator_of(world, "clerk", world.acme.uscc)
    confirm = {g["verdict"]: g["entries"] for g in response.context["groups"]}[
        rules.Verdict.NEEDS_CONFIRMATION
    ]
    assert confirm
    body = response.content.decode()
    assert "需企业确认：" in body
    for entry in confirm:
        for text in entry["result"].to_confirm:
            assert text in body
    assert "名单尚未接入，需企业确认" in body  # where an unknown qualification would come from


def test_the_evaluation_day_can_be_chosen_and_a_bad_date_is_explained(world, packs):
    chosen = world.client_for(world.clerk).get(
        reverse("policies:calculator", args=[world.acme.uscc]), {"as_of": "2025-06-30"}
    )
    assert chosen.context["calculation"].as_of.isoformat() == "2025-06-30"
    bad = world.client_for(world.clerk).get(
        reverse("policies:calculator", args=[world.acme.uscc]), {"as_of": "明天"}
    )
    assert bad.status_code == 200 and "日期格式应为 2026-06-30" in bad.content.decode()
    assert bad.context["calculation"].as_of == clock.today()


def test_another_districts_clerk_gets_not_found_for_an_entity_outside_their_scope(world, packs):
    assert calculator_of(world, "other_clerk", world.acme.uscc).status_code == 404
    assert calculator_of(world, "clerk", world.bolt.uscc).status_code == 404
    assert calculator_of(world, "admin", world.bolt.uscc).status_code == 200


def test_an_unknown_uscc_is_not_found(world, packs):
    assert calculator_of(world, "admin", "91610302MA6X0009XX").status_code == 404


def test_the_search_box_opens_an_entity_in_scope_and_explains_one_outside_it(world, packs):
    client = world.client_for(world.clerk)
    found = client.get(reverse("policies:calculator_index"), {"uscc": world.acme.uscc.lower()})
    assert found.status_code == 302
    assert found["Location"] == reverse("policies:calculator", args=[world.acme.uscc])
    outside = client.get(reverse("policies:calculator_index"), {"uscc": world.bolt.uscc})
    assert outside.status_code == 200 and "不在您的辖区内" in outside.content.decode()
    short = client.get(reverse("policies:calculator_index"), {"uscc": "9161"})
    assert "应为 18 位" in short.content.decode()


def test_the_search_page_lists_the_entities_with_most_to_receive_in_scope_only(world, packs):
    services.start_match_run(world.admin, runner="inline")
    body = world.client_for(world.clerk).get(reverse("policies:calculator_index")).content.decode()
    assert world.acme.name in body and world.bolt.name not in body


def test_an_enterprise_user_sees_its_own_calculator(world, packs):
    response = world.client_for(world.owner).get(reverse("policies:my_calculator"))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.acme.name in body and HNTE_TITLE in body and "：满足" in body
    assert reverse("policies:library") + "items/" not in body  # no links into the staff pages


def test_the_other_enterprise_user_sees_its_own_not_the_owners(world, packs):
    body = world.client_for(world.other_owner).get(reverse("policies:my_calculator")).content.decode()
    assert world.bolt.name in body and world.acme.name not in body


@pytest.mark.parametrize("who", ["owner", "other_owner"])
def test_an_enterprise_user_cannot_open_any_entitys_calculator_by_uscc(world, packs, who):
    for enterprise in (world.acme, world.bolt):
        response = calculator_of(world, who, enterprise.uscc)
        assert response.status_code == 403
        assert enterprise.name not in response.content.decode()
    assert world.client_for(getattr(world, who)).get(reverse("policies:calculator_index")).status_code == 403


@pytest.mark.parametrize("who", ["nobody", "inspector"])
def test_users_without_policy_access_are_refused(world, packs, who):
    client = world.client_for(getattr(world, who))
    assert calculator_of(world, who, world.acme.uscc).status_code == 403
    assert client.get(reverse("policies:my_calculator")).status_code == 403


def test_staff_have_no_own_calculator(world, packs):
    assert world.client_for(world.clerk).get(reverse("policies:my_calculator")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(world, packs):
    for url in (reverse("policies:my_calculator"), reverse("policies:calculator", args=[world.acme.uscc])):
        response = world.client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_enterprise_page_summarises_the_calculator_and_links_to_it(world, packs):
    response = world.client_for(world.clerk).get(
        reverse("registry:enterprise_detail", args=[world.acme.uscc])
    )
    body = response.content.decode()
    section = response.context["policy_section"]
    expected = services.calculate_for(world.acme)
    assert section["counts"] == expected.counts and section["total_fen"] == expected.total_payable_fen
    assert "可享政策" in body and f"符合 {expected.counts['eligible']} 项" in body
    assert HNTE_TITLE in body and "100,000.00 元" in body
    assert reverse("policies:calculator", args=[world.acme.uscc]) in body


def test_an_enterprise_users_own_page_links_to_its_own_calculator(world, packs):
    body = world.client_for(world.owner).get(reverse("registry:my_enterprise")).content.decode()
    assert "可享政策" in body and reverse("policies:my_calculator") in body
    assert reverse("policies:calculator", args=[world.acme.uscc]) not in body


def test_the_inspector_sees_the_enterprise_page_without_the_policy_section(world, packs):
    response = world.client_for(world.inspector).get(
        reverse("registry:enterprise_detail", args=[world.acme.uscc])
    )
    assert response.status_code == 200 and "可享政策" not in response.content.decode()


def test_without_packs_the_section_says_there_is_nothing_in_force(world):
    body = (
        world.client_for(world.clerk)
        .get(reverse("registry:enterprise_detail", args=[world.acme.uscc]))
        .content.decode()
    )
    assert "暂无现行的奖补事项" in body


def test_an_enterprise_of_another_district_meeting_every_condition_is_not_paid_by_a_district_pack(
    world, packs
):
    # bolt (金台区) holds the same national 高企 certificate as acme; the shipped packs are 渭滨区's.
    Qualification.objects.create(enterprise=world.bolt, kind="hnte", level="national", certified_on=AS_OF)
    response = calculator_of(world, "other_clerk", world.bolt.uscc)
    groups = {g["verdict"]: g["entries"] for g in response.context["groups"]}
    hnte = next(e["result"] for e in groups[rules.Verdict.NOT_ELIGIBLE] if e["result"].item_id == HNTE_ITEM)
    assert hnte.payable_fen == 0
    assert "所在区县 金台区，要求为“渭滨区”：不满足" in hnte.reasons
    assert "资质认定 国家级高新技术企业" in response.content.decode()
    assert services.calculate_for(world.bolt).total_payable_fen == 0
    assert not groups[rules.Verdict.ELIGIBLE]


def test_the_answer_comes_first_eligible_items_with_amounts_then_those_to_confirm_then_the_rest_counted(
    world, packs
):
    response = world.client_for(world.owner).get(reverse("policies:my_calculator"))
    body = response.content.decode()
    expected = services.calculate_for(world.acme)
    overview = body[body.index('aria-label="结论一览"') : body.index('id="verdict-eligible"')]
    eligible = overview.index(f"符合：{expected.counts['eligible']} 项")
    confirm = overview.index(f"需企业确认：{expected.counts['needs_confirmation']} 项")
    rest = overview.index(f"不符合：{expected.counts['not_eligible']} 项")
    assert eligible < overview.index(HNTE_TITLE) < confirm < rest
    assert overview.index("100,000.00 元") < confirm  # the eligible item's amount, in the summary
    assert 'href="#item-eligible-1"' in overview and 'id="item-eligible-1"' in body


def test_each_items_reasons_stay_folded_until_opened(world, packs):
    body = world.client_for(world.owner).get(reverse("policies:my_calculator")).content.decode()
    expected = services.calculate_for(world.acme)
    assert body.count("<details>") == len(expected.results)
    assert "<details open" not in body


@pytest.mark.parametrize("who", ["owner", "clerk"])
def test_clerks_and_enterprises_see_no_version_hashes_or_rule_keys(world, packs, who):
    url = (
        reverse("policies:my_calculator")
        if who == "owner"
        else reverse("policies:calculator", args=[world.acme.uscc])
    )
    body = world.client_for(getattr(world, who)).get(url).content.decode()
    expected = services.calculate_for(world.acme)
    for _, result in expected.results:
        assert result.item_version not in body and result.policy_version not in body
        assert f">{result.item_id}<" not in body and f" {result.item_id} " not in body
    for pack in PolicyPack.objects.filter(is_working=True):
        assert pack.version not in body and ".yaml" not in body
    assert "国家级" in body and ">national<" not in body  # the qualification's level, in words


def test_the_office_admin_sees_the_packs_version_as_a_count(world, packs):
    body = calculator_of(world, "admin", world.acme.uscc).content.decode()
    assert "（第 1 版）" in body
    assert all(pack.version not in body for pack in PolicyPack.objects.filter(is_working=True))
