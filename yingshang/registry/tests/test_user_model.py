from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from yingshang.core.roles import Role
from yingshang.registry.models import User

pytestmark = pytest.mark.django_db


def test_an_enterprise_user_must_be_bound_to_an_enterprise(world):
    user = User(username="x", role=Role.ENTERPRISE.value)
    with pytest.raises(ValidationError, match="必须绑定一家企业"):
        user.full_clean(exclude=["password"])


def test_only_an_enterprise_user_may_be_bound_to_an_enterprise(world):
    user = User(username="x", role=Role.DEPT_STAFF.value, department=world.weibin_samr, enterprise=world.acme)
    with pytest.raises(ValidationError, match="只有企业用户"):
        user.full_clean(exclude=["password"])


def test_staff_must_belong_to_a_department(world):
    user = User(username="x", role=Role.INSPECTOR.value)
    with pytest.raises(ValidationError, match="必须属于一个部门"):
        user.full_clean(exclude=["password"])


@pytest.mark.parametrize(
    ("who", "sees_acme", "sees_bolt"),
    [
        ("admin", True, True),  # city-level office
        ("clerk", True, False),  # 渭滨区 only
        ("other_clerk", False, True),  # 金台区 only
        ("inspector", True, False),
        ("owner", True, False),  # own enterprise only
        ("other_owner", False, True),
        ("nobody", False, False),
    ],
)
def test_each_user_sees_only_the_entities_in_their_scope(world, who, sees_acme, sees_bolt):
    visible = set(getattr(world, who).visible_enterprises().values_list("pk", flat=True))
    assert (world.acme.pk in visible) is sees_acme
    assert (world.bolt.pk in visible) is sees_bolt


def test_an_inactive_user_holds_no_capability(world):
    world.admin.is_active = False
    assert not world.admin.can("registry.view")


def test_a_role_change_is_recorded_with_before_and_after(world):
    world.clerk.role = Role.INSPECTOR.value
    world.clerk.save()
    latest = world.clerk.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("role", "dept_staff", "inspector")]


def test_a_person_is_named_by_their_name_not_their_login(world):
    """Not "审核 reviewer" next to 马文博: every page that prints a user prints their name."""
    world.clerk.first_name = "马文博"
    assert str(world.clerk) == "马文博"
    world.clerk.first_name = ""
    assert str(world.clerk) == "clerk"  # an account without a name keeps its login name


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_the_separated_administrators_belong_to_a_department(world, role):
    user = User(username="x", role=role.value)
    with pytest.raises(ValidationError, match="工作人员必须属于一个部门"):
        user.full_clean(exclude=["password"])
