"""The one scope rule (core.scope): who each user is, which rows each may see and change, what the city
alone may do, and what each may grant."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from yingshang.core.roles import SEPARATED_ROLES, Role
from yingshang.core.scope import (
    CITY_LEVEL_CAPABILITIES,
    NOBODY,
    Reach,
    Rule,
    Scope,
    ScopeUndeclared,
    can,
    grantable_departments,
    grantable_roles,
    in_reach,
    may_grant,
    require_city_level,
    scope_of,
    scoped,
)
from yingshang.registry.models import Department, Enterprise, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "reach", "district"),
    [
        ("admin", Reach.CITY, None),
        ("weibin_admin", Reach.DISTRICT, "weibin"),
        ("jintai_admin", Reach.DISTRICT, "jintai"),
        ("clerk", Reach.DEPARTMENT, "weibin"),
        ("other_clerk", Reach.DEPARTMENT, "jintai"),
        ("inspector", Reach.DEPARTMENT, "weibin"),
        ("owner", Reach.ENTERPRISE, None),
        ("nobody", Reach.NOBODY, None),
    ],
)
def test_each_user_of_the_world_has_the_reach_of_its_role_and_department(world, who, reach, district):
    scope = scope_of(getattr(world, who))
    assert scope.reach == reach
    assert scope.district_id == (getattr(world, district).pk if district else None)


def test_anonymous_visitors_and_inactive_accounts_reach_nothing(world):
    assert scope_of(None) == NOBODY
    assert scope_of(AnonymousUser()) == NOBODY
    world.weibin_admin.is_active = False
    assert scope_of(world.weibin_admin).reach == Reach.NOBODY
    assert not scoped(Enterprise.objects.all(), world.weibin_admin).exists()


def test_a_scope_is_recomputed_when_the_role_or_department_changes(world):
    user = world.nobody
    assert scope_of(user).reach == Reach.NOBODY
    user.role, user.department = Role.OFFICE_ADMIN.value, world.jintai_office
    assert scope_of(user) == Scope(
        Reach.DISTRICT,
        Role.OFFICE_ADMIN,
        user_id=user.pk,
        district_id=world.jintai.pk,
        department_id=world.jintai_office.pk,
    )


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("admin", {"acme", "bolt"}),
        ("weibin_admin", {"acme"}),
        ("jintai_admin", {"bolt"}),
        ("clerk", {"acme"}),
        ("other_clerk", {"bolt"}),
        ("owner", {"acme"}),
        ("other_owner", {"bolt"}),
        ("nobody", set()),
    ],
)
def test_enterprises_are_seen_by_their_district_the_city_and_themselves(world, who, seen):
    rows = set(scoped(Enterprise.objects.all(), getattr(world, who)).values_list("pk", flat=True))
    assert rows == {getattr(world, name).pk for name in seen}


def test_a_code_visitor_is_the_enterprise_itself(world):
    visitor = Scope.of_enterprise(world.bolt.pk)
    assert list(scoped(Enterprise.objects.all(), visitor)) == [world.bolt]
    assert not scoped(User.objects.all(), visitor).exists()  # people are never an enterprise's rows


def test_a_district_reads_the_city_departments_above_it_but_changes_only_its_own(world):
    seen = set(scoped(Department.objects.all(), world.weibin_admin).values_list("code", flat=True))
    assert seen == {"city", "city-yingshang", "weibin", "weibin-yingshang", "weibin-samr"}
    changed = scoped(Department.objects.all(), world.weibin_admin, "change")
    assert set(changed.values_list("code", flat=True)) == {"weibin", "weibin-yingshang", "weibin-samr"}


def test_a_district_admin_manages_the_people_of_its_district_only(world):
    managed = set(scoped(User.objects.all(), world.weibin_admin, "change").values_list("username", flat=True))
    # Its staff and the users of its enterprises; never the city's admin, another district, or an
    # unassigned account (the city's to assign).
    assert managed == {"weibin_admin", "clerk", "inspector", "owner"}


def test_department_staff_change_only_people_of_their_own_department(world):
    changed = set(scoped(User.objects.all(), world.clerk, "change").values_list("username", flat=True))
    assert changed == {"clerk", "inspector"}


def test_an_object_outside_the_reach_is_not_in_reach(world):
    assert in_reach(world.acme, world.weibin_admin)
    assert not in_reach(world.acme, world.jintai_admin)
    assert not in_reach(world.acme, None)


def test_a_model_that_does_not_say_whose_its_rows_are_cannot_be_scoped(world):
    with pytest.raises(ScopeUndeclared, match="没有声明数据归属"):
        scoped(ContentType.objects.all(), world.admin)


def test_every_model_of_the_platform_declares_whose_its_rows_are():
    undeclared = [
        model._meta.label
        for config in apps.get_app_configs()
        if config.name.startswith("yingshang.")
        for model in config.get_models()
        if not hasattr(model, "instance_type")  # django-simple-history's tables follow their model
        and not isinstance(getattr(model, "scope", None), Rule)
    ]
    assert undeclared == [], "这些模型没有声明数据归属（scope）：" + "、".join(undeclared)


@pytest.mark.parametrize("capability", sorted(CITY_LEVEL_CAPABILITIES))
def test_city_level_functions_are_held_by_the_city_alone(world, capability):
    assert not can(world.weibin_admin, capability)
    assert not can(world.clerk, capability)
    assert not can(world.owner, capability)


def test_the_city_admin_holds_the_city_level_functions_its_role_grants(world):
    assert can(world.admin, "policies.run") and can(world.admin, "calendar.manage")
    assert can(world.weibin_admin, "entitlements.manage")  # a district's own work stays its own
    assert world.weibin_admin.can("registry.import") and not world.weibin_admin.can("policies.manage")


def test_require_city_level_says_why_in_chinese(world):
    require_city_level(world.admin, "policies.run")
    with pytest.raises(PermissionDenied, match="全市层面的功能"):
        require_city_level(world.jintai_admin, "policies.run")
    with pytest.raises(PermissionDenied, match="无权"):
        require_city_level(world.admin, "entitlements.own")


def test_the_city_grants_every_role_and_department(world):
    # The 三权分立 roles only where a deployment separates the duties (test_separation_of_duties.py).
    assert set(grantable_roles(world.admin)) == set(Role) - SEPARATED_ROLES
    assert grantable_departments(Department.objects.all(), world.admin).count() == Department.objects.count()


def test_a_district_grants_only_inside_its_district(world):
    departments = set(grantable_departments(Department.objects.all(), world.weibin_admin))
    assert departments == {world.weibin_office, world.weibin_samr, Department.objects.get(code="weibin")}
    assert may_grant(world.weibin_admin, Role.OFFICE_ADMIN, world.weibin_office)
    assert not may_grant(world.weibin_admin, Role.OFFICE_ADMIN, world.office)  # never city-level
    assert not may_grant(world.weibin_admin, Role.OFFICE_ADMIN, world.jintai_office)  # nor another district


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_people_without_staff_management_grant_nothing(world, who):
    user = getattr(world, who)
    assert grantable_roles(user) == []
    assert not grantable_departments(Department.objects.all(), user).exists()
