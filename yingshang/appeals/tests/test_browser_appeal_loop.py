"""An appeal from a window's QR code to its closing, in a real browser (issue #10, item 8): a citizen
submits through the window's 码上监督 link; the routing model in use dispatches it directly to the
district's 市场监管局; the bureau's clerk signs and answers; the citizen rates 不满意 and it is reopened;
answered again and rated 满意, it is closed; the district's 营商办 sees it in the month's analytics."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from yingshang.appeals import services, tasks
from yingshang.appeals.models import Appeal
from yingshang.appeals.testing import category, history_csv
from yingshang.conftest import World, log_in, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WINDOW = "政务服务中心 3 号窗口"


@pytest.fixture
def routed(world: World, settings, tmp_path) -> None:
    """A routing model in use that knows 市场监管, confident enough to dispatch directly."""
    settings.MEDIA_ROOT = tmp_path
    settings.APPEAL_DIRECT_DISPATCH_PERCENT = 1
    category(code="market", name="市场监管", department_name="市场监管局")
    history = SimpleUploadedFile("历史诉求.csv", history_csv(), content_type="text/csv")
    model = tasks.start_training(
        history, text_columns=["诉求内容"], label_column="类别", by=world.admin, runner="inline"
    )
    services.activate_model(model, by=world.admin)


def answer(page: Page, number: str, text: str) -> None:
    page.goto(f"/appeals/{number}/")
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_text("已签收，请在办结期限内答复")).to_be_visible()
    page.get_by_label("答复内容").fill(text)
    page.get_by_role("button", name="答复", exact=True).click()
    expect(page.get_by_text("已答复，等待诉求人评价")).to_be_visible()


def rate(page: Page, track: str, rating: str, reason: str = "") -> None:
    page.goto(track)
    page.get_by_label(rating, exact=True).check()
    if reason:
        page.get_by_label("理由").fill(reason)
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()


def test_a_qr_appeal_goes_round_the_whole_loop(world: World, routed: None, page: Page) -> None:
    page.goto("/appeals/new/?" + urlencode({"d": world.weibin.code, "place": WINDOW}))
    expect(page.get_by_label("发生地点或窗口")).to_have_value(WINDOW)
    page.get_by_label("投诉").check()
    page.get_by_label("诉求内容").fill("大厅旁边的超市在卖过期食品，已经不止一次了")
    page.get_by_label("姓名", exact=True).fill("刘女士")
    page.get_by_label("联系电话", exact=True).fill("13712345678")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#appeal-number")).to_contain_text("已派发")
    expect(page.get_by_text("渭滨区市场监管局", exact=True)).to_be_visible()
    track = page.url
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.place, appeal.handler) == ("qr", WINDOW, world.weibin_samr)
    assert appeal.routing_version and re.fullmatch(r"[0-9a-f]{12}", appeal.routing_version)
    save_screenshot(page, "appeal-track-dispatched")

    log_in(page, world.clerk.username)
    answer(page, appeal.number, "已到现场检查，下架过期食品并立案调查。")
    page.get_by_role("button", name="退出").click()

    rate(page, track, "不满意", "超市还在卖，问题没有解决")
    expect(page.locator("#appeal-number")).to_contain_text("已派发")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.cycle, appeal.reopens) == ("dispatched", 2, 1)

    log_in(page, world.clerk.username)
    answer(page, appeal.number, "已再次检查并约谈经营者，三天后复查未见过期食品。")
    page.get_by_role("button", name="退出").click()

    rate(page, track, "满意")
    expect(page.locator("#appeal-number")).to_contain_text("已办结")
    expect(page.locator("#appeal-rating")).to_contain_text("满意")
    save_screenshot(page, "appeal-track-closed")

    log_in(page, world.weibin_admin.username)
    page.goto("/appeals/analytics/")
    body = page.locator("body")
    expect(body).to_contain_text("受理量1")
    expect(body).to_contain_text("满意率100.0%")
    expect(body).to_contain_text("重办率100.0%")  # the one closed appeal was reopened once
    save_screenshot(page, "appeal-analytics")
