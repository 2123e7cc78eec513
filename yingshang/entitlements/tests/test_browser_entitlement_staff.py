"""政策兑现台账 in a real browser, staff side: the office approves two entitlements of an item whose
budget covers only one and reads the warning; the lead department's clerk rejects one with a reason
on its page; the clerk of another department finds no buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.entitlements.testing import OTHER_DEPARTMENT, make_entitlement, working_item
from yingshang.entitlements.workflow import State

# An item both test enterprises matched; here led by a department the clerk is not in.
SHARED_ITEM = "xx18_art2_above_scale_service"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ledger(world):
    """Done before the browser starts (see the `page` fixture)."""
    item = working_item()
    item.budget_cap_fen = 150_000_00
    item.save()
    return {
        "acme": make_entitlement(world.acme, state=State.PUSHED),
        "bolt": make_entitlement(world.bolt, state=State.PUSHED),
        "other": make_entitlement(
            world.acme, state=State.PUSHED, department=OTHER_DEPARTMENT, item_key=SHARED_ITEM
        ),
    }


def test_the_office_approves_over_budget_and_is_warned_which_are_held(world, ledger, page):
    log_in(page, world.admin.username)
    page.goto("/policies/")
    page.get_by_role("navigation", name="政策找企业").get_by_role("link", name="政策兑现").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("政策兑现台账")
    counts = page.get_by_role("table", name="各状态数量")
    expect(counts).to_contain_text("已推送")
    save_screenshot(page, "entitlement_ledger")

    title = ledger["acme"].item.title
    page.get_by_label(f"选择 {world.acme.name} {title}").check()
    page.get_by_label(f"选择 {world.bolt.name} {title}").check()
    page.get_by_role("button", name="审核通过").click()

    expect(page.get_by_role("alert")).to_contain_text("预算提醒")
    expect(page.get_by_role("alert")).to_contain_text(world.bolt.name)
    expect(page.get_by_role("table", name="暂缓")).to_contain_text(world.bolt.name)
    expect(page.get_by_role("table", name="已审核通过")).to_contain_text(world.acme.name)
    save_screenshot(page, "entitlement_approval_over_budget")


def test_the_lead_departments_clerk_rejects_with_a_reason_and_another_department_has_no_buttons(
    world, ledger, page
):
    log_in(page, world.clerk.username)
    page.goto(f"/policies/entitlements/{ledger['acme'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ledger["acme"].item.title)
    form = page.get_by_role("form", name="审核不通过")
    form.get_by_label("不通过原因").fill("证书已被撤销")
    form.get_by_role("button", name="审核不通过").click()
    expect(page.locator(".messages")).to_contain_text("已审核不通过")
    expect(page.get_by_role("table", name="办理记录")).to_contain_text("已推送 → 审核不通过")
    expect(page.get_by_role("table", name="办理记录")).to_contain_text("证书已被撤销")
    save_screenshot(page, "entitlement_detail_rejected")

    page.goto(f"/policies/entitlements/{ledger['other'].pk}/")
    expect(page.get_by_role("button", name="审核通过")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("审核由区工信局办理")

    response = page.goto(f"/policies/entitlements/{ledger['bolt'].pk}/")
    assert response is not None and response.status == 404
