"""The one scope rule: who may see and change which rows, and which functions are the city's own.

Every model says what its rows are, with a class attribute `scope`:

- `Owned(district=..., department=..., enterprise=...)`: rows that belong to a district, a department
  or an enterprise; each argument is the field path (or a tuple of paths, any of which may match) from
  the model to that owner, e.g. `Owned(district="enterprise__district", enterprise="enterprise")`;
- `Personal(user="user")`: rows that belong to one person (API tokens): only that person sees them;
- `CITY_LEVEL`: rows of the whole city (policy packs, the working-day calendar, match runs): every user
  with a role reads them, only city-level staff change them;
- `PUBLIC`: reference rows anyone may read (districts, industry codes); only city-level staff change them.

A model without a declaration cannot be scoped: `scoped()` raises `ScopeUndeclared`, so a new table is
never shown to everyone by accident. Who the viewer is comes from `scope_of(user)`, computed once per
user object from its attributes (role, department and its district, enterprise, is_active): this module
imports no other app.

Owned rows, by viewer (`Reach`):

- NOBODY (anonymous, inactive, no role): none;
- CITY (the city 营商办's admin): all, to view and change;
- DISTRICT (a district 营商办's admin): its district's, to view and change;
- DEPARTMENT (department staff, inspectors): their department's district's (a city-level department:
  all); to change, narrowed to their own department where the model names one (to view too, where the
  model says `department_only`: appeals);
- ENTERPRISE (an enterprise user, a 企业码 visitor): its enterprise's.

Capabilities (core.roles) say what a role may do at all; this module says over which rows, and which
capabilities are city-level functions (`CITY_LEVEL_CAPABILITIES`: only staff of a department with no
district hold them). A role grants only roles and departments inside its own reach (`grantable_roles`,
`grantable_departments`). Views mark city-level functions with core.permissions.city_level.
docs/development.md, section "Scope", has the table for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

from yingshang.core.roles import SEPARATED_ROLES, Role, role_can

Action = Literal["view", "change"]
M = TypeVar("M", bound=models.Model)

# The office and, where duties are separated (三权分立), the system and security administrators and the
# auditor: each reaches its department's district (or the city) as a whole; capabilities say what it does.
ADMIN_ROLES = frozenset({Role.OFFICE_ADMIN, *SEPARATED_ROLES})
STAFF_ROLES = frozenset({Role.DEPT_STAFF, Role.INSPECTOR, *ADMIN_ROLES})

# Functions of the whole city: the working-day calendar, policy packs, city-wide match runs and what-if,
# entitlements generated from a city-wide run, budgets of every district. Held only by city-level staff.
CITY_LEVEL_CAPABILITIES = frozenset(
    {"calendar.manage", "policies.manage", "policies.run", "entitlements.budgets", "entitlements.generate"}
)
CITY_LEVEL_REFUSED = "这是全市层面的功能，只有市级部门（市营商办）可以使用"


class ScopeUndeclared(TypeError):
    """A model was scoped that does not say whose its rows are (add a `scope = …` to it)."""


class Reach(StrEnum):
    NOBODY = "nobody"  # anonymous, inactive, or without a role
    CITY = "city"  # the city 营商办's admin (department without a district)
    DISTRICT = "district"  # a district 营商办's admin
    DEPARTMENT = "department"  # department staff and inspectors (of a district, or city-level)
    ENTERPRISE = "enterprise"  # an enterprise user, or a visitor who opened the 企业码


@dataclass(frozen=True)
class Scope:
    """Who a viewer is, for every scope decision: computed once per user (`scope_of`)."""

    reach: Reach
    role: Role = Role.NONE
    user_id: int | None = None
    district_id: int | None = None  # None for city-level staff (and for non-staff)
    department_id: int | None = None
    enterprise_id: int | None = None

    @classmethod
    def of_enterprise(cls, enterprise_id: int) -> Scope:
        """An enterprise as the viewer without an account: a 企业码 visitor, the enterprise's own page."""
        return cls(Reach.ENTERPRISE, Role.ENTERPRISE, enterprise_id=enterprise_id)

    @property
    def is_staff(self) -> bool:
        return self.reach in (Reach.CITY, Reach.DISTRICT, Reach.DEPARTMENT)

    @property
    def city_level(self) -> bool:
        """Staff of a department with no district: the city's own (city-wide data, city-level functions)."""
        return self.is_staff and self.district_id is None


NOBODY = Scope(Reach.NOBODY)
# The platform itself acting for the city (a scheduled push, the demo loader): the whole city's rows.
SYSTEM = Scope(Reach.CITY, Role.OFFICE_ADMIN)


def scope_of(who: Any) -> Scope:
    """The viewer's scope: a Scope as it is; None or an anonymous user: NOBODY; a user: from its role,
    department (and that department's district), enterprise and is_active. Kept on the user object,
    recomputed when one of those attributes changed."""
    if isinstance(who, Scope):
        return who
    if who is None or not getattr(who, "is_authenticated", False):
        return NOBODY
    key = (
        who.pk,
        getattr(who, "role", ""),
        getattr(who, "is_active", False),
        getattr(who, "department_id", None),
        getattr(who, "enterprise_id", None),
    )
    cached = getattr(who, "_scope_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    scope = _compute_scope(who)
    who._scope_cache = (key, scope)
    return scope


def _compute_scope(user: Any) -> Scope:
    if not user.is_active:
        return NOBODY
    try:
        role = Role(user.role or "")
    except ValueError:
        return NOBODY
    if role == Role.ENTERPRISE:
        if user.enterprise_id is None:
            return Scope(Reach.NOBODY, role, user_id=user.pk)
        return Scope(Reach.ENTERPRISE, role, user_id=user.pk, enterprise_id=user.enterprise_id)
    if role not in STAFF_ROLES or user.department_id is None:
        # Keeps the role's capabilities (the pages say what is missing) but reaches no rows.
        return Scope(Reach.NOBODY, role, user_id=user.pk)
    district_id = user.department.district_id
    if role in ADMIN_ROLES:
        reach = Reach.CITY if district_id is None else Reach.DISTRICT
    else:
        reach = Reach.DEPARTMENT
    return Scope(reach, role, user_id=user.pk, district_id=district_id, department_id=user.department_id)


# ---- what a model declares --------------------------------------------------------------------------

Paths = str | tuple[str, ...] | None


def _paths(value: Paths) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class Rule:
    """What a model's rows are; `condition` says which rows a scope may see or change."""

    def condition(self, scope: Scope, action: Action) -> Q | bool:  # True: all rows; False: none
        raise NotImplementedError

    def paths(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class Owned(Rule):
    """Rows owned by a district, a department and/or an enterprise, found along these field paths.

    `shared_city_rows`: rows with no district are the city's and every staff member may read them (the
    department tree: a district sees the city's departments above it, never change them).
    `department_only`: department staff see (not only change) just their own department's rows; the
    district's other departments do not read them (an appeal is its handling departments' business)."""

    district: Paths = None
    department: Paths = None
    enterprise: Paths = None
    shared_city_rows: bool = False
    department_only: bool = False

    def paths(self) -> tuple[str, ...]:
        return (*_paths(self.district), *_paths(self.department), *_paths(self.enterprise))

    def condition(self, scope: Scope, action: Action) -> Q | bool:
        if scope.reach == Reach.NOBODY:
            return False
        if scope.reach == Reach.ENTERPRISE:
            return _any_equal(_paths(self.enterprise), scope.enterprise_id) or False
        narrow: Q | None = None
        if (
            (action == "change" or self.department_only)
            and scope.reach == Reach.DEPARTMENT
            and self.department
        ):
            narrow = _any_equal(_paths(self.department), scope.department_id)
            if narrow is None:
                return False
        if scope.district_id is None:
            return narrow or True
        own = _any_equal(_paths(self.district), scope.district_id)
        if own is None:
            return False
        if action == "view" and self.shared_city_rows:
            city_rows = Q()
            for path in _paths(self.district):
                city_rows &= Q(**{f"{path}__isnull": True})
            own = own | city_rows
        return own if narrow is None else own & narrow


@dataclass(frozen=True)
class Personal(Rule):
    """Rows of one person (their API tokens): only that person, whatever their role."""

    user: str = "user"

    def paths(self) -> tuple[str, ...]:
        return (self.user,)

    def condition(self, scope: Scope, action: Action) -> Q | bool:
        return Q(**{self.user: scope.user_id}) if scope.user_id is not None else False


@dataclass(frozen=True)
class Shared(Rule):
    """Rows nobody owns: read by everyone (`public`) or by every user with a role; changed by the city."""

    public: bool

    def condition(self, scope: Scope, action: Action) -> Q | bool:
        if action == "change":
            return scope.city_level
        return self.public or scope.reach != Reach.NOBODY


CITY_LEVEL = Shared(public=False)
PUBLIC = Shared(public=True)


def _any_equal(paths: tuple[str, ...], value: int | None) -> Q | None:
    """Rows whose owner along any of the paths is `value`; None when there is no path (or no owner)."""
    if not paths or value is None:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(**{path: value})
    return condition


def rule_of(model: type[models.Model]) -> Rule:
    """The model's declaration; ScopeUndeclared when it has none."""
    rule = getattr(model, "scope", None)
    if not isinstance(rule, Rule):
        raise ScopeUndeclared(
            f"{model._meta.label} 没有声明数据归属"
            "（scope = Owned(...) / Personal(...) / CITY_LEVEL / PUBLIC），不能按权限范围查询"
        )
    return rule


def _crosses_many(model: type[models.Model], path: str) -> bool:
    """Whether a field path walks a to-many relation (a filter on it could repeat rows)."""
    current = model
    for name in path.split("__"):
        if name == "pk":
            return False
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return False


def scoped(queryset: QuerySet[M] | models.Manager[M], who: Any, action: Action = "view") -> QuerySet[M]:
    """`queryset` narrowed to the rows `who` (a user, a Scope, None) may see (`action="view"`) or change
    (`"change"`), by what its model declares. Raises ScopeUndeclared for a model without a declaration."""
    qs = queryset.all()
    rule = rule_of(qs.model)
    condition = rule.condition(scope_of(who), action)
    if condition is True:
        return qs
    if condition is False:
        return qs.none()
    if any(_crosses_many(qs.model, path) for path in rule.paths()):
        # A to-many path (a 公示's entitlements) would repeat rows in a join: match the keys instead.
        return qs.filter(pk__in=qs.model._base_manager.filter(condition).values("pk"))
    return qs.filter(condition)


def in_reach(obj: models.Model, who: Any, action: Action = "view") -> bool:
    """Whether one object is within what `who` may see (or change)."""
    return scoped(type(obj)._default_manager.all(), who, action).filter(pk=obj.pk).exists()


def scoped_history(history: QuerySet[Any], who: Any, action: Action = "view") -> QuerySet[Any]:
    """Rows of a django-simple-history table about objects (as they are now) within `who`'s reach."""
    model = history.model.instance_type
    keys = scoped(model._default_manager.all(), who, action).values("pk")
    return history.filter(**{f"{model._meta.pk.attname}__in": keys})


# ---- capabilities and city-level functions ------------------------------------------------------------


def can(who: Any, capability: str) -> bool:
    """The role holds the capability (an inactive account holds none), and a city-level capability is
    held only by city-level staff."""
    scope = scope_of(who)
    if not role_can(scope.role, capability, separation_of_duties()):
        return False
    return capability not in CITY_LEVEL_CAPABILITIES or scope.city_level


def separation_of_duties() -> bool:
    """Whether this deployment separates the system administrator, the security administrator and the
    auditor from the office (三权分立, YINGSHANG_SEPARATION_OF_DUTIES); read on every call so a test may
    switch it."""
    return bool(getattr(settings, "SEPARATION_OF_DUTIES", False))


def is_city_level(who: Any) -> bool:
    return scope_of(who).city_level


def require_city_level(who: Any, *capabilities: str) -> None:
    """For services and the API: PermissionDenied (Chinese) unless `who` is city-level staff holding one
    of the capabilities (any role with a city-level department when none are named)."""
    if not is_city_level(who):
        raise PermissionDenied(CITY_LEVEL_REFUSED)
    role, separated = scope_of(who).role, separation_of_duties()
    if capabilities and not any(role_can(role, c, separated) for c in capabilities):
        raise PermissionDenied("您的角色无权使用该功能")


# ---- granting: roles and departments inside the granter's reach ----------------------------------------


def grantable_roles(who: Any) -> list[Role]:
    """The roles `who` may give: the city's administrator of people (营商办, or 系统管理员 where duties are
    separated) any; a district's any, but only with departments and enterprises of its own district
    (`grantable_departments`); nobody else any. The 三权分立 roles only where duties are separated."""
    scope = scope_of(who)
    if scope.reach not in (Reach.CITY, Reach.DISTRICT) or not can(who, "staff.manage"):
        return []
    separated = separation_of_duties()
    return [
        Role.NONE,
        *(role for role in Role if role != Role.NONE and (separated or role not in SEPARATED_ROLES)),
    ]


def grantable_departments(queryset: QuerySet[M] | models.Manager[M], who: Any) -> QuerySet[M]:
    """The departments `who` may put a person into: those it may change (a district: its own)."""
    if not grantable_roles(who):
        return queryset.none()
    return scoped(queryset, who, "change")


def may_grant(who: Any, role: Role | str, department: Any = None) -> bool:
    """Whether `who` may give `role` in `department` (None: no department)."""
    try:
        wanted = Role(role or "")
    except ValueError:
        return False
    if wanted not in grantable_roles(who):
        return False
    if department is None:
        return True
    return in_reach(department, who, "change")
