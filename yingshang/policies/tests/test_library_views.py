"""政策库 pages: working policies and items with their sentences, filters, an item's page, a pack's
versions and stored text; who may open them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import PolicyPack, RewardItem
from yingshang.policies.testing import HNTE_ITEM, MEASURES, with_hnte_amount

pytestmark = pytest.mark.django_db


@pytest.fixture
def packs(world: World) -> list[PolicyPack]:
    return services.sync_shipped_packs()


def working_item(key: str) -> RewardItem:
    return RewardItem.objects.get(key=key, policy__pack__is_working=True)


def test_the_library_lists_each_policy_with_its_items_and_their_chinese_sentences(world, packs):
    response = world.client_for(world.clerk).get(reverse("policies:library"))
    body = response.content.decode()
    assert response.status_code == 200
    hnte = working_item(HNTE_ITEM)
    assert hnte.policy.title in body and hnte.policy.issuer in body and hnte.policy.doc_no in body
    assert hnte.title in body and hnte.sentence in body and "第 1 版" in body
    assert hnte.version not in body and hnte.key not in body  # content hashes and rule keys are the machine's
    assert hnte.exclusivity_group in body
    for pack in packs:
        assert reverse("policies:pack_detail", args=[pack.name]) in body
    assert response.context["shown_count"] == RewardItem.objects.filter(policy__pack__is_working=True).count()


@pytest.mark.parametrize(("key", "value"), [("tag", "高企"), ("mode", "快申快享")])
def test_the_library_filters_items_by_tag_and_by_mode(world, packs, key, value):
    response = world.client_for(world.admin).get(reverse("policies:library"), {key: value})
    shown = [it["row"] for entry in response.context["policies"] for it in entry["items"]]
    assert shown
    for row in shown:
        assert value in (row.tags if key == "tag" else [row.mode])
    assert response.context["shown_count"] < response.context["total_count"]


def test_the_library_filters_items_by_department(world, packs):
    department = working_item(HNTE_ITEM).department
    assert department == "区工信局"  # the pack's 牵头部门 (department: in the YAML)
    response = world.client_for(world.admin).get(reverse("policies:library"), {"department": department})
    shown = [it["row"] for entry in response.context["policies"] for it in entry["items"]]
    assert shown and {row.department for row in shown} == {department}
    assert len(shown) < response.context["total_count"]


def test_an_item_is_listed_under_its_own_department_not_its_policys(world, packs):
    rows = RewardItem.objects.filter(policy__pack__is_working=True).select_related("policy")
    own = next(row for row in rows if row.department and row.department != row.policy.department)
    response = world.client_for(world.admin).get(reverse("policies:library"), {"department": own.department})
    shown = [it["row"] for entry in response.context["policies"] for it in entry["items"]]
    assert own in shown


def test_an_item_page_shows_its_rule_amount_source_and_group_peers(world, packs):
    hnte = working_item(HNTE_ITEM)
    response = world.client_for(world.clerk).get(reverse("policies:item_detail", args=[hnte.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert hnte.sentence in body and hnte.amount_sentence in body and hnte.source_text in body
    peer = RewardItem.objects.filter(policy=hnte.policy, exclusivity_group=hnte.exclusivity_group).exclude(
        pk=hnte.pk
    )[0]
    assert reverse("policies:item_detail", args=[peer.pk]) in body


def test_an_item_page_lists_the_items_earlier_versions(world, packs):
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin, "提高高企奖励")
    old = RewardItem.objects.get(key=HNTE_ITEM, policy__pack__is_working=False)
    new = working_item(HNTE_ITEM)
    body = world.client_for(world.clerk).get(reverse("policies:item_detail", args=[new.pk])).content.decode()
    assert "第 1 版" in body and "第 2 版" in body and "20万元" in body and "10万元" in body
    assert old.version not in body and new.version not in body
    older = world.client_for(world.clerk).get(reverse("policies:item_detail", args=[old.pk])).content.decode()
    assert "历史版本" in older


def test_a_pack_page_lists_its_dated_versions_with_who_and_why(world, packs):
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin, "提高高企奖励")
    response = world.client_for(world.clerk).get(reverse("policies:pack_detail", args=[MEASURES]))
    body = response.content.decode()
    versions = list(services.pack_versions(MEASURES))
    assert [v.pk for v in response.context["versions"]] == [v.pk for v in versions]
    assert len(versions) == 2
    assert "提高高企奖励" in body and world.admin.username in body and "现行" in body and "历史" in body
    assert reverse("policies:pack_edit", args=[MEASURES]) not in body  # a clerk does not edit


def test_a_stored_version_shows_its_text_with_line_numbers(world, packs):
    pack = next(p for p in packs if p.name == MEASURES)
    response = world.client_for(world.clerk).get(reverse("policies:pack_version", args=[MEASURES, pack.pk]))
    assert response.status_code == 200
    assert response.context["lines"][0] == (1, pack.text.splitlines()[0])
    assert 'id="L18"' in response.content.decode()


def test_an_unknown_pack_is_not_found(world, packs):
    client = world.client_for(world.admin)
    assert client.get(reverse("policies:pack_detail", args=["no_such_pack"])).status_code == 404
    other = next(p for p in packs if p.name != MEASURES)
    assert client.get(reverse("policies:pack_version", args=[MEASURES, other.pk])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "other_owner", "inspector", "nobody"])
def test_the_library_is_refused_to_users_without_policy_access(world, packs, who):
    client = world.client_for(getattr(world, who))
    hnte = working_item(HNTE_ITEM)
    for url in (
        reverse("policies:library"),
        reverse("policies:item_detail", args=[hnte.pk]),
        reverse("policies:pack_detail", args=[MEASURES]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "无权" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(world, packs):
    response = world.client_for(None).get(reverse("policies:library"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_navigation_links_the_library_for_staff_and_the_calculator_for_enterprises(world):
    def link(name: str) -> str:
        return f'href="{reverse(name)}"'

    staff = world.client_for(world.clerk).get(reverse("home")).content.decode()
    assert link("policies:library") in staff and link("policies:my_calculator") not in staff
    owner = world.client_for(world.owner).get(reverse("home")).content.decode()
    assert link("policies:my_calculator") in owner and link("policies:library") not in owner
    inspector = world.client_for(world.inspector).get(reverse("home")).content.decode()
    assert "/policies/" not in inspector
