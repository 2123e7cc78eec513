"""政策计算器 in a real browser: an enterprise user logs in and finds what its enterprise may receive,
with the reason for each condition; another enterprise's calculator stays shut."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.policies import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def packs(world) -> None:
    services.sync_shipped_packs()  # before the browser starts (see the `page` fixture)


def test_an_enterprise_user_sees_its_calculator_with_items_and_reasons(world, packs, page):
    log_in(page, world.owner.username)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政策计算器").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"政策计算器 · {world.acme.name}")
    eligible = page.get_by_role("region", name="符合", exact=True)
    expect(eligible.get_by_role("article")).to_have_count(1)
    expect(eligible).to_contain_text("新认定（复审）国家高新技术企业奖励")
    expect(eligible).to_contain_text("100,000.00 元")
    expect(eligible).to_contain_text("资质认定 国家级高新技术企业")
    expect(eligible).to_contain_text("：满足")
    expect(page.get_by_role("region", name="需企业确认", exact=True)).to_contain_text("需企业确认：")
    save_screenshot(page, "policy_calculator_enterprise")

    response = page.goto(f"/policies/calculator/{world.bolt.uscc}/")
    assert response is not None and response.status == 403
    expect(page.locator("main")).not_to_contain_text(world.bolt.name)
