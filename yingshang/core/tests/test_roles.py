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
    assert {r.label for r in Role} == {"营商办管理员", "部门工作人员", "执法检查员", "企业用户", "未分配角色"}
