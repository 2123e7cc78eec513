"""The demo district's loader (district.py): idempotent, with the departments and logins of the demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from yingshang.core.roles import Role
from yingshang.demo import district as demo
from yingshang.demo import generate, tables
from yingshang.registry.industries import section_of
from yingshang.registry.models import Department, Enterprise, Qualification, User, compute_scale

SMALL = 300

# --- the loader --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_once(django_db_setup: None, django_db_blocker) -> Iterator[demo.DemoSummary]:
    """The district loaded once for the module, in a transaction rolled back when the module ends;
    each test runs in its own savepoint inside it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield demo.load_demo(SMALL, progress=False)
        transaction.set_rollback(True)


@pytest.fixture
def loaded(loaded_once: demo.DemoSummary, db: None) -> demo.DemoSummary:
    return loaded_once


def test_loading_writes_the_entities_with_their_qualifications(loaded: demo.DemoSummary) -> None:
    assert loaded.entities_created == SMALL == Enterprise.objects.count()
    expected = sum(len(e.qualifications) for e in generate.generate_entities(SMALL))
    assert Qualification.objects.count() == expected == loaded.qualifications_created


def test_loaded_entities_get_their_derived_scale_and_section(loaded: demo.DemoSummary) -> None:
    for enterprise in Enterprise.objects.all()[:100]:
        assert enterprise.scale == (compute_scale(enterprise) or "")
        assert enterprise.industry_section == section_of(enterprise.industry_id)


def test_loading_builds_the_department_tree_of_the_plan(loaded: demo.DemoSummary) -> None:
    weibin = Department.objects.get(code="weibin")
    leads = set(weibin.children.values_list("name", flat=True))
    for unit in ("行政审批局", "市场监管局", "税务局", "人社局", "工信局", "发改局", "财政局", "大数据局"):
        assert f"渭滨区{unit}" in leads
    assert "渭滨区城市治理指挥中心" in leads
    samr = Department.objects.get(code="weibin-samr")
    assert set(samr.children.values_list("name", flat=True)) >= {"登记注册科", "执法稽查科"}
    assert Department.objects.get(code="jintai-samr").district.name == "金台区"


def test_loading_twice_changes_nothing(loaded: demo.DemoSummary) -> None:
    before = (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Department.history.count(),
        User.history.count(),
        list(User.objects.order_by("username").values_list("password", flat=True)),
    )
    again = demo.load_demo(SMALL, progress=False)
    after = (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Department.history.count(),
        User.history.count(),
        list(User.objects.order_by("username").values_list("password", flat=True)),
    )
    assert again.entities_created == 0 and again.qualifications_created == 0
    assert after == before


def test_a_bigger_load_adds_only_the_missing_entities(loaded: demo.DemoSummary) -> None:
    first = set(Enterprise.objects.values_list("uscc", "updated_at"))
    bigger = demo.load_demo(SMALL + 100, progress=False)
    assert bigger.entities_created == 100
    assert first <= set(Enterprise.objects.values_list("uscc", "updated_at"))


def test_each_role_has_one_demo_user(loaded: demo.DemoSummary) -> None:
    roles = Counter(User.objects.values_list("role", flat=True))
    for role in (Role.OFFICE_ADMIN, Role.INSPECTOR, Role.ENTERPRISE, Role.NONE):
        assert roles[role.value] == 1
    # One in each district's 市场监管局 (to show the scoping), and 渭滨区工信局's reviewer of 政策兑现.
    assert roles[Role.DEPT_STAFF.value] == 3


def logs_in(username: str, password: str) -> bool:
    """Through the login page, as a person does (the lockout backend needs the request)."""
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("login", tables.DEMO_LOGINS, ids=lambda login: login.username)
def test_each_demo_user_logs_in_with_the_printed_password(
    loaded: demo.DemoSummary, login: tables.DemoLogin
) -> None:
    assert logs_in(login.username, tables.DEMO_PASSWORD)
    assert not logs_in(login.username, "wrong-password")


def test_a_changed_demo_password_is_put_back(loaded: demo.DemoSummary) -> None:
    admin = User.objects.get(username="admin")
    admin.set_password("something-else-2026")
    admin.save()
    demo.load_demo(SMALL, progress=False)
    assert logs_in("admin", tables.DEMO_PASSWORD)


def test_the_enterprise_user_is_bound_to_a_qualified_enterprise(loaded: demo.DemoSummary) -> None:
    company = User.objects.get(username="company")
    assert company.enterprise.uscc == generate.showcase_uscc()
    assert company.enterprise.qualifications.filter(kind="hnte").exists()
    assert company.enterprise.district.name == "渭滨区"


def test_the_office_admin_works_in_the_business_environment_office(loaded: demo.DemoSummary) -> None:
    admin = User.objects.get(username="admin")
    assert admin.department.name == "渭滨区职转和营商办"
    inspector = User.objects.get(username="inspector")
    assert (inspector.department.parent.name, inspector.department.name) == ("渭滨区市场监管局", "执法稽查科")


def test_the_other_districts_clerk_sees_none_of_weibins_entities(loaded: demo.DemoSummary) -> None:
    clerk = User.objects.get(username="jintai_staff")
    visible = clerk.visible_enterprises()
    assert visible.exists()
    assert not visible.filter(district__code="610302").exists()
    response = Client()
    response.force_login(clerk)
    assert response.get(f"/registry/enterprises/{generate.showcase_uscc()}/").status_code == 404


def test_the_user_without_a_role_cannot_open_the_registry(loaded: demo.DemoSummary) -> None:
    client = Client()
    client.force_login(User.objects.get(username="guest"))
    assert client.get("/registry/enterprises/").status_code == 403


def test_the_enterprise_user_cannot_open_another_enterprise(loaded: demo.DemoSummary) -> None:
    client = Client()
    client.force_login(User.objects.get(username="company"))
    other = Enterprise.objects.exclude(uscc=generate.showcase_uscc()).first()
    assert client.get(f"/registry/enterprises/{other.uscc}/").status_code in (403, 404)


def test_a_non_positive_size_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="至少为 1"):
        demo.load_demo(0, progress=False)
