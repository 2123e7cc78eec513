"""政策库 (public, /zhengce/): current items only, searchable by keyword, tag, industry and department."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.policies import services
from yingshang.policies.models import RewardItem
from yingshang.policies.testing import HNTE_ITEM, MEASURES, with_hnte_amount
from yingshang.portal.testing import QUICK_ITEM, working_item

pytestmark = pytest.mark.django_db
LIBRARY = reverse("portal:library")


def shown_keys(response) -> list[str]:
    return [item.row.key for item in response.context["items"]]


def test_anyone_sees_the_current_items_in_chinese(world, packs):
    response = Client().get(LIBRARY)
    body = response.content.decode()
    assert response.status_code == 200
    hnte = working_item(HNTE_ITEM)
    assert hnte.title in body and hnte.policy.title in body and "政策库" in body
    assert len(response.context["items"]) == len(services.current_items()) == response.context["total"]


def test_only_the_working_version_of_an_item_is_listed(world, packs):
    old = working_item(HNTE_ITEM)
    stored, errors = services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    assert errors == [] and stored is not None
    new = working_item(HNTE_ITEM)
    assert new.pk != old.pk
    response = Client().get(LIBRARY)
    pks = [item.row.pk for item in response.context["items"]]
    assert new.pk in pks and old.pk not in pks
    assert Client().get(reverse("portal:library_item", args=[old.pk])).status_code == 404
    page = Client().get(reverse("portal:library_item", args=[new.pk]))
    assert page.status_code == 200 and "20万元" in page.content.decode()


def test_a_keyword_search_needs_every_word_to_appear(world, packs):
    response = Client().get(LIBRARY, {"q": "高新技术企业"})
    keys = shown_keys(response)
    assert HNTE_ITEM in keys and QUICK_ITEM not in keys
    assert shown_keys(Client().get(LIBRARY, {"q": "高新技术企业 农业"})) == []
    nothing = Client().get(LIBRARY, {"q": "没有这样的政策"})
    assert "没有符合条件的奖补事项" in nothing.content.decode()


def test_the_tag_filter_keeps_items_with_that_tag(world, packs):
    keys = shown_keys(Client().get(LIBRARY, {"tag": "农业"}))
    assert keys == [QUICK_ITEM]


def test_the_department_filter_keeps_items_of_that_department(world, packs):
    RewardItem.objects.filter(policy__pack__is_working=True).update(department="区工信局")
    RewardItem.objects.filter(key=QUICK_ITEM, policy__pack__is_working=True).update(department="区农业农村局")
    response = Client().get(LIBRARY, {"department": "区农业农村局"})
    assert shown_keys(response) == [QUICK_ITEM]
    assert "区农业农村局" in response.context["departments"]


def test_the_industry_filter_keeps_items_open_to_that_section_and_unrestricted_ones(world, packs):
    rows = RewardItem.objects.filter(policy__pack__is_working=True)
    rows.filter(key=QUICK_ITEM).update(industries=["A"])
    rows.filter(key=HNTE_ITEM).update(industries=["3911"])  # a 小类 of 制造业 (C)
    manufacturing = shown_keys(Client().get(LIBRARY, {"industry": "C"}))
    assert HNTE_ITEM in manufacturing and QUICK_ITEM not in manufacturing
    assert len(manufacturing) == rows.count() - 1
    farming = Client().get(LIBRARY, {"industry": "a"})
    assert QUICK_ITEM in shown_keys(farming) and HNTE_ITEM not in shown_keys(farming)
    quick = next(item for item in farming.context["items"] if item.row.key == QUICK_ITEM)
    assert quick.section_labels == ["A 农、林、牧、渔业"]
    assert "行业“农、林、牧、渔业”：列出面向该行业的事项" in farming.content.decode()


def test_filters_combine(world, packs):
    keys = shown_keys(Client().get(LIBRARY, {"tag": "高企", "q": "高新技术"}))
    assert keys and all("高企" in working_item(k).tags for k in keys)
    assert shown_keys(Client().get(LIBRARY, {"tag": "农业", "q": "高新技术"})) == []


def test_unknown_filter_values_show_nothing_rather_than_fail(world, packs):
    for params in ({"tag": "不存在"}, {"department": "不存在"}, {"industry": "ZZ"}):
        response = Client().get(LIBRARY, params)
        assert response.status_code == 200


def test_an_item_page_shows_conditions_amount_mode_and_department(world, packs):
    row = working_item(QUICK_ITEM)
    RewardItem.objects.filter(pk=row.pk).update(department="区农业农村局")
    body = Client().get(reverse("portal:library_item", args=[row.pk])).content.decode()
    assert (
        row.sentence in body and row.amount_sentence in body and "快申快享" in body and "区农业农村局" in body
    )
    for sentence in row.manual_conditions:
        assert sentence in body


def test_the_library_needs_no_login_and_logged_in_users_see_it_too(world, packs):
    for client in (Client(), world.client_for(world.owner), world.client_for(world.nobody)):
        assert client.get(LIBRARY).status_code == 200
