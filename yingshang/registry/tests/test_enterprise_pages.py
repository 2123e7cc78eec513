from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_clerk_finds_an_enterprise_of_their_district_by_uscc_prefix(world):
    response = world.client_for(world.clerk).get(
        reverse("registry:enterprise_list"), {"q": world.acme.uscc[:10]}
    )
    assert response.status_code == 200
    assert world.acme.name in response.content.decode()


def test_a_clerk_does_not_see_enterprises_of_another_district(world):
    response = world.client_for(world.clerk).get(reverse("registry:enterprise_list"), {"q": world.bolt.uscc})
    assert world.bolt.name not in response.content.decode()
    detail = world.client_for(world.clerk).get(reverse("registry:enterprise_detail", args=[world.bolt.uscc]))
    assert detail.status_code == 404


def test_the_office_admin_sees_every_district(world):
    response = world.client_for(world.admin).get(reverse("registry:enterprise_list"))
    body = response.content.decode()
    assert world.acme.name in body and world.bolt.name in body


def test_the_enterprise_page_shows_each_value_with_its_source(world):
    response = world.client_for(world.clerk).get(
        reverse("registry:enterprise_detail", args=[world.acme.uscc])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "120 人" in body and "测试数据" in body and "2026-06-30" in body
    assert "国家" in body and "高新技术企业" in body
    assert "小型" in body  # 工业: 120 人 is below the 中型 bound of 300 人, so 小型 whatever the revenue


@pytest.mark.parametrize("who", ["owner", "other_owner", "nobody"])
def test_the_list_is_refused_to_roles_without_registry_access(world, who):
    response = world.client_for(getattr(world, who)).get(reverse("registry:enterprise_list"))
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    response = world.client_for(None).get(reverse("registry:enterprise_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_enterprise_user_sees_only_their_own_enterprise(world):
    client = world.client_for(world.owner)
    mine = client.get(reverse("registry:my_enterprise"))
    assert mine.status_code == 200 and world.acme.name in mine.content.decode()
    assert client.get(reverse("registry:enterprise_detail", args=[world.bolt.uscc])).status_code == 403


def test_the_audit_trail_is_for_the_office_admin_only(world):
    assert world.client_for(world.admin).get(reverse("registry:audit_log")).status_code == 200
    for who in (world.clerk, world.inspector, world.owner, world.nobody):
        assert world.client_for(who).get(reverse("registry:audit_log")).status_code == 403


def test_the_audit_trail_shows_who_changed_what(world):
    world.acme.employees = 130
    world.acme.save()
    body = (
        world.client_for(world.admin)
        .get(reverse("registry:audit_log"), {"kind": "enterprise"})
        .content.decode()
    )
    assert "从业人数：120 → 130" in body  # the field's Chinese name, not its code name
    assert world.acme.name in body and " as of " not in body  # the object as pages name it


def test_a_login_is_not_listed_as_a_change_of_the_user(world):
    before = world.clerk.history.count()
    client = Client()
    client.post(reverse("login"), {"username": world.clerk.username, "password": PASSWORD})
    assert "_auth_user_id" in client.session
    world.clerk.refresh_from_db()
    assert world.clerk.last_login is not None and world.clerk.history.count() == before


def test_a_real_change_of_a_user_is_still_audited_with_who_did_it(world):
    world.clerk.phone = "13900000001"
    world.clerk._history_user = world.admin
    world.clerk.save()
    body = world.client_for(world.admin).get(reverse("registry:audit_log"), {"kind": "user"}).content.decode()
    assert "手机号：（空） → 13900000001" in body
    assert f"{world.clerk.get_full_name()}（{world.clerk.username}）" in body


def test_the_export_link_shows_only_for_roles_that_may_export(world):
    url = reverse("registry:enterprise_list")
    assert "导出 Excel" in world.client_for(world.clerk).get(url).content.decode()
    assert "导出 Excel" not in world.client_for(world.inspector).get(url).content.decode()


def test_the_audit_trail_shows_a_district_only_the_changes_of_what_is_in_its_reach(world):
    """Leak: another district's user changes, with phone numbers, on the audit page."""
    world.clerk.phone = "13900001234"
    world.clerk.save()
    world.acme.employees = 130
    world.acme.save()
    url = reverse("registry:audit_log")
    other = world.client_for(world.jintai_admin).get(url).content.decode()
    assert "13900001234" not in other and "120 → 130" not in other
    assert world.acme.name not in other
    own = world.client_for(world.weibin_admin).get(url).content.decode()
    assert "13900001234" in own and "120 → 130" in own
    assert "13900001234" in world.client_for(world.admin).get(url, {"kind": "user"}).content.decode()
