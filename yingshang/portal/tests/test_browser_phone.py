"""Every page an enterprise or a citizen opens, on a phone (375 × 667 and 360 × 640): the 企业码 page and
its items, the confirmation form, the calculator, messages, the public 政策库 and 公示 with the objection
form. Nothing needs sideways scrolling, the amounts are on screen, and every control is at least 44 px
high, the size a thumb can hit."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.notifications import services as notifications
from yingshang.policies import services
from yingshang.portal import codes
from yingshang.portal.testing import make_entitlement, open_notice, working_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONES = [pytest.param((375, 667), id="375"), pytest.param((360, 640), id="360")]
# What a thumb taps: buttons, form fields, button-like links, navigation, and the links in table rows.
CONTROLS = ", ".join(
    (
        "main button",
        "header button",
        "main a.button",
        "main input:not([type=checkbox]):not([type=radio]):not([type=hidden])",
        "main select",
        "main textarea",
        "main table a",
        "nav a",
        ".who a",
    )
)
TOO_SMALL = """(selector) => [...document.querySelectorAll(selector)]
  .filter((element) => element.offsetParent !== null)
  .map((element) => [(element.textContent || element.name || element.tagName).trim().slice(0, 24),
                     Math.round(element.getBoundingClientRect().height)])
  .filter(([, height]) => height < 44)"""

# The elements that stick out past the right edge (named in a failure, to say what to fix).
WIDER = """(width) => [...document.querySelectorAll('body *')]
  .filter((element) => element.getBoundingClientRect().right > width)
  .map((el) => `${el.tagName}.${el.className} ${(el.textContent || '').trim().slice(0, 24)}`)
  .slice(-5)"""


@pytest.fixture
def prepared(world) -> dict[str, Any]:
    """Packs, an item waiting for acme's confirmation, a message and an open 公示: before the browser."""
    services.sync_shipped_packs()
    waiting = make_entitlement(world.acme)
    (message, *_) = notifications.notify(
        world.acme,
        topic="test",
        subject="政策兑现通知：新认定（复审）国家高新技术企业奖励，请于期限内登录平台或扫描明白卡确认",
        body="您的企业可享受奖补 50,000.00 元，请核对条件并填写收款账户。",
        dedupe_key="phone-test",
    )
    notice = open_notice(district=world.weibin)
    make_entitlement(world.bolt, state="publicized", notice=notice, amount_fen=8_800_000)
    return {
        "url": codes.enterprise_code_url(world.acme),
        "waiting": waiting,
        "message": message,
        "notice": notice,
        "library_item": working_item(waiting.item_key),
    }


def on_phone(page: Page, size: tuple[int, int]) -> int:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    return width


def fits(page: Page, width: int, name: str) -> None:
    """No sideways scrolling, and no control smaller than a thumb."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (page.url, scroll_width, page.evaluate(WIDER, width))
    assert page.evaluate(TOO_SMALL, CONTROLS) == [], f"{page.url}：按钮或链接低于 44px"
    save_screenshot(page, f"phone_{width}_{name}")


def on_screen(page: Page, text: str, width: int, within: str = "main") -> None:
    """`text` is shown whole, inside the screen's width."""
    shown = page.locator(within).get_by_text(text, exact=False).first
    expect(shown).to_be_visible()
    box = shown.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (text, box)


@pytest.mark.parametrize("size", PHONES)
def test_the_enterprise_pages_opened_from_the_code_fit_a_phone(world, prepared, page, size):
    width = on_phone(page, size)
    page.goto(prepared["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(world.acme.name)
    on_screen(page, "50,000.00 元", width, "#entitlements")
    on_screen(page, "50,000.00 元", width, "#awaiting-title + article")
    fits(page, width, "enterprise_home")

    page.get_by_role("link", name="去确认").click()
    expect(page.get_by_role("button", name="确认并提交")).to_be_visible()
    on_screen(page, "50,000.00 元", width)
    fits(page, width, "confirm_form")

    page.goto("/e/calculator/")
    overview = page.get_by_role("region", name="结论一览")
    expect(overview).to_contain_text("新认定（复审）国家高新技术企业奖励")
    on_screen(page, "100,000.00 元", width, "section.calc-overview")
    fits(page, width, "calculator")
    page.locator("#item-eligible-1 summary").click()  # the reasons unfold, and still fit
    expect(page.locator("#item-eligible-1 table.outcomes")).to_be_visible()
    fits(page, width, "calculator_reasons")
    # An item to confirm, from the summary: the folded list opens on the way to it.
    overview.locator("a[href='#item-needs_confirmation-1']").click()
    expect(page.locator("#item-needs_confirmation-1")).to_be_in_viewport()
    fits(page, width, "calculator_to_confirm")

    page.goto("/e/card/")  # the 明白卡 the enterprise may print again
    expect(page.get_by_role("article", name="明白卡")).to_contain_text(world.acme.uscc)
    fits(page, width, "card")

    page.goto(f"/e/messages/{prepared['message'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("政策兑现通知")
    on_screen(page, "50,000.00 元", width)
    fits(page, width, "message")


@pytest.mark.parametrize("size", PHONES)
def test_the_enterprise_users_inbox_and_calculator_fit_a_phone(world, prepared, page, size):
    width = on_phone(page, size)
    log_in(page, world.owner.username)
    fits(page, width, "enterprise_user_home")
    page.get_by_role("banner").get_by_role("link", name="消息").click()
    expect(page.locator("table.inbox")).to_contain_text("政策兑现通知")
    fits(page, width, "inbox")
    page.locator("table.inbox").get_by_role("link").first.click()
    on_screen(page, "50,000.00 元", width)
    fits(page, width, "inbox_message")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="本企业").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.acme.name)
    fits(page, width, "my_enterprise")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政策计算器").click()
    on_screen(page, "100,000.00 元", width, "section.calc-overview")
    fits(page, width, "my_calculator")


@pytest.mark.parametrize("size", PHONES)
def test_the_public_library_and_notices_fit_a_phone(world, prepared, page, size):
    width = on_phone(page, size)
    page.goto("/zhengce/")
    expect(page.locator("#library-items")).to_contain_text(prepared["library_item"].title)
    fits(page, width, "library")

    page.goto(f"/zhengce/items/{prepared['library_item'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(prepared["library_item"].title)
    fits(page, width, "library_item")

    page.goto("/gongshi/")
    expect(page.locator("#notices")).to_contain_text(prepared["notice"].title)
    fits(page, width, "notices")

    page.get_by_role("link", name=prepared["notice"].title).click()
    on_screen(page, "88,000.00 元", width, "#notice-rows tbody")
    on_screen(page, world.bolt.uscc, width, "#notice-rows tbody")
    expect(page.get_by_role("button", name="提交异议")).to_be_visible()
    fits(page, width, "notice_with_objection_form")


def test_the_calculator_at_office_width_answers_first_and_stays_short(world, prepared, page):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(prepared["url"])
    page.goto("/e/calculator/")
    overview = page.get_by_role("region", name="结论一览")
    expect(overview).to_be_in_viewport()  # the answer is on the first screen
    expect(overview).to_contain_text("100,000.00 元")
    for folded in page.locator("article.result details").all():
        expect(folded).not_to_have_attribute("open", "")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 4000, f"政策计算器页面高 {height}px"
    save_screenshot(page, "calculator_1366")
