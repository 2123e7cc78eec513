"""三权分立 (YINGSHANG_SEPARATION_OF_DUTIES): the 系统管理员 manages people and departments, the 安全管理员
passwords and lockouts, the 安全审计员 reads the audit trail; the office then does none of these. Each
role's pages are tried from the forbidden side: the other two roles, the office, another district."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import PASSWORD, World, _user
from yingshang.core.roles import Role
from yingshang.core.scope import grantable_roles

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Separated-Duty-2026!"


@pytest.fixture
def separated(settings, world: World) -> dict[str, object]:
    settings.SEPARATION_OF_DUTIES = True
    return {
        "system": _user("weibin_system", Role.SYSTEM_ADMIN, department=world.weibin_office),
        "security": _user("weibin_security", Role.SECURITY_ADMIN, department=world.weibin_office),
        "auditor": _user("weibin_auditor", Role.AUDITOR, department=world.weibin_office),
        "jintai_system": _user("jintai_system", Role.SYSTEM_ADMIN, department=world.jintai_office),
    }


def _edit_clerk(world: World, client) -> int:
    return client.post(
        reverse("staff_edit", args=["clerk"]),
        {"first_name": "clerk", "role": "inspector", "department": world.weibin_samr.pk, "is_active": "on"},
    ).status_code


def _reset_clerk(client) -> int:
    return client.post(
        reverse("staff_password", args=["clerk"]), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    ).status_code


def test_the_system_administrator_manages_people_and_nothing_else(world, separated):
    client = world.client_for(separated["system"])
    assert _edit_clerk(world, client) == 302
    world.clerk.refresh_from_db()
    assert world.clerk.role == "inspector"
    assert _reset_clerk(client) == 403
    assert client.get(reverse("registry:audit_log")).status_code == 403
    # No business data: the registry, the ledger and its payment files are not its pages.
    assert client.get(reverse("registry:enterprise_list")).status_code == 403
    assert client.get(reverse("entitlements:entitlement_list")).status_code == 403


def test_the_security_administrator_resets_passwords_and_assigns_no_roles(world, separated):
    client = world.client_for(separated["security"])
    assert _reset_clerk(client) == 200
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(NEW_PASSWORD) and world.clerk.must_change_password
    assert _edit_clerk(world, client) == 403
    assert client.post(reverse("staff_activation", args=["clerk"]), {"active": "0"}).status_code == 403
    assert client.get(reverse("registry:audit_log")).status_code == 403
    assert client.get(reverse("registry:enterprise_list")).status_code == 403
    page = client.get(reverse("departments")).content.decode()
    assert "重置密码" in page and reverse("staff_add") not in page


def test_the_auditor_reads_the_audit_trail_and_changes_nothing(world, separated):
    client = world.client_for(separated["auditor"])
    assert client.get(reverse("registry:audit_log")).status_code == 200
    assert client.get(reverse("registry:access_log")).status_code == 200
    assert _edit_clerk(world, client) == 403
    assert _reset_clerk(client) == 403
    assert client.get(reverse("departments")).status_code == 403
    assert client.get(reverse("registry:enterprise_list")).status_code == 403
    world.clerk.refresh_from_db()
    assert world.clerk.role == "dept_staff" and world.clerk.check_password(PASSWORD)


def test_the_office_no_longer_manages_people_or_reads_the_audit_trail(world, separated):
    client = world.client_for(world.weibin_admin)
    assert _edit_clerk(world, client) == 403
    assert _reset_clerk(client) == 403
    assert client.get(reverse("registry:audit_log")).status_code == 403
    assert client.get(reverse("registry:access_log")).status_code == 403
    assert client.get(reverse("registry:enterprise_list")).status_code == 200  # its business stays


def test_another_districts_system_administrator_cannot_reach_this_districts_people(world, separated):
    client = world.client_for(separated["jintai_system"])
    assert _edit_clerk(world, client) == 404
    assert client.get(reverse("department_edit", args=[world.weibin_samr.pk])).status_code == 404


def test_the_three_roles_are_offered_only_where_duties_are_separated(world, settings):
    assert Role.AUDITOR not in grantable_roles(world.admin)
    settings.SEPARATION_OF_DUTIES = True
    system = _user("city_system", Role.SYSTEM_ADMIN, department=world.office)
    assert {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR} <= set(grantable_roles(system))
    assert grantable_roles(world.admin) == []


def test_without_separation_the_three_roles_reach_nothing(world):
    auditor = _user("idle_auditor", Role.AUDITOR, department=world.weibin_office)
    client = world.client_for(auditor)
    assert client.get(reverse("registry:audit_log")).status_code == 403
    assert client.get(reverse("departments")).status_code == 403


@pytest.mark.parametrize("role", ["system", "security", "auditor"])
def test_each_role_has_its_home_page(world, separated, role):
    response = world.client_for(separated[role]).get(reverse("home"))
    assert response.status_code == 200
