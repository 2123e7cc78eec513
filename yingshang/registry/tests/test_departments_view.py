from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_department_tree_shows_each_level_under_its_parent(world):
    body = world.client_for(world.clerk).get(reverse("departments")).content.decode()
    table = body[body.index("<table") :]
    assert table.index("宝鸡市") < table.index("渭滨区<") < table.index("渭滨区市场监管局")
    assert "人员与角色" not in body  # a clerk sees the tree, not the staff management


@pytest.mark.parametrize("who", ["owner", "nobody"])
def test_the_department_tree_is_refused_outside_the_administration(world, who):
    assert world.client_for(getattr(world, who)).get(reverse("departments")).status_code == 403


def test_the_office_admin_assigns_a_role_and_it_is_audited(world):
    client = world.client_for(world.admin)
    response = client.post(
        reverse("staff_edit", args=["nobody"]),
        {"first_name": "新同事", "role": "inspector", "department": world.jintai_samr.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    world.nobody.refresh_from_db()
    assert (world.nobody.role, world.nobody.department) == ("inspector", world.jintai_samr)
    record = world.nobody.history.first()
    assert record.history_user == world.admin
    audit = client.get(reverse("registry:audit_log"), {"kind": "user"}).content.decode()
    assert "inspector" in audit and "admin" in audit


def test_an_enterprise_user_needs_a_uscc_that_exists(world):
    response = world.client_for(world.admin).post(
        reverse("staff_edit", args=["nobody"]),
        {
            "first_name": "企业联系人",
            "role": "enterprise",
            "enterprise_uscc": "91610302MA6X0000X9",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "名录中没有统一社会信用代码为 91610302MA6X0000X9 的市场主体" in response.content.decode()
    world.nobody.refresh_from_db()
    assert world.nobody.role == ""


def test_an_enterprise_user_is_bound_by_uscc(world):
    world.client_for(world.admin).post(
        reverse("staff_edit", args=["nobody"]),
        {
            "first_name": "企业联系人",
            "role": "enterprise",
            "enterprise_uscc": world.bolt.uscc.lower(),
            "is_active": "on",
        },
    )
    world.nobody.refresh_from_db()
    assert world.nobody.enterprise == world.bolt


def test_a_staff_role_without_a_department_is_refused_in_chinese(world):
    response = world.client_for(world.admin).post(
        reverse("staff_edit", args=["nobody"]), {"first_name": "x", "role": "dept_staff", "is_active": "on"}
    )
    assert "工作人员必须属于一个部门" in response.content.decode()


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_changes_roles(world, who):
    client = world.client_for(getattr(world, who))
    response = client.post(reverse("staff_edit", args=["clerk"]), {"role": "office_admin"})
    assert response.status_code == 403
    world.clerk.refresh_from_db()
    assert world.clerk.role == "dept_staff"


def test_an_anonymous_visitor_cannot_change_roles(world):
    response = world.client_for(None).post(reverse("staff_edit", args=["clerk"]), {"role": "office_admin"})
    assert response.status_code == 302
    world.clerk.refresh_from_db()
    assert world.clerk.role == "dept_staff"


# ---- a district 营商办 manages its own district's people, and grants nothing beyond it ----------------


def test_a_district_admin_cannot_make_itself_a_city_level_admin(world):
    """Leak: the 渭滨区 admin moved itself into the city 营商办 (city-level admin of every district)."""
    response = world.client_for(world.weibin_admin).post(
        reverse("staff_edit", args=["weibin_admin"]),
        {
            "first_name": "渭滨区管理员",
            "role": "office_admin",
            "department": world.office.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "所选部门不在您可以分配的范围内" in response.content.decode()
    world.weibin_admin.refresh_from_db()
    assert world.weibin_admin.department == world.weibin_office


def test_a_district_admin_cannot_make_an_unassigned_user_a_city_level_admin(world):
    """Leak: the 渭滨区 admin made `guest` (no role, no department) a city-level admin."""
    response = world.client_for(world.weibin_admin).post(
        reverse("staff_edit", args=["nobody"]),
        {"first_name": "guest", "role": "office_admin", "department": world.office.pk, "is_active": "on"},
    )
    assert response.status_code == 404  # an unassigned account is the city's to assign
    world.nobody.refresh_from_db()
    assert (world.nobody.role, world.nobody.department) == ("", None)


def test_a_district_admin_cannot_make_anyone_another_districts_admin(world):
    response = world.client_for(world.weibin_admin).post(
        reverse("staff_edit", args=["clerk"]),
        {
            "first_name": "clerk",
            "role": "office_admin",
            "department": world.jintai_office.pk,
            "is_active": "on",
        },
    )
    assert "所选部门不在您可以分配的范围内" in response.content.decode()
    world.clerk.refresh_from_db()
    assert (world.clerk.role, world.clerk.department) == ("dept_staff", world.weibin_samr)


def test_a_district_admin_offers_only_its_districts_departments(world):
    body = world.client_for(world.weibin_admin).get(reverse("staff_edit", args=["clerk"])).content.decode()
    assert "渭滨区市场监管局" in body and "渭滨区营商办" in body
    assert "市营商办" not in body and "金台区" not in body


def test_a_district_admin_manages_its_own_districts_people(world):
    response = world.client_for(world.weibin_admin).post(
        reverse("staff_edit", args=["clerk"]),
        {
            "first_name": "clerk",
            "role": "inspector",
            "department": world.weibin_samr.pk,
            "phone": "13900001111",
        },
    )
    assert response.status_code == 302
    world.clerk.refresh_from_db()
    assert (world.clerk.role, world.clerk.phone) == ("inspector", "13900001111")


def test_another_district_admin_cannot_read_or_rewrite_a_districts_clerk(world):
    """Leak: the 金台区 admin rewrote a 渭滨区 clerk's phone."""
    world.clerk.phone = "13900001234"
    world.clerk.save()
    client = world.client_for(world.jintai_admin)
    assert client.get(reverse("staff_edit", args=["clerk"])).status_code == 404
    response = client.post(
        reverse("staff_edit", args=["clerk"]),
        {
            "first_name": "clerk",
            "role": "dept_staff",
            "department": world.jintai_samr.pk,
            "phone": "13000000000",
        },
    )
    assert response.status_code == 404
    world.clerk.refresh_from_db()
    assert (world.clerk.phone, world.clerk.department) == ("13900001234", world.weibin_samr)


def test_the_staff_list_shows_a_district_admin_only_its_districts_people(world):
    world.clerk.phone = "13900001234"
    world.clerk.save()
    body = world.client_for(world.jintai_admin).get(reverse("departments")).content.decode()
    staff = body[body.index("人员与角色") :]
    assert "other_clerk" in staff and "jintai_admin" in staff
    assert "clerk</td>" not in staff.replace("other_clerk</td>", "") and "渭滨区市场监管局" not in body
    assert "weibin_admin" not in staff and "admin</td>" not in staff.replace("jintai_admin</td>", "")


def test_a_district_admin_binds_only_its_districts_enterprises(world):
    response = world.client_for(world.weibin_admin).post(
        reverse("staff_edit", args=["clerk"]),
        {"first_name": "clerk", "role": "enterprise", "enterprise_uscc": world.bolt.uscc, "is_active": "on"},
    )
    assert (
        f"名录中没有统一社会信用代码为 {world.bolt.uscc} 的市场主体，或它不在您的辖区内"
        in response.content.decode()
    )
    world.clerk.refresh_from_db()
    assert world.clerk.enterprise is None
