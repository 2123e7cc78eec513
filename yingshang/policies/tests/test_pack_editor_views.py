"""The pack editor: “检查” reports Chinese errors with their place and saves nothing; “保存为新版本”
saves only a clean text; a text with errors never replaces the working version. Office admin only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import PolicyPack, RewardItem
from yingshang.policies.testing import HNTE_ITEM, MEASURES, shipped_text, with_hnte_amount

pytestmark = pytest.mark.django_db

HNTE_RULE = "{qualification: 高新技术企业, level: 国家, certified_within: policy_validity}"


@pytest.fixture
def working(world: World) -> PolicyPack:
    services.sync_shipped_packs()
    return PolicyPack.objects.get(name=MEASURES, is_working=True)


def broken_text() -> str:
    """The shipped pack with one condition naming a field that does not exist."""
    text = shipped_text()
    assert text.count(HNTE_RULE) == 1
    return text.replace(HNTE_RULE, "员工数 >= 10")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_the_editor_opens_with_the_working_text(world, working):
    response = world.client_for(world.admin).get(reverse("policies:pack_edit", args=[MEASURES]))
    assert response.status_code == 200
    assert response.context["form"].initial["text"] == working.text
    body = response.content.decode()
    assert reverse("policies:pack_check", args=[MEASURES]) in body and "保存为新版本" in body


def test_checking_a_bad_rule_shows_the_chinese_error_with_its_line_and_saves_nothing(world, working):
    text = broken_text()
    response = world.client_for(world.admin).post(
        reverse("policies:pack_check", args=[MEASURES]), {"text": text}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "检查未通过" in body and "员工数" in body
    assert f"第{line_of(text, '员工数 >= 10')}行" in body
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1


def test_checking_a_clean_text_names_the_items_it_changes_without_saving(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_check", args=[MEASURES]), {"text": with_hnte_amount(20)}
    )
    body = response.content.decode()
    assert "检查通过" in body and "测试用例全部通过" in body
    assert [c["key"] for c in response.context["changes"]] == [HNTE_ITEM]
    assert "20万元" in body
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1


def test_checking_a_text_of_another_pack_is_refused(world, working):
    other = next(p for p in PolicyPack.objects.filter(is_working=True) if p.name != MEASURES)
    response = world.client_for(world.admin).post(
        reverse("policies:pack_check", args=[MEASURES]), {"text": other.text}
    )
    assert "与正在编辑的政策包" in response.content.decode()


def test_saving_a_bad_rule_lists_the_errors_and_keeps_the_working_version(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_edit", args=[MEASURES]), {"text": broken_text(), "note": "试改"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有保存" in body and "员工数" in body and "现行版本（第 1 版）保持不变" in body
    assert list(PolicyPack.objects.filter(name=MEASURES).values_list("pk", "is_working")) == [
        (working.pk, True)
    ]


@pytest.mark.parametrize("view", ["policies:pack_check", "policies:pack_edit"])
def test_a_misspelt_district_in_a_condition_is_refused_with_the_real_name(world, working, view):
    text = broken_text().replace("员工数 >= 10", "所在区县 = 渭宾区")
    response = world.client_for(world.admin).post(
        reverse(view, args=[MEASURES]), {"text": text, "note": "试改"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert (
        f"第{line_of(text, '所在区县 = 渭宾区')}行" in body and "“新认定（复审）国家高新技术企业奖励”" in body
    )
    assert "所在区县“渭宾区”不是已知的区县，是否为“渭滨区”？" in body
    assert list(PolicyPack.objects.filter(name=MEASURES).values_list("pk", "is_working")) == [
        (working.pk, True)
    ]


def test_an_amount_over_the_ceiling_is_not_saved(world, working, settings):
    settings.ITEM_AMOUNT_CEILING_YUAN = 150_000
    response = world.client_for(world.admin).post(
        reverse("policies:pack_edit", args=[MEASURES]), {"text": with_hnte_amount(20), "note": "加码"}
    )
    assert response.status_code == 400
    assert "金额 20万元 超过单项奖补上限 15万元" in response.content.decode()
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1


def test_a_failing_test_case_is_not_saved_either(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_edit", args=[MEASURES]), {"text": with_hnte_amount(20, update_cases=False)}
    )
    assert response.status_code == 400 and "测试用例" in response.content.decode()
    assert PolicyPack.objects.get(name=MEASURES, is_working=True).pk == working.pk


def test_saving_a_clean_text_makes_it_the_working_version(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_edit", args=[MEASURES]),
        {"text": with_hnte_amount(20), "note": "提高高企奖励"},
        follow=True,
    )
    new = PolicyPack.objects.get(name=MEASURES, is_working=True)
    assert new.pk != working.pk and new.created_by == world.admin and new.note == "提高高企奖励"
    assert RewardItem.objects.get(policy__pack=new, key=HNTE_ITEM).amount_sentence != (
        RewardItem.objects.get(policy__pack=working, key=HNTE_ITEM).amount_sentence
    )
    assert response.redirect_chain[-1][0] == reverse("policies:pack_detail", args=[MEASURES])
    assert "已保存并启用第 2 版" in response.content.decode()


def test_saving_the_same_text_again_makes_no_new_version(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_edit", args=[MEASURES]), {"text": working.text}, follow=True
    )
    assert "没有产生新版本" in response.content.decode()
    assert PolicyPack.objects.filter(name=MEASURES).count() == 1


def test_an_old_version_can_be_loaded_into_the_editor(world, working):
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    response = world.client_for(world.admin).get(
        reverse("policies:pack_edit", args=[MEASURES]), {"from": working.pk}
    )
    assert response.context["form"].initial["text"] == working.text


def test_an_empty_text_is_refused_in_chinese(world, working):
    response = world.client_for(world.admin).post(
        reverse("policies:pack_check", args=[MEASURES]), {"text": ""}
    )
    assert "规则文本不能为空" in response.content.decode()


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_may_edit_or_check_a_pack(world, working, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("policies:pack_edit", args=[MEASURES])).status_code == 403
    posted = client.post(reverse("policies:pack_edit", args=[MEASURES]), {"text": with_hnte_amount(20)})
    assert posted.status_code == 403
    assert client.post(reverse("policies:pack_check", args=[MEASURES]), {"text": "x"}).status_code == 403
    assert PolicyPack.objects.get(name=MEASURES, is_working=True).pk == working.pk


def test_policy_packs_are_the_citys_a_district_admin_may_not_edit_or_check_them(world, working):
    """Leak: a district's 营商办 admin edited the policy packs every district is matched against."""
    client = world.client_for(world.weibin_admin)
    refused = client.get(reverse("policies:pack_edit", args=[MEASURES]))
    assert refused.status_code == 403 and "全市层面的功能" in refused.content.decode()
    posted = client.post(reverse("policies:pack_edit", args=[MEASURES]), {"text": with_hnte_amount(20)})
    assert posted.status_code == 403
    assert PolicyPack.objects.get(name=MEASURES, is_working=True).pk == working.pk
    assert "编辑规则" not in client.get(reverse("policies:pack_detail", args=[MEASURES])).content.decode()


def test_a_district_admin_may_not_check_a_pack_text_either(world, working):
    response = world.client_for(world.jintai_admin).post(
        reverse("policies:pack_check", args=[MEASURES]), {"text": with_hnte_amount(20)}
    )
    assert response.status_code == 403 and "全市层面的功能" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(world, working):
    response = world.client_for(None).post(reverse("policies:pack_edit", args=[MEASURES]), {"text": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_checking_needs_a_post(world, working):
    assert (
        world.client_for(world.admin).get(reverse("policies:pack_check", args=[MEASURES])).status_code == 405
    )
