"""热线分析 (appeals.analytics and views/analytics.py): the month's figures on a small world of appeals
moved through the services, the 12-month trend, the hotspots, the drill-down into the staff list, the
.xlsx — and from the forbidden side: another district's office and another department see none of them."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.appeals import analytics, services
from yingshang.appeals.models import Appeal
from yingshang.appeals.testing import category, department, staff_of, submitted
from yingshang.conftest import TEST_MOMENT, World
from yingshang.core import clock
from yingshang.core.testing import chart_figures
from yingshang.registry.models import Department, User

pytestmark = pytest.mark.django_db

PAGE = reverse("appeals:analytics")
EXPORT = reverse("appeals:analytics_export")
LIST = reverse("appeals:appeal_list")
NOVEMBER = dt.date(2026, 11, 1)
NOISE = "幸福小区工地夜间施工噪音扰民，影响休息"


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=clock.SHANGHAI)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@dataclass
class Town:
    """渭滨区's appeals of November 2026 (and one of October), and one of 金台区."""

    world: World
    tax: Department
    tax_clerk: User
    quick: Appeal  # web, 市场监管, replied in 2 working days, 满意
    reopened: Appeal  # acme's (经二路街道), 企业码, 不满意 → 重办 → 基本满意, 5 working days
    late: Appeal  # a consultation answered by the tax bureau after its deadline, not rated yet
    waiting: Appeal  # hotline, not dispatched
    october: Appeal  # the month before, closed by the office
    elsewhere: Appeal  # 金台区's


def handled(appeal: Appeal, dept: Department, office: User, worker: User, reply_at: dt.datetime) -> Appeal:
    market = category()
    appeal = services.dispatch_appeal(
        appeal, dept, by=office, category=market if dept.code.endswith("samr") else None
    )
    services.sign_appeal(appeal, by=worker)
    clock.move_to(reply_at)
    return services.reply_appeal(appeal, by=worker, text="已核实处理")


@pytest.fixture
def town(world: World) -> Town:
    tax = department("weibin", "渭滨区税务局", "weibin-tax")
    tax_clerk = staff_of(tax, "tax_clerk")
    office = world.weibin_admin

    clock.move_to(at(10, 15))
    october = handled(
        submitted(world.weibin, title="夜间施工噪音", text=NOISE, requester_phone="13700000001"),
        world.weibin_samr, office, world.clerk, at(10, 16),
    )  # fmt: skip
    services.close_appeal(october, by=office, note="三次回访均未接通")

    clock.move_to(at(11, 2, 9))
    quick = handled(
        submitted(world.weibin, title="工地夜间施工噪音", text=NOISE, requester_phone="13700000002"),
        world.weibin_samr, office, world.clerk, at(11, 4),
    )  # fmt: skip
    services.rate_appeal(quick, rating="satisfied")

    clock.move_to(at(11, 3))
    reopened = handled(
        submitted(
            world.weibin,
            title="营业执照变更排队太久",
            requester_phone="13700000003",
            enterprise=world.acme,
            channel="code",
        ),
        world.weibin_samr, office, world.clerk, at(11, 5),
    )  # fmt: skip
    services.rate_appeal(reopened, rating="unsatisfied", reason="没有解决")
    services.sign_appeal(reopened, by=world.clerk)
    clock.move_to(at(11, 10))
    services.reply_appeal(reopened, by=world.clerk, text="已优化窗口")
    services.rate_appeal(reopened, rating="basically")

    clock.move_to(at(11, 4))
    late = handled(
        submitted(
            world.weibin,
            kind="consult",
            title="小区工地晚上施工噪音",
            text=NOISE,
            requester_phone="13700000004",
        ),
        tax, office, tax_clerk, at(11, 12),
    )  # fmt: skip

    clock.move_to(at(11, 16))
    waiting = submitted(
        world.weibin, title="夜里施工噪音太大", text=NOISE, requester_phone="13700000005", channel="hotline"
    )
    clock.move_to(at(11, 5))
    elsewhere = handled(
        submitted(world.jintai, title="金台区的诉求", requester_phone="13700000006"),
        world.jintai_samr, world.jintai_admin, world.other_clerk, at(11, 6),
    )  # fmt: skip
    clock.move_to(TEST_MOMENT)
    return Town(world, tax, tax_clerk, quick, reopened, late, waiting, october, elsewhere)


def lines_by_label(lines: list[analytics.Line]) -> dict[str, analytics.Line]:
    return {line.label: line for line in lines}


def test_the_month_s_figures_for_the_district_office(town: Town) -> None:
    result = analytics.build_analysis(town.world.weibin_admin, NOVEMBER)
    total = result.total
    assert (result.scope, total.received, total.closed, total.replied) == ("渭滨区", 4, 2, 3)
    assert (total.closure_percent, total.on_time_percent, total.timed, total.on_time) == (
        "50.0%",
        "66.7%",
        3,
        2,
    )
    assert (total.satisfaction_percent, total.rated, total.satisfied) == ("100.0%", 2, 2)
    assert (total.reopen_percent, total.reopened) == ("50.0%", 1)
    # Mon 2 → Wed 4: 2; Tue 3 → Tue 10: 5; Wed 4 → Thu 12: 6 (counted like a deadline).
    assert sorted(total.days) == [2, 5, 6]
    assert (total.days_mean, total.days_median) == (Decimal("4.3"), Decimal("5.0"))


def test_the_tables_split_the_month_by_department_category_channel_and_street(town: Town) -> None:
    result = analytics.build_analysis(town.world.weibin_admin, NOVEMBER)
    departments = lines_by_label(result.by_department)
    assert [line.label for line in result.by_department] == ["渭滨区市场监管局", "未派发", "渭滨区税务局"]
    samr = departments["渭滨区市场监管局"]
    assert (samr.received, samr.closed, sorted(samr.days), samr.reopen_percent) == (2, 2, [2, 5], "50.0%")
    assert (departments["渭滨区税务局"].on_time_percent, departments["未派发"].on_time_percent) == (
        "0.0%",
        "—",
    )
    categories = lines_by_label(result.by_category)
    assert (categories["市场监管"].received, categories["未分类"].received) == (2, 2)
    channels = {line.label: line.received for line in result.by_channel}
    assert channels == {"网上提交": 2, "企业码": 1, "12345热线": 1}
    streets = {line.label: line.received for line in result.by_street}
    assert streets == {"未注明": 3, "渭滨区经二路街道": 1}


def test_the_trend_covers_twelve_months_ending_with_the_chosen_one(town: Town) -> None:
    trend = analytics.build_analysis(town.world.weibin_admin, NOVEMBER).trend
    assert [line.label for line in trend][:1] + [line.label for line in trend][-2:] == [
        "2025-12",
        "2026-10",
        "2026-11",
    ]
    assert len(trend) == 12
    october = trend[-2]
    assert (october.received, october.closed, october.days, october.satisfaction_percent) == (1, 1, [1], "—")
    assert sum(line.received for line in trend[:-2]) == 0


def test_the_hotspot_gathers_the_similar_appeals_and_grows_against_the_previous_period(town: Town) -> None:
    result = analytics.build_analysis(town.world.weibin_admin, NOVEMBER)
    assert result.period == (dt.date(2026, 11, 1), dt.date(2026, 11, 20))  # the month so far
    assert result.previous == (dt.date(2026, 10, 12), dt.date(2026, 10, 31))  # as many days before
    (row,) = result.hotspots
    assert sorted(row.numbers) == sorted([town.quick.number, town.late.number, town.waiting.number])
    assert (row.spot.count, row.spot.previous, row.spot.growth_text) == (3, 1, "+200%")
    assert dict(row.spot.departments) == {"渭滨区市场监管局": 1, "渭滨区税务局": 1, "未派发": 1}


@pytest.mark.parametrize(
    ("month", "today", "period", "previous"),
    [
        (
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 20),
            ("2026-11-01", "2026-11-20"),
            ("2026-10-12", "2026-10-31"),
        ),
        (
            dt.date(2026, 3, 1),
            dt.date(2026, 11, 20),
            ("2026-03-01", "2026-03-31"),
            ("2026-01-29", "2026-02-28"),
        ),
        (
            dt.date(2026, 2, 1),
            dt.date(2026, 11, 20),
            ("2026-02-01", "2026-02-28"),
            ("2026-01-04", "2026-01-31"),
        ),
    ],
)
def test_the_hotspot_period_is_compared_with_as_many_days_before(
    month: dt.date, today: dt.date, period: tuple[str, str], previous: tuple[str, str]
) -> None:
    now, before = analytics.hotspot_period(month, today)
    assert tuple(f"{day:%Y-%m-%d}" for day in now) == period
    assert tuple(f"{day:%Y-%m-%d}" for day in before) == previous


def test_the_city_office_sees_both_districts(town: Town) -> None:
    result = analytics.build_analysis(town.world.admin, NOVEMBER)
    assert (result.scope, result.total.received) == ("全市", 5)


def test_a_department_sees_only_its_own_appeals(town: Town) -> None:
    result = analytics.build_analysis(town.world.clerk, NOVEMBER)
    assert (result.scope, result.total.received) == ("渭滨区市场监管局", 2)
    assert [line.label for line in result.by_department] == ["渭滨区市场监管局"]
    assert result.hotspots == []  # one of its November appeals is alike: no cluster of two


@pytest.mark.parametrize("who", ["jintai_admin", "other_clerk"])
def test_another_district_s_office_and_another_department_see_none_of_them(town: Town, who: str) -> None:
    user = getattr(town.world, who)
    result = analytics.build_analysis(user, NOVEMBER)
    assert result.total.received == 1
    page = text_of(town.world.client_for(user).get(PAGE))
    workbook = town.world.client_for(user).get(EXPORT).content
    for appeal in (town.quick, town.reopened, town.late, town.waiting):
        assert appeal.number not in page and appeal.title not in page
    assert "渭滨区" not in page and "渭滨区".encode() not in workbook


@pytest.mark.parametrize("who", ["owner", "nobody", "inspector"])
def test_people_without_the_capability_are_refused(town: Town, who: str) -> None:
    client = town.world.client_for(getattr(town.world, who))
    assert client.get(PAGE).status_code == 403 and client.get(EXPORT).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(town: Town) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_page_shows_the_month_with_charts_and_links_to_the_appeals(town: Town) -> None:
    client = town.world.client_for(town.world.weibin_admin)
    html = client.get(PAGE).content.decode()
    page = re.sub(r"\s+", " ", html)
    assert "热线分析 · 渭滨区 · 2026年11月" in page and "66.7%" in page
    trend = chart_figures(html, "chart-trend-counts")
    assert trend[0] == ["受理月份", "受理量", "已办结"] and trend[-1] == ["2026-11", "4", "2"]
    assert chart_figures(html, "chart-trend-rates")[-1] == ["2026-11", "50.0%", "66.7%", "100.0%"]
    assert ["渭滨区市场监管局", "2", "2"] in chart_figures(html, "chart-department")
    link = f'href="{LIST}?month=2026-11&amp;unmerged=1&amp;department={town.world.weibin_samr.pk}"'
    assert link in html
    assert town.quick.number in page  # the hotspot's appeals


def test_a_drill_down_link_lists_exactly_the_appeals_counted(town: Town) -> None:
    client = town.world.client_for(town.world.weibin_admin)
    result = analytics.build_analysis(town.world.weibin_admin, NOVEMBER)
    for line in [*result.by_department, *result.by_category, *result.by_channel, *result.by_street]:
        page = text_of(client.get(line.link))
        listed = set(re.findall(r"SQ\d{13}", page))
        assert len(listed) == line.received, line.label
    samr = lines_by_label(result.by_department)["渭滨区市场监管局"]
    page = text_of(client.get(samr.link))
    assert "来自热线分析的筛选：主办部门：渭滨区市场监管局；不含已合并的重复诉求" in page
    assert {town.quick.number, town.reopened.number} == set(re.findall(r"SQ\d{13}", page))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2026-13"}, "“受理月份”“2026-13”不是有效月份，应写作 2026-11"),
        ({"department": "abc"}, "“主办部门”筛选值“abc”无效"),
    ],
)
def test_the_list_says_a_bad_drill_down_in_chinese(town: Town, query: dict, message: str) -> None:
    page = text_of(town.world.client_for(town.world.weibin_admin).get(LIST, query))
    assert message in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "11/2026"}, "“月份”“11/2026”不是有效月份，应写作 2026-11"),
        ({"month": "2026-12"}, "2026年12月尚未开始，请选择本月或以前的月份"),
        ({"hot": "size"}, "热点排序只能按诉求数或按增长"),
    ],
)
def test_a_bad_month_is_said_in_chinese(town: Town, query: dict, message: str) -> None:
    response = town.world.client_for(town.world.weibin_admin).get(PAGE, query)
    assert response.status_code == 400 and message in text_of(response)


def test_an_earlier_month_can_be_chosen(town: Town) -> None:
    page = text_of(town.world.client_for(town.world.weibin_admin).get(PAGE, {"month": "2026-10"}))
    assert "2026年10月" in page and town.october.number not in page  # a hotspot needs two alike


def test_the_workbook_has_every_table_and_the_hotspots(town: Town) -> None:
    response = town.world.client_for(town.world.weibin_admin).get(EXPORT, {"month": "2026-11"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按承办部门", "按类别", "按渠道", "按街道", "近12个月", "热点诉求"]
    rows = list(book["按承办部门"].iter_rows(values_only=True))
    assert rows[0][0] == "热线分析（渭滨区）· 2026年11月受理的诉求"
    assert rows[1][:4] == ("主办部门", "受理量", "已办结", "办结率")
    assert rows[2][:4] == ("渭滨区市场监管局", 2, 2, 1)
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 4 and total[3] == pytest.approx(0.5)
    assert book["按承办部门"].cell(row=3, column=4).number_format == "0.0%"
    hot = list(book["热点诉求"].iter_rows(values_only=True))
    assert hot[2][2:5] == (3, 1, "+200%")
