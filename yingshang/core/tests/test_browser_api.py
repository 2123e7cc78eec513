"""The API in a real browser: the docs page works offline; a token issued on the page works, then stops."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from yingshang.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CALL_ME = """async (key) => {
    const response = await fetch("/api/registry/me", {headers: {Authorization: "Bearer " + key}});
    return {status: response.status, body: await response.json()};
}"""


def test_the_api_docs_render_without_leaving_the_server(world, page: Page, live_server) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    expect(page.get_by_text("营商环境服务平台 API").first).to_be_visible()
    expect(page.locator("#swagger-ui")).to_contain_text("/api/registry/enterprises")
    outside = [
        url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")
    ]
    assert outside == [], f"文档页访问了外部地址：{outside}"


def test_a_clerk_issues_a_token_uses_it_and_revokes_it(world, page: Page) -> None:
    log_in(page, world.clerk.username)

    page.goto("/account/tokens/")
    page.get_by_label("用途").fill("浏览器测试")
    page.get_by_role("button", name="签发令牌").click()
    key = page.locator("code.token-key").inner_text().strip()
    assert key.startswith("ys_")

    answer = page.evaluate(CALL_ME, key)
    assert answer["status"] == 200
    assert answer["body"]["username"] == world.clerk.username

    page.get_by_role("button", name="吊销令牌 浏览器测试").click()
    expect(page.locator(".messages")).to_contain_text("已吊销")
    expect(page.locator("code.token-key")).to_have_count(0)
    answer = page.evaluate(CALL_ME, key)
    assert answer["status"] == 401
    assert "接口令牌" in answer["body"]["detail"]
