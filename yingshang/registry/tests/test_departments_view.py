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
