"""The 企业码 pages in a real browser: a card prints with its QR code, the code link opens the
enterprise page, the enterprise confirms an item; the public 公示 and policy library need no login."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.policies import services
from yingshang.portal import codes
from yingshang.portal.testing import CONDITIONS, make_entitlement, open_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def prepared(world):
    """Packs, an item waiting for acme's confirmation and a 公示: before the browser starts."""
    services.sync_shipped_packs()
    waiting = make_entitlement(world.acme)
    notice = open_notice(district=world.weibin)
    make_entitlement(world.bolt, state="publicized", notice=notice, amount_fen=8_800_000)
    return {"waiting": waiting, "notice": notice, "url": codes.enterprise_code_url(world.acme)}


def test_an_enterprise_confirms_an_item_through_its_code_link(world, prepared, page):
    page.goto(prepared["url"])
    expect(page.locator("#code-banner")).to_contain_text("通过企业码访问")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.acme.name)
    expect(page.get_by_role("region", name="待确认事项（1 项）")).to_contain_text("50,000.00 元")
    save_screenshot(page, "portal_enterprise_page")

    page.get_by_role("link", name="去确认").click()
    for sentence in CONDITIONS:
        page.get_by_label(sentence).check()
    page.get_by_label("确认人姓名").fill("张经理")
    page.get_by_label("确认人手机号").fill("13800000001")
    page.get_by_label("收款户名").fill(world.acme.name)
    page.get_by_label("开户银行").fill("中国工商银行宝鸡渭滨支行")
    page.get_by_label("银行账号").fill("6222000011112222333")
    save_screenshot(page, "portal_confirm_form")
    page.get_by_role("button", name="确认并提交").click()

    expect(page.locator("#entitlement-state")).to_have_text("企业已确认")
    expect(page.locator(".messages")).to_contain_text("已确认并提交")
    page.get_by_role("button", name="退出").click()
    expect(page.locator("main")).not_to_contain_text(world.acme.name)


def test_the_office_prints_a_card_whose_code_opens_the_page(world, prepared, page):
    log_in(page, world.admin.username)
    page.goto(f"/portal/cards/{world.acme.uscc}/")
    card = page.get_by_role("article", name="明白卡")
    expect(card).to_contain_text(world.acme.uscc)
    expect(card.locator("svg")).to_be_visible()
    save_screenshot(page, "portal_card")
    page.emulate_media(media="print")
    expect(page.locator("#print-card")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(card.locator("svg")).to_be_visible()
    expect(card.locator(".card-foot")).to_be_visible()
    expect(card.locator(".card-foot")).to_contain_text("有效期至")


def test_the_public_notice_and_library_need_no_login(world, prepared, page):
    page.goto("/gongshi/")
    page.get_by_role("link", name=prepared["notice"].title).click()
    expect(page.locator("#notice-rows")).to_contain_text(world.bolt.uscc)
    expect(page.locator("#notice-rows")).to_contain_text("88,000.00 元")
    page.get_by_label("异议内容").fill("")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("#objection-form")).to_contain_text("请填写异议内容")
    save_screenshot(page, "portal_notice")

    page.goto("/zhengce/")
    page.get_by_label("关键词").fill("高新技术企业")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#library-items")).to_contain_text("高新技术企业")
    save_screenshot(page, "portal_library")
