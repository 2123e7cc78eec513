"""The shared small named world every test can ask for, and the browser every app's browser tests use.

Two districts (渭滨区, 金台区); a city-level 营商办, and in each district its own 营商办 and 市场监管局; one
user of each role, the city-level office admin and each district's office admin, a second department
clerk and enterprise owner on the other side, and one user with no access.

Browser: `page` is Playwright driving the system's Chromium (Debian package `chromium`) headless on the
live server. Without Chromium the browser tests are skipped with the reason, except under CI (CI=true),
where a missing browser is a failure: CI must never turn green by not testing the pages.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.registry.models import Department, District, Enterprise, Qualification, Street, User
from yingshang.registry.testing import make_enterprise, make_uscc

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "Yingshang-test-2026"


@dataclass
class World:
    weibin: District
    jintai: District
    office: Department  # 市营商办 (city-level: no district)
    weibin_office: Department  # 渭滨区营商办
    jintai_office: Department  # 金台区营商办
    weibin_samr: Department
    jintai_samr: Department
    acme: Enterprise  # in 渭滨区
    bolt: Enterprise  # in 金台区
    admin: User  # the city 营商办's admin: every district
    weibin_admin: User  # 渭滨区营商办's admin: 渭滨区 only
    jintai_admin: User  # 金台区营商办's admin: 金台区 only
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


# Every test runs on this moment (a Friday, 10:00 北京时间, well inside the years the working-day calendar
# knows), with the clock ticking from there: the suite must pass whatever the wall clock says. A test
# that needs another day moves the clock itself (`clock.travel`, or `on_day` in the 政策兑现 tests).
TEST_MOMENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture(autouse=True)
def _fixed_clock() -> Iterator[None]:
    with clock.travel(TEST_MOMENT, tick=True):
        yield


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
    weibin_office = Department.objects.create(
        name="渭滨区营商办", code="weibin-yingshang", kind="department", parent=weibin_gov, district=weibin
    )
    jintai_office = Department.objects.create(
        name="金台区营商办", code="jintai-yingshang", kind="department", parent=jintai_gov, district=jintai
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
        weibin_office=weibin_office,
        jintai_office=jintai_office,
        weibin_samr=weibin_samr,
        jintai_samr=jintai_samr,
        acme=acme,
        bolt=bolt,
        admin=_user("admin", Role.OFFICE_ADMIN, department=office),
        weibin_admin=_user("weibin_admin", Role.OFFICE_ADMIN, department=weibin_office),
        jintai_admin=_user("jintai_admin", Role.OFFICE_ADMIN, department=jintai_office),
        clerk=_user("clerk", Role.DEPT_STAFF, department=weibin_samr),
        other_clerk=_user("other_clerk", Role.DEPT_STAFF, department=jintai_samr),
        inspector=_user("inspector", Role.INSPECTOR, department=weibin_samr),
        owner=_user("owner", Role.ENTERPRISE, enterprise=acme),
        other_owner=_user("other_owner", Role.ENTERPRISE, enterprise=bolt),
        nobody=_user("nobody", Role.NONE),
    )


# --- the browser ----------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium refuses its sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium() -> str:
    executable = find_chromium()
    if executable is None:
        message = "未找到 Chromium（/usr/bin/chromium），浏览器测试无法运行；请 apt-get install chromium"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture
def page(live_server, transactional_db) -> Iterator[Page]:
    """A headless Chromium page on the live server, in Chinese, with short timeouts.

    Ask for the data fixtures (`world`) before `page` in a test's arguments and do the database work
    before the browser starts: while Playwright's event loop runs on this thread, Django gives the
    thread new per-context database connections, which would miss the test database's serialized
    contents (so the data migrations' rows would not come back after the test) and stay open.
    """
    executable = require_chromium()
    # Only browser tests need Playwright: imported here it costs the other runs nothing (~130 ms).
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # The loop also makes Django call plain ORM calls "async-unsafe"; allowed only while it runs.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page as a person would, and wait until the 退出 button shows."""
    from playwright.sync_api import expect  # browser tests only, as in `page` above

    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def save_screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for a person to look at when YINGSHANG_SCREENSHOTS names a folder."""
    folder = os.environ.get("YINGSHANG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
