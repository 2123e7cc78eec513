"""The roles of the platform and what each may do. Plain Python: views, the API and tests share it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE_ADMIN = "office_admin"
    DEPT_STAFF = "dept_staff"
    INSPECTOR = "inspector"
    ENTERPRISE = "enterprise"
    NONE = ""

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.OFFICE_ADMIN: "营商办管理员",
    Role.DEPT_STAFF: "部门工作人员",
    Role.INSPECTOR: "执法检查员",
    Role.ENTERPRISE: "企业用户",
    Role.NONE: "未分配角色",
}

# Capabilities are named after what a person does; a view or API endpoint asks for one of them. Over which
# rows, and which capabilities only the city holds, is core.scope's to say.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "registry.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR}),
    "registry.import": frozenset({Role.OFFICE_ADMIN}),
    "registry.export": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF}),
    "registry.own_enterprise": frozenset({Role.ENTERPRISE}),
    "departments.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR}),
    "audit.view": frozenset({Role.OFFICE_ADMIN}),
    "calendar.manage": frozenset({Role.OFFICE_ADMIN}),
    "calendar.view": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR}),
    "staff.manage": frozenset({Role.OFFICE_ADMIN}),
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
    "api.tokens": frozenset({Role.OFFICE_ADMIN, Role.DEPT_STAFF, Role.INSPECTOR, Role.ENTERPRISE}),
}


def role_can(role: Role | str, capability: str) -> bool:
    """True when the role holds the capability; an unknown capability is never granted."""
    allowed = CAPABILITIES.get(capability)
    if allowed is None:
        return False
    try:
        return Role(role) in allowed
    except ValueError:
        return False
