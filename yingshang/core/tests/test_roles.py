from __future__ import annotations

import pytest

from yingshang.core.roles import CAPABILITIES, Role, role_can


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.OFFICE_ADMIN, "registry.import", True),
        (Role.DEPT_STAFF, "registry.import", False),
        (Role.INSPECTOR, "registry.view", True),
        (Role.ENTERPRISE, "registry.view", False),
        (Role.ENTERPRISE, "registry.own_enterprise", True),
        (Role.OFFICE_ADMIN, "audit.view", True),
        (Role.DEPT_STAFF, "audit.view", False),
        (Role.NONE, "registry.view", False),
        (Role.OFFICE_ADMIN, "no.such.capability", False),
        ("bogus-role", "registry.view", False),
    ],
)
def test_role_can_answers_from_the_capability_table(role, capability, allowed):
    assert role_can(role, capability) is allowed


def test_no_capability_is_granted_to_a_user_without_a_role():
    assert not any(Role.NONE in roles for roles in CAPABILITIES.values())


def test_every_role_has_a_chinese_label():
    assert {r.label for r in Role} == {
        "营商办管理员",
        "部门工作人员",
        "执法检查员",
        "企业用户",
        "系统管理员",
        "安全管理员",
        "安全审计员",
        "未分配角色",
    }


@pytest.mark.parametrize(
    ("role", "capability", "separated", "allowed"),
    [
        # Without 三权分立 (the default): the office does it all, the three roles hold nothing.
        (Role.OFFICE_ADMIN, "staff.manage", False, True),
        (Role.OFFICE_ADMIN, "staff.passwords", False, True),
        (Role.OFFICE_ADMIN, "audit.view", False, True),
        (Role.SYSTEM_ADMIN, "staff.manage", False, False),
        (Role.SECURITY_ADMIN, "staff.passwords", False, False),
        (Role.AUDITOR, "audit.view", False, False),
        (Role.SYSTEM_ADMIN, "departments.view", False, False),
        # With it: each duty to one role, the office keeps its business.
        (Role.OFFICE_ADMIN, "staff.manage", True, False),
        (Role.OFFICE_ADMIN, "staff.passwords", True, False),
        (Role.OFFICE_ADMIN, "audit.view", True, False),
        (Role.OFFICE_ADMIN, "entitlements.manage", True, True),
        (Role.SYSTEM_ADMIN, "staff.manage", True, True),
        (Role.SYSTEM_ADMIN, "departments.view", True, True),
        (Role.SYSTEM_ADMIN, "staff.passwords", True, False),
        (Role.SYSTEM_ADMIN, "audit.view", True, False),
        (Role.SYSTEM_ADMIN, "registry.view", True, False),
        (Role.SECURITY_ADMIN, "staff.passwords", True, True),
        (Role.SECURITY_ADMIN, "staff.manage", True, False),
        (Role.SECURITY_ADMIN, "entitlements.view", True, False),
        (Role.AUDITOR, "audit.view", True, True),
        (Role.AUDITOR, "staff.manage", True, False),
        (Role.AUDITOR, "staff.passwords", True, False),
        (Role.AUDITOR, "departments.view", True, False),
        (Role.AUDITOR, "registry.view", True, False),
        (Role.AUDITOR, "api.tokens", True, False),
    ],
)
def test_separation_of_duties_gives_each_duty_to_one_role(role, capability, separated, allowed):
    assert role_can(role, capability, separation=separated) is allowed
