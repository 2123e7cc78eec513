"""部门与人员 managed from our own pages (registry/staff.py): adding people, deactivating them, resetting
passwords, editing departments; each also from the forbidden side."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.urls import reverse

from yingshang.conftest import PASSWORD
from yingshang.registry.models import ApiToken, Department, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Weibin-Clerk-2026!"


def _new_clerk(world, client, **fields):
    data = {
        "username": "ma_wenbo",
        "first_name": "马文博",
        "role": "dept_staff",
        "department": world.weibin_samr.pk,
        "is_active": "on",
        **fields,
    }
    return client.post(reverse("staff_add"), data)


# ---- adding people --------------------------------------------------------------------------------


def test_a_district_admin_adds_a_clerk_and_sees_the_one_time_password_once(world):
    client = world.client_for(world.weibin_admin)
    response = _new_clerk(world, client)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    person = User.objects.get(username="ma_wenbo")
    assert (person.role, person.department, person.must_change_password) == (
        "dept_staff",
        world.weibin_samr,
        True,
    )
    password = response.context["password"]
    validate_password(password, person)  # meets the configured rules
    assert person.check_password(password)
    assert password in response.content.decode()
    assert person.history.first().history_user == world.weibin_admin
    # Nowhere to read it again.
    assert password not in client.get(reverse("departments")).content.decode()


def test_an_admin_may_set_the_first_password_itself_if_it_meets_the_rules(world):
    client = world.client_for(world.weibin_admin)
    response = _new_clerk(world, client, password="abc", password_again="abc")
    assert "密码太短" in response.content.decode()
    assert not User.objects.filter(username="ma_wenbo").exists()
    _new_clerk(world, client, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert User.objects.get(username="ma_wenbo").check_password(NEW_PASSWORD)


def test_a_district_admin_adds_an_enterprise_user_of_its_district_only(world):
    client = world.client_for(world.weibin_admin)
    refused = _new_clerk(world, client, role="enterprise", department="", enterprise_uscc=world.bolt.uscc)
    assert "或它不在您的辖区内" in refused.content.decode()
    assert not User.objects.filter(username="ma_wenbo").exists()
    _new_clerk(world, client, role="enterprise", department="", enterprise_uscc=world.acme.uscc)
    assert User.objects.get(username="ma_wenbo").enterprise == world.acme


def test_a_district_admin_cannot_add_people_to_another_district_or_the_city(world):
    client = world.client_for(world.weibin_admin)
    for department in (world.jintai_samr, world.office):
        response = _new_clerk(world, client, role="office_admin", department=department.pk)
        assert "所选部门不在您可以分配的范围内" in response.content.decode()
    response = _new_clerk(world, client, role="", department="")
    assert "请为新账号选择所属部门" in response.content.decode()
    assert not User.objects.filter(username="ma_wenbo").exists()


def test_a_taken_username_is_refused_in_chinese(world):
    response = _new_clerk(world, world.client_for(world.weibin_admin), username="clerk")
    assert "该用户名已被使用" in response.content.decode()


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_only_an_administrator_adds_people(world, who):
    response = _new_clerk(world, world.client_for(getattr(world, who)))
    assert response.status_code == 403
    assert not User.objects.filter(username="ma_wenbo").exists()


def test_an_anonymous_visitor_cannot_add_people(world):
    assert _new_clerk(world, world.client_for(None)).status_code == 302
    assert not User.objects.filter(username="ma_wenbo").exists()


# ---- a new password must be changed at the next login ---------------------------------------------


def test_a_person_with_an_administrators_password_must_change_it_first(world):
    world.clerk.must_change_password = True
    world.clerk.save()
    client = world.client_for(world.clerk)
    response = client.get(reverse("registry:enterprise_list"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    world.clerk.refresh_from_db()
    assert not world.clerk.must_change_password
    assert client.get(reverse("registry:enterprise_list")).status_code == 200


# ---- deactivating and reactivating ----------------------------------------------------------------


def test_a_district_admin_deactivates_and_reactivates_its_clerk(world):
    client = world.client_for(world.weibin_admin)
    client.post(reverse("staff_activation", args=["clerk"]), {"active": "0"})
    world.clerk.refresh_from_db()
    assert not world.clerk.is_active
    assert world.client_for(world.clerk).get(reverse("registry:enterprise_list")).status_code == 302
    client.post(reverse("staff_activation", args=["clerk"]), {"active": "1"})
    world.clerk.refresh_from_db()
    assert world.clerk.is_active
    changes = [r.is_active for r in world.clerk.history.all()[:2]]
    assert changes == [True, False]


def test_an_admin_cannot_deactivate_itself(world):
    client = world.client_for(world.weibin_admin)
    response = client.post(reverse("staff_activation", args=["weibin_admin"]), {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    response = client.post(
        reverse("staff_edit", args=["weibin_admin"]),
        {"first_name": "渭滨区管理员", "role": "office_admin", "department": world.weibin_office.pk},
    )
    assert "不能停用自己的账号" in response.content.decode()
    world.weibin_admin.refresh_from_db()
    assert world.weibin_admin.is_active


def test_another_districts_admin_cannot_deactivate_this_districts_clerk(world):
    response = world.client_for(world.jintai_admin).post(
        reverse("staff_activation", args=["clerk"]), {"active": "0"}
    )
    assert response.status_code == 404
    world.clerk.refresh_from_db()
    assert world.clerk.is_active


@pytest.mark.parametrize("who", ["other_clerk", "owner", "nobody"])
def test_nobody_but_an_administrator_deactivates_people(world, who):
    response = world.client_for(getattr(world, who)).post(
        reverse("staff_activation", args=["clerk"]), {"active": "0"}
    )
    assert response.status_code == 403
    world.clerk.refresh_from_db()
    assert world.clerk.is_active


# ---- resetting a password and lifting a lockout ---------------------------------------------------


def test_a_district_admin_resets_a_password_to_a_one_time_password(world):
    AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.9", user_agent="x", failures_since_start=5
    )
    client = world.client_for(world.weibin_admin)
    page = client.get(reverse("staff_password", args=["clerk"])).content.decode()
    assert "近期登录失败 5 次" in page and "账号已被锁定" in page
    response = client.post(reverse("staff_password", args=["clerk"]), {"password": "", "password_again": ""})
    world.clerk.refresh_from_db()
    password = response.context["password"]
    assert world.clerk.check_password(password) and not world.clerk.check_password(PASSWORD)
    assert world.clerk.must_change_password
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_a_password_set_by_the_admin_must_meet_the_rules(world):
    client = world.client_for(world.weibin_admin)
    response = client.post(
        reverse("staff_password", args=["clerk"]), {"password": "staff123", "password_again": "staff123"}
    )
    assert "密码太短" in response.content.decode()
    response = client.post(
        reverse("staff_password", args=["clerk"]), {"password": NEW_PASSWORD, "password_again": "other"}
    )
    assert "两次输入的密码不一致" in response.content.decode()
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(PASSWORD)


def test_an_admin_lifts_a_lockout(world):
    AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.9", user_agent="x", failures_since_start=5
    )
    world.client_for(world.weibin_admin).post(reverse("staff_unlock", args=["clerk"]))
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_an_admin_revokes_every_live_api_token_of_a_person(world):
    ApiToken.issue(world.clerk, "区数据平台")
    ApiToken.issue(world.clerk, "报表")
    client = world.client_for(world.weibin_admin)
    assert "有效的接口令牌 2 个" in client.get(reverse("staff_password", args=["clerk"])).content.decode()
    client.post(reverse("staff_tokens_revoke", args=["clerk"]))
    assert not ApiToken.objects.filter(user=world.clerk, revoked_at__isnull=True).exists()


def test_another_districts_admin_cannot_revoke_this_districts_tokens(world):
    ApiToken.issue(world.clerk, "区数据平台")
    response = world.client_for(world.jintai_admin).post(reverse("staff_tokens_revoke", args=["clerk"]))
    assert response.status_code == 404
    assert ApiToken.objects.filter(user=world.clerk, revoked_at__isnull=True).exists()


def test_another_districts_admin_cannot_reset_or_unlock_this_districts_people(world):
    AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.9", user_agent="x", failures_since_start=5
    )
    client = world.client_for(world.jintai_admin)
    assert client.get(reverse("staff_password", args=["clerk"])).status_code == 404
    response = client.post(
        reverse("staff_password", args=["clerk"]), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert client.post(reverse("staff_unlock", args=["clerk"])).status_code == 404
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(PASSWORD)
    assert AccessAttempt.objects.filter(username="clerk").exists()


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_nobody_but_an_administrator_resets_passwords(world, who):
    response = world.client_for(getattr(world, who)).post(
        reverse("staff_password", args=["other_clerk"]), {"password": "", "password_again": ""}
    )
    assert response.status_code == 403
    world.other_clerk.refresh_from_db()
    assert world.other_clerk.check_password(PASSWORD)


# ---- departments ----------------------------------------------------------------------------------


def _department(world, **fields):
    return {
        "name": "渭滨区发展和改革局",
        "code": "weibin-fgj",
        "kind": "department",
        "parent": world.weibin_samr.parent_id,
        "order": "5",
        "is_active": "on",
        **fields,
    }


def test_a_district_admin_adds_a_department_in_its_district(world):
    client = world.client_for(world.weibin_admin)
    response = client.post(reverse("department_add"), _department(world, district=world.jintai.pk))
    assert response.status_code == 302
    added = Department.objects.get(code="weibin-fgj")
    assert added.district == world.weibin  # whatever district was posted
    assert added.history.first().history_user == world.weibin_admin


def test_a_district_admin_cannot_place_a_department_under_the_city_or_another_district(world):
    client = world.client_for(world.weibin_admin)
    for parent in (world.office, world.jintai_samr):
        response = client.post(reverse("department_add"), _department(world, parent=parent.pk))
        assert "所选上级部门不在您可以管理的范围内" in response.content.decode()
    assert not Department.objects.filter(code="weibin-fgj").exists()


def test_a_district_admin_renames_reorders_and_closes_a_department(world):
    client = world.client_for(world.weibin_admin)
    world.clerk.is_active = world.inspector.is_active = False
    world.clerk.save()
    world.inspector.save()
    response = client.post(
        reverse("department_edit", args=[world.weibin_samr.pk]),
        _department(world, name="渭滨区市场监督管理局", code="weibin-samr", order="1", is_active=""),
    )
    assert response.status_code == 302
    world.weibin_samr.refresh_from_db()
    assert (world.weibin_samr.name, world.weibin_samr.order, world.weibin_samr.is_active) == (
        "渭滨区市场监督管理局",
        1,
        False,
    )
    # A closed department is offered to nobody.
    offered = client.get(reverse("staff_add")).context["form"].fields["department"].queryset
    assert world.weibin_samr not in offered and world.weibin_office in offered


def test_a_department_with_active_staff_cannot_be_closed(world):
    response = world.client_for(world.weibin_admin).post(
        reverse("department_edit", args=[world.weibin_samr.pk]),
        _department(world, name="渭滨区市场监管局", code="weibin-samr", is_active=""),
    )
    assert "该部门还有 2 名启用的人员" in response.content.decode()
    world.weibin_samr.refresh_from_db()
    assert world.weibin_samr.is_active


def test_a_department_cannot_move_under_itself(world):
    child = Department.objects.create(
        name="渭滨区市场监管局一科",
        code="weibin-samr-1",
        kind="section",
        parent=world.weibin_samr,
        district=world.weibin,
    )
    response = world.client_for(world.weibin_admin).post(
        reverse("department_edit", args=[world.weibin_samr.pk]),
        _department(world, name="渭滨区市场监管局", code="weibin-samr", parent=child.pk),
    )
    assert "上级部门不能是自身或下级部门" in response.content.decode()


def test_another_districts_admin_cannot_edit_this_districts_departments(world):
    client = world.client_for(world.jintai_admin)
    url = reverse("department_edit", args=[world.weibin_samr.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _department(world, name="越权", code="weibin-samr")).status_code == 404
    # Nor the city's, which it sees in the tree above it.
    assert client.get(reverse("department_edit", args=[world.office.pk])).status_code == 404
    world.weibin_samr.refresh_from_db()
    assert world.weibin_samr.name == "渭滨区市场监管局"


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_nobody_but_an_administrator_edits_departments(world, who):
    client = world.client_for(getattr(world, who))
    response = client.post(
        reverse("department_edit", args=[world.weibin_samr.pk]),
        _department(world, name="越权", code="weibin-samr"),
    )
    assert response.status_code == 403
    assert client.post(reverse("department_add"), _department(world)).status_code == 403


def test_departments_are_listed_in_the_offices_order_not_by_code(world):
    Department.objects.filter(pk=world.weibin_samr.pk).update(order=1)
    Department.objects.filter(pk=world.weibin_office.pk).update(order=2)
    body = world.client_for(world.weibin_admin).get(reverse("departments")).content.decode()
    tree = body[body.index("<table") : body.index("人员与角色")]
    assert tree.index("渭滨区市场监管局") < tree.index("渭滨区营商办")


def test_people_are_listed_by_their_names(world):
    world.clerk.first_name = "马文博"
    world.clerk.save()
    body = world.client_for(world.weibin_admin).get(reverse("departments")).content.decode()
    assert "<td>马文博</td>" in body
    assert str(world.clerk) == "马文博"
