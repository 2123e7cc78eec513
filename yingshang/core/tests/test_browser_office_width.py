"""The staff pages on a common office screen (1,366 × 768): no page scrolls sideways; a table wider than
the page scrolls inside its own box (`.table-scroll`), never the whole page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import log_in, save_screenshot
from yingshang.entitlements.testing import make_entitlement, payable
from yingshang.entitlements.workflow import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = [
    ("home", []),
    ("registry:enterprise_list", []),
    ("registry:audit_log", []),
    ("workdays:calendar", []),
    ("policies:library", []),
    ("policies:calculator_index", []),
    ("policies:run_list", []),
    ("entitlements:entitlement_list", []),
    ("entitlements:budgets", []),
    ("entitlements:notice_list", []),
    ("entitlements:batch_list", []),
    ("entitlements:reports", []),
    ("entitlements:possible", []),
    ("entitlements:data_gaps", []),
    ("appeals:appeal_list", []),
]
# The elements that stick out past the screen's right edge (named in a failure, to say what to fix).
WIDER = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > width)
  .map((el) => `${el.tagName}.${el.className} ${(el.textContent || '').trim().slice(0, 24)}`)
  .slice(-5)"""


@pytest.fixture
def cases(world):
    """Entitlements in several states of both districts: the ledger, report and budget pages have rows."""
    payable(world.acme)
    make_entitlement(
        world.acme, item_key="xx18_art3_srdi_backbone", state=State.PUSHED, amount_fen=300_000_00
    )
    make_entitlement(world.bolt, state=State.APPROVED)


def test_no_staff_page_scrolls_sideways_on_a_1366_pixel_screen(world, cases, page):
    urls = [reverse(name, args=args) for name, args in PAGES]
    urls.append(reverse("policies:calculator", args=[world.acme.uscc]))
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, world.admin.username)
    wide = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if page.evaluate("() => document.documentElement.scrollWidth") > 1366:
            wide[url] = page.evaluate(WIDER, 1366)
        save_screenshot(page, "office_1366_" + url.strip("/").replace("/", "_"))
    assert wide == {}
