"""The registry in a real browser: a department clerk finds an enterprise by USCC; other doors stay shut."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_department_clerk_finds_an_enterprise_by_uscc_and_opens_its_page(world, page):
    stylesheet_statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            stylesheet_statuses.append(response.status)
            if response.request.resource_type == "stylesheet"
            else None
        ),
    )
    log_in(page, world.clerk.username)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="市场主体").click()
    page.get_by_label("名称或统一社会信用代码").fill(world.acme.uscc)
    page.get_by_role("button", name="查询").click()
    results = page.locator("#results")
    expect(results).to_contain_text(world.acme.name)
    expect(results).not_to_contain_text(world.bolt.name)
    results.get_by_role("link", name=world.acme.uscc).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"企业画像 · {world.acme.name}")
    profile = page.get_by_label("登记信息")
    expect(profile).to_contain_text("统一社会信用代码")
    expect(profile).to_contain_text(world.acme.uscc)
    assert stylesheet_statuses and set(stylesheet_statuses) <= {200, 304}, "样式表没有加载成功"
    save_screenshot(page, "enterprise_profile")

    response = page.goto("/registry/audit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")


def test_an_enterprise_user_cannot_open_the_enterprise_list(world, page):
    log_in(page, world.owner.username)
    navigation = page.get_by_role("navigation", name="主导航")
    expect(navigation.get_by_role("link", name="本企业")).to_be_visible()
    expect(navigation.get_by_role("link", name="市场主体")).to_have_count(0)

    response = page.goto("/registry/enterprises/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")
    expect(page.locator("main")).not_to_contain_text(world.bolt.name)
