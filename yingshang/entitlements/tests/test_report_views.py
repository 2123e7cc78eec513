"""政策兑现报表 pages (views/reports.py): who may see them, the scope, filters, charts and the .xlsx."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.core.testing import chart_figures
from yingshang.entitlements.tests.test_reports import HNTE, RD, cases  # noqa: F401  (the fixture)

REPORT = reverse("entitlements:reports")
EXPORT = reverse("entitlements:reports_export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHARTS = ("chart-funnel", "chart-paid-department", "chart-paid-district")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("url", [REPORT, EXPORT])
@pytest.mark.parametrize("who", ["owner", "other_owner", "nobody", "inspector"])
def test_people_without_the_report_capability_are_refused(world, url, who):
    response = world.client_for(getattr(world, who)).get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("url", [REPORT, EXPORT])
def test_an_anonymous_visitor_is_sent_to_log_in(world, url):
    response = world.client_for(None).get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_the_office_sees_the_city_with_charts_and_a_district_filter(world, cases):  # noqa: F811
    response = world.client_for(world.admin).get(REPORT)
    assert response.status_code == 200
    page = text_of(response)
    assert "政策兑现报表 · 全市" in page
    html = response.content.decode()
    # Three charts (funnel per item, paid per department, districts ranked), each with its figures
    # as a table the page reads without JavaScript; no inline script (charts.js draws them).
    assert [chart_id for chart_id in CHARTS if chart_figures(html, chart_id)] == list(CHARTS)
    assert "<script" not in page.split("<main>")[1]
    funnel = chart_figures(html, "chart-funnel")
    assert funnel[0] == ["奖补事项", "台账", "已推送", "企业已确认", "审核通过", "已兑付"]
    hnte = next(row for row in funnel if "新认定（复审）国家高新技术企业奖励" in row[0])
    assert hnte[2] == "3"  # 已推送
    assert ["区科技局", "200,000.00 元"] in chart_figures(html, "chart-paid-department")
    ranked = chart_figures(html, "chart-paid-district")
    assert ranked[0] == ["排名", "实际兑付金额"] and ranked[1][0].startswith("1. ")
    assert 'name="district"' in page
    assert response.context["report"].total.candidates == 8
    assert "<h2>按区县</h2>" in page


def test_a_clerk_sees_its_district_only_and_no_district_filter(world, cases):  # noqa: F811
    response = world.client_for(world.clerk).get(REPORT)
    assert response.status_code == 200
    page = text_of(response)
    assert "政策兑现报表 · 渭滨区" in page
    assert "您只能看到渭滨区的数字" in page
    assert 'name="district"' not in page
    assert "按区县" not in page
    report = response.context["report"]
    assert (report.total.candidates, report.total.paid_fen) == (6, 15_000_012)
    assert "150,000.12 元" in page
    html = response.content.decode()
    # 金台区's payment of the same item is not added; one district: no district ranking.
    assert ["区科技局", "100,000.00 元"] in chart_figures(html, "chart-paid-department")
    assert chart_figures(html, "chart-paid-district") == []


def test_a_clerk_asking_for_the_other_district_still_gets_its_own(world, cases):  # noqa: F811
    response = world.client_for(world.clerk).get(REPORT, {"district": world.jintai.code})
    assert response.status_code == 200
    assert response.context["report"].scope == "渭滨区"
    assert response.context["report"].total.candidates == 6


def test_the_office_narrows_the_report_to_one_district(world, cases):  # noqa: F811
    response = world.client_for(world.admin).get(REPORT, {"district": world.jintai.code})
    assert response.context["report"].scope == "金台区"
    assert response.context["report"].total.candidates == 2


def test_filters_by_period_and_item(world, cases):  # noqa: F811
    response = world.client_for(world.clerk).get(
        REPORT, {"start": "2026-09-01", "end": "2026-09-29", "item": HNTE}
    )
    report = response.context["report"]
    assert [line.key for line in report.by_item] == [HNTE]
    assert report.total.candidates == 2  # the August match of the same item is outside the period
    assert "比对时间 2026-09-01 至 2026-09-29" in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-01"}, "“比对时间自”不是有效日期，应写作 2026-01-31"),
        (
            {"start": "2026-10-01", "end": "2026-09-01"},
            "开始日期 2026-10-01 晚于结束日期 2026-09-01，请调换后再查询",
        ),
        ({"item": "no_such_item"}, "所选奖补事项“no_such_item”不在您可查看的报表范围内"),
        ({"district": "999999"}, "区县：所选区县不存在"),
    ],
)
def test_bad_filters_are_refused_with_a_chinese_message(world, cases, query, message):  # noqa: F811
    for url in (REPORT, EXPORT):
        response = world.client_for(world.admin).get(url, query)
        assert response.status_code == 400
        assert message in text_of(response)
        assert "report" not in response.context


def test_an_item_of_the_other_district_cannot_be_chosen_by_a_clerk(world, cases):  # noqa: F811
    # 研发补助 exists only in 渭滨区: 金台区's clerk has no such item to choose.
    response = world.client_for(world.other_clerk).get(REPORT, {"item": RD})
    assert response.status_code == 400


def test_the_export_carries_the_same_scope_and_filters(world, cases):  # noqa: F811
    response = world.client_for(world.clerk).get(EXPORT, {"item": RD})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按奖补事项", "按牵头部门"]
    rows = list(book["按奖补事项"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == ["研发费用补助", "合计"]
    assert rows[-1][1] == 3


def test_the_page_links_the_export_with_the_current_filters(world, cases):  # noqa: F811
    page = text_of(world.client_for(world.admin).get(REPORT, {"item": HNTE}))
    assert f'href="{EXPORT}?item={HNTE}"' in page


def test_the_policies_subnav_links_the_report_for_staff_only(world):
    library = reverse("policies:library")
    assert f'href="{REPORT}"' in text_of(world.client_for(world.clerk).get(library))
    assert world.client_for(world.owner).get(library).status_code == 403


def test_an_empty_report_says_there_is_nothing_yet(world):
    page = text_of(world.client_for(world.clerk).get(REPORT))
    assert "所选范围内没有政策兑现记录" in page
    assert "暂无数据" in page
