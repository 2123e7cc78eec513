"""政策兑现报表 on an office screen (1,366 × 768): every column of the tables, the money and the working
days included, is on screen without scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yingshang.conftest import log_in, save_screenshot
from yingshang.entitlements.tests.test_reports import cases  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Each report table's box and the right edge of its last header (工作日) against the screen.
FIT = """() => [...document.querySelectorAll('table.report')].map((table) => {
  const box = table.parentElement;
  const last = table.querySelector('thead th:last-child').getBoundingClientRect();
  return {label: table.getAttribute('aria-label'), scroll: box.scrollWidth, width: box.clientWidth,
          right: Math.round(last.right)};
})"""


def test_the_report_tables_fit_a_1366_pixel_screen(world, cases, page):  # noqa: F811
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, world.admin.username)
    page.goto("/policies/reports/")
    expect(page.get_by_role("table", name="按奖补事项")).to_contain_text("新认定（复审）国家高新技术企业奖励")
    tables = page.evaluate(FIT)
    assert len(tables) == 3  # by item, by department, by district (the admin sees the whole city)
    for table in tables:
        assert table["scroll"] <= table["width"] and table["right"] <= 1366, table
    by_item = page.get_by_role("table", name="按奖补事项")
    for header in ("确定金额", "通过金额", "实付金额", "工作日"):
        box = by_item.get_by_role("columnheader", name=header).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1366, (header, box)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    save_screenshot(page, "entitlement_reports_1366")
