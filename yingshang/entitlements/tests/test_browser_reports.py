"""政策兑现报表 in a real browser: ECharts (from our own static files) draws the three charts from the
options in the page, no script error, the figures' tables stay for screen readers, and a page without
JavaScript shows the tables instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.entitlements.tests.test_reports import cases  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPORT = "/policies/reports/"
CHARTS = ("chart-funnel", "chart-paid-department", "chart-paid-district")


def test_the_report_draws_its_charts_with_echarts_and_keeps_the_figures(world, cases, page):  # noqa: F811
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(  # every script and style the page asks for is served (the favicon is not ours to test)
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    log_in(page, world.admin.username)
    page.goto(REPORT)
    expect(page.get_by_role("heading", level=1)).to_have_text("政策兑现报表 · 全市")
    for chart_id in CHARTS:
        figure = page.locator(f"figure#{chart_id}")
        expect(figure).to_have_class(re.compile(r"\bis-drawn\b"))
        expect(figure.locator(".chart-canvas svg")).to_have_count(1)  # ECharts' SVG renderer
        # The figures stay in the page for screen readers, out of sight.
        expect(figure.get_by_role("table")).to_be_attached()
        expect(figure.get_by_role("table")).not_to_be_in_viewport()
    department = page.locator("figure#chart-paid-department .chart-canvas")
    expect(department).to_contain_text("200,000.00 元")  # the server's text on the bar, not a raw number
    save_screenshot(page, "entitlement_reports_charts")
    assert errors == []


def test_without_javascript_the_report_shows_the_figures_as_tables(world, cases, live_server, page):  # noqa: F811
    log_in(page, world.admin.username)
    quiet = page.context.browser.new_context(
        base_url=live_server.url, locale="zh-CN", java_script_enabled=False
    )
    quiet.add_cookies(page.context.cookies())  # the same logged-in session
    plain = quiet.new_page()
    plain.goto(REPORT)
    funnel = plain.locator("figure#chart-funnel")
    expect(funnel.get_by_role("table")).to_be_visible()
    expect(funnel.get_by_role("table")).to_contain_text("新认定（复审）国家高新技术企业奖励")
    expect(funnel.locator(".chart-canvas svg")).to_have_count(0)
    save_screenshot(plain, "entitlement_reports_without_javascript")
    quiet.close()
