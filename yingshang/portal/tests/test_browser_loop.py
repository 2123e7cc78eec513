"""From match to money in a real browser (issue 4, item 8): an enterprise confirms a 快申快享 item through
its 企业码 link; the department's clerk approves it; the office publishes a 公示 that the public page shows
without personal data; after the 公示 period the payment is recorded; the enterprise sees 已兑付.

Days pass in the middle of the story, so the clock is fixed: `django.utils.timezone.now` answers a set
moment, the same for the test and the live server's thread (the services, the pages and the sessions all
ask it). The 公示 lasts one working day, published on Wednesday 2026-07-01; payment is recorded on the
Friday after it ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from yingshang.conftest import PASSWORD, World, log_in, save_screenshot
from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.services import create_entitlements_from_run, push_for_confirmation
from yingshang.policies import services
from yingshang.policies.testing import finished_match
from yingshang.portal.codes import enterprise_code_url
from yingshang.registry.models import Department, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ITEM = "xx18_art3_srdi_backbone"  # 快申快享, 30万元, led by 区工信局
PUBLISHED = dt.datetime(2026, 7, 1, 10, 0, tzinfo=clock.SHANGHAI)  # a Wednesday
PAID = dt.date(2026, 7, 3)  # the Friday: the one-working-day 公示 ended on Thursday
PHONE = "13912345678"
ACCOUNT = "6222020200112233445"


class Clock:
    """What `clock.now()` answers while the test runs."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@dataclass
class Loop:
    clock: Clock
    entitlement_id: int
    item_title: str
    conditions: list[str]
    code_url: str
    clerk: str


@pytest.fixture
def loop(world: World, monkeypatch: pytest.MonkeyPatch) -> Loop:
    """A finished match, acme's entitlements, and the 渭滨区工信局 item pushed to acme on the morning of
    the 公示 day; a clerk of that bureau. All before the browser starts (see the `page` fixture)."""
    clock = Clock(PUBLISHED - dt.timedelta(hours=1))
    monkeypatch.setattr(timezone, "now", clock)
    services.sync_shipped_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    # A 需确认 pair: the office tells acme through a 核实推送 (such pairs do not enter the ledger alone).
    push_for_confirmation(run, ITEM, by=world.admin, enterprise_ids=[world.acme.pk])
    entitlement = Entitlement.objects.select_related("item").get(enterprise=world.acme, item_key=ITEM)
    assert entitlement.state == "pushed"
    bureau = Department.objects.create(
        name="渭滨区工信局",
        code="weibin-industry",
        kind="department",
        parent=world.weibin_samr.parent,
        district=world.weibin,
    )
    clerk = User(username="industry_clerk", first_name="李工", role=Role.DEPT_STAFF.value, department=bureau)
    clerk.set_password(PASSWORD)
    clerk.save()
    return Loop(
        clock=clock,
        entitlement_id=entitlement.pk,
        item_title=entitlement.item.title,
        conditions=list(entitlement.to_confirm),
        code_url=enterprise_code_url(world.acme),
        clerk=clerk.username,
    )


def start_over(page: Page) -> None:
    """Another person at the machine: nobody logged in, no 企业码 session."""
    page.context.clear_cookies()


def test_an_item_goes_from_confirmation_by_code_link_to_paid(world, loop, page) -> None:
    acme, detail = world.acme, f"/policies/entitlements/{loop.entitlement_id}/"

    # 1. The enterprise scans its 明白卡: the 企业码 link opens its page without a login.
    page.goto(loop.code_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(acme.name)
    page.locator(f"#confirm-link-{loop.entitlement_id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(loop.item_title)
    for condition in loop.conditions:
        page.get_by_label(condition).check()
    page.get_by_label("确认人姓名").fill("王会计")
    page.get_by_label("确认人手机号").fill(PHONE)
    page.get_by_label("收款户名").fill(acme.name)
    page.get_by_label("开户银行").fill("中国工商银行宝鸡渭滨支行")
    page.get_by_label("银行账号").fill(ACCOUNT)
    page.get_by_role("button", name="确认并提交").click()
    expect(page.locator("#entitlement-state")).to_have_text("企业已确认")
    save_screenshot(page, "loop_1_confirmed_by_code")

    # 2. The clerk of the bureau that leads the item finds it among the confirmed ones and approves it.
    start_over(page)
    log_in(page, loop.clerk)
    page.goto("/policies/entitlements/?state=confirmed")
    page.get_by_role("link", name=acme.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(loop.item_title)
    expect(page.locator("main")).to_contain_text("王会计")  # who confirmed; a clerk sees the phone masked
    expect(page.locator("main")).to_contain_text("139****5678")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator(".summary-tiles")).to_contain_text("审核通过")
    save_screenshot(page, "loop_2_approved_by_clerk")

    # 3. The office publishes a 公示 of one working day.
    start_over(page)
    log_in(page, world.admin.username)
    page.goto(detail)
    page.get_by_label("公示标题").fill("2026年第一批专精特新骨干企业奖励公示")
    page.get_by_label("公示工作日数").fill("1")
    page.get_by_role("button", name="发布公示").click()
    expect(
        page.get_by_text("已发布公示“2026年第一批专精特新骨干企业奖励公示”：2026-07-01 至 2026-07-02")
    ).to_be_visible()
    expect(page.get_by_role("table", name="公示事项")).to_contain_text(acme.name)
    expect(page.get_by_role("table", name="公示事项")).to_contain_text("公示中")

    # 4. Anyone sees the list: enterprise and amount, no phone number, no bank account.
    start_over(page)
    page.goto("/gongshi/")
    page.get_by_role("link", name="2026年第一批专精特新骨干企业奖励公示").click()
    rows = page.locator("#notice-rows")
    expect(rows).to_contain_text(acme.name)
    expect(rows).to_contain_text("300,000.00 元")
    expect(page.locator("#notice-status")).to_have_text("公示中")
    expect(page.locator("main")).not_to_contain_text(PHONE)
    expect(page.locator("main")).not_to_contain_text(ACCOUNT)
    save_screenshot(page, "loop_4_public_notice")

    # 5. Two days on, the 公示 has ended without objection: the office records the finance bureau's voucher.
    loop.clock.moment = dt.datetime.combine(PAID, dt.time(10, 0), tzinfo=clock.SHANGHAI)
    log_in(page, world.admin.username)
    page.goto(detail)
    expect(page.get_by_label("兑付日期")).to_have_value(PAID.isoformat())
    expect(page.get_by_label("兑付金额（元）")).to_have_value("300000.00")
    page.get_by_label("支付凭证号").fill("WBCZ20260703001")
    page.get_by_role("button", name="登记兑付").click()
    expect(page.locator(".summary-tiles")).to_contain_text("已兑付")
    expect(page.get_by_label("办理记录")).to_contain_text("登记兑付")

    # 6. The enterprise opens its 企业码 link again and sees the money paid.
    start_over(page)
    page.goto(loop.code_url)
    row = page.locator(f"#entitlement-{loop.entitlement_id}")
    expect(row).to_contain_text("已兑付")
    expect(row).to_contain_text("2026-07-03")
    expect(page.locator("#inbox-title").locator("..")).to_contain_text("政策兑现到账提醒")
    save_screenshot(page, "loop_6_enterprise_sees_paid")
