"""The shared small named world every test can ask for.

Two districts (渭滨区, 金台区); a city-level 营商办, a 市场监管局 in each district; one user of each
role, a second department clerk and enterprise owner on the other side, and one user with no access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from yingshang.core.roles import Role
from yingshang.registry.models import Department, District, Enterprise, Qualification, Street, User
from yingshang.registry.testing import make_enterprise, make_uscc

PASSWORD = "Yingshang-test-2026"


@dataclass
class World:
    weibin: District
    jintai: District
    office: Department
    weibin_samr: Department
    jintai_samr: Department
    acme: Enterprise  # in 渭滨区
    bolt: Enterprise  # in 金台区
    admin: User
    clerk: User  # 渭滨区市场监管局
    other_clerk: User  # 金台区市场监管局
    inspector: User  # 渭滨区市场监管局
    owner: User  # bound to acme
    other_owner: User  # bound to bolt
    nobody: User  # logged in, no role

    def client_for(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def _user(username: str, role: Role, **fields: object) -> User:
    user = User(username=username, role=role.value, first_name=username, **fields)
    user.set_password(PASSWORD)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests flush the database; without serialized_rollback the migration-loaded
    industry table is gone for every test after them, so insist on it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}：事务型测试必须设置 serialized_rollback=True")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2 at a million rounds costs a second a user; tests need the check, not the cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    weibin = District.objects.create(code="610302", name="渭滨区")
    jintai = District.objects.create(code="610303", name="金台区")
    street = Street.objects.create(district=weibin, name="经二路街道")
    city = Department.objects.create(name="宝鸡市", code="city", kind="city")
    office = Department.objects.create(name="市营商办", code="city-yingshang", kind="department", parent=city)
    weibin_gov = Department.objects.create(
        name="渭滨区", code="weibin", kind="district", parent=city, district=weibin
    )
    jintai_gov = Department.objects.create(
        name="金台区", code="jintai", kind="district", parent=city, district=jintai
    )
    weibin_samr = Department.objects.create(
        name="渭滨区市场监管局", code="weibin-samr", kind="department", parent=weibin_gov, district=weibin
    )
    jintai_samr = Department.objects.create(
        name="金台区市场监管局", code="jintai-samr", kind="department", parent=jintai_gov, district=jintai
    )
    acme = make_enterprise(
        make_uscc("91610302MA6X00001"),
        "宝鸡市渭滨区示例科技有限公司",
        weibin,
        street=street,
        industry_id="3911",
        employees=120,
        annual_revenue_fen=80_000_000_00,
    )
    bolt = make_enterprise(
        make_uscc("91610303MA6X00002"),
        "宝鸡市金台区螺栓制造有限公司",
        jintai,
        industry_id="3311",
        employees=8,
    )
    Qualification.objects.create(
        enterprise=acme,
        kind="hnte",
        level="national",
        certified_on=dt.date(2024, 11, 1),
        expires_on=dt.date(2027, 10, 31),
        source="测试数据",
        as_of=dt.date(2026, 6, 30),
    )
    return World(
        weibin=weibin,
        jintai=jintai,
        office=office,
        weibin_samr=weibin_samr,
        jintai_samr=jintai_samr,
        acme=acme,
        bolt=bolt,
        admin=_user("admin", Role.OFFICE_ADMIN, department=office),
        clerk=_user("clerk", Role.DEPT_STAFF, department=weibin_samr),
        other_clerk=_user("other_clerk", Role.DEPT_STAFF, department=jintai_samr),
        inspector=_user("inspector", Role.INSPECTOR, department=weibin_samr),
        owner=_user("owner", Role.ENTERPRISE, enterprise=acme),
        other_owner=_user("other_owner", Role.ENTERPRISE, enterprise=bolt),
        nobody=_user("nobody", Role.NONE),
    )
