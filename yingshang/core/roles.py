"""The roles of the platform and what each may do. Plain Python: views, the API and tests share it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE_ADMIN = "office_admin"
    DEPT_STAFF = "dept_staff"
    INSPECTOR = "inspector"
    ENTERPRISE = "enterprise"
    # 三权分立 (YINGSHANG_SEPARATION_OF_DUTIES): only in deployments that separate them from the office.
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDITOR = "auditor"
    NONE = ""

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.OFFICE_ADMIN: "营商办管理员",
    Role.DEPT_STAFF: "部门工作人员",
    Role.INSPECTOR: "执法检查员",
    Role.ENTERPRISE: "企业用户",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDITOR: "安全审计员",
    Role.NONE: "未分配角色",
}

# Capabilities are named after what a person does; a view or API endpoint asks for one of them. Over which
# rows, and which capabilities only the city holds, is core.scope's to say.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "registry.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR}),
    "registry.import": frozenset({Role.OFFICE_ADMIN}),
    "registry.export": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "registry.own_enterprise": frozenset({Role.ENTERPRISE}),
    "departments.view": frozenset(
        {Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}
    ),
    "audit.view": frozenset({Role.OFFICE_ADMIN}),
    "calendar.manage": frozenset({Role.OFFICE_ADMIN}),
    "calendar.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR}),
    # People and departments: accounts, roles, departments (staff.manage); passwords and lockouts
    # (staff.passwords).
    "staff.manage": frozenset({Role.OFFICE_ADMIN}),
    "staff.passwords": frozenset({Role.OFFICE_ADMIN}),
    # 政策找企业: staff read the library, results and calculator of entities in their scope; the office
    # edits packs and starts runs; an enterprise sees its own calculator.
    "policies.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "policies.manage": frozenset({Role.OFFICE_ADMIN}),
    "policies.run": frozenset({Role.OFFICE_ADMIN}),
    "policies.calculate_own": frozenset({Role.ENTERPRISE}),
    # 政策兑现 (entitlements): staff see and review those of enterprises in their scope and items their
    # department leads; the office pushes, publishes 公示 and records payments; an enterprise sees its own.
    "entitlements.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "entitlements.review": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "entitlements.manage": frozenset({Role.OFFICE_ADMIN}),
    "entitlements.own": frozenset({Role.ENTERPRISE}),
    # City-level functions (core.scope.CITY_LEVEL_CAPABILITIES): held only by staff of a department with
    # no district, whatever the role says. Budgets are the city's pool; a ledger from a city-wide run.
    "entitlements.budgets": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "entitlements.generate": frozenset({Role.OFFICE_ADMIN}),
    "reports.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "messages.own": frozenset({Role.ENTERPRISE}),
    # 接诉即办 (appeals): staff see the appeals of their district (a department: those it handles, 主办 or
    # 协办); the office dispatches, approves extensions and supervises; departments sign, return, reply.
    "appeals.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "appeals.dispatch": frozenset({Role.OFFICE_ADMIN}),
    "appeals.handle": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "appeals.own": frozenset({Role.ENTERPRISE}),
    "api.tokens": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR, Role.ENTERPRISE}),
}


# 三权分立 (等保 level 3), where a deployment wants it (YINGSHANG_SEPARATION_OF_DUTIES): the office runs the
# business and no longer manages accounts or reads the audit trail. The 系统管理员 manages people and
# departments (no business data), the 安全管理员 passwords and lockouts, the 安全审计员 reads the audit
# trail and changes nothing. Every capability not named here stays as in CAPABILITIES.
SEPARATED_CAPABILITIES: dict[str, frozenset[Role]] = {
    "staff.manage": frozenset({Role.SYSTEM_ADMIN}),
    "staff.passwords": frozenset({Role.SECURITY_ADMIN}),
    "audit.view": frozenset({Role.AUDITOR}),
}
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


def role_can(role: Role | str, capability: str, separation: bool = False) -> bool:
    """True when the role holds the capability (with duties separated, when `separation`); an unknown
    capability is never granted."""
    try:
        role = Role(role)
    except ValueError:
        return False
    if role in SEPARATED_ROLES and not separation:
        return False  # a deployment without 三权分立 has no use for these roles: they hold nothing
    allowed = (SEPARATED_CAPABILITIES if separation else {}).get(capability) or CAPABILITIES.get(capability)
    return allowed is not None and role in allowed
