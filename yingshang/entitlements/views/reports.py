"""政策兑现报表 pages: the report with its charts, and the same report as .xlsx.

The numbers come from `reports.build_report` (which also applies the reader's district scope); the
charts are core.charts option builders, drawn by ECharts in the page. This module reads the filters and
shapes the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from yingshang.core import charts
from yingshang.core.fields import DayField
from yingshang.core.money import format_fen
from yingshang.core.permissions import capability_required
from yingshang.core.scope import scoped
from yingshang.entitlements import reports
from yingshang.entitlements.models import Entitlement
from yingshang.registry.models import District, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FUNNEL_SERIES = (
    ("台账", "candidates"),
    ("已推送", "pushed"),
    ("企业已确认", "confirmed"),
    ("审核通过", "approved"),
    ("已兑付", "paid"),
)


class ReportFilterForm(forms.Form):
    start = DayField(
        label="比对时间自", required=False, invalid="“比对时间自”不是有效日期，应写作 2026-01-31"
    )
    end = DayField(label="至", required=False, invalid="“至”不是有效日期，应写作 2026-12-31")
    item = forms.ChoiceField(
        label="奖补事项",
        required=False,
        error_messages={"invalid_choice": "所选奖补事项“%(value)s”不在您可查看的报表范围内"},
    )
    district = forms.ModelChoiceField(
        label="区县",
        required=False,
        queryset=District.objects.order_by("code"),
        to_field_name="code",
        empty_label="全市",
        error_messages={"invalid_choice": "所选区县不存在"},
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        scope = scoped(Entitlement.objects.all(), user)
        if user.jurisdiction is not None:
            # A district's clerk sees its own district only: no district to choose.
            del self.fields["district"]
        keys = sorted(set(scope.order_by().values_list("item_key", flat=True).distinct()))
        titles = reports.item_titles(keys)
        self.fields["item"].choices = [("", "全部事项")] + [
            (key, f"{titles[key].article} {titles[key].title}".strip() if key in titles else key)
            for key in keys
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                f"开始日期 {start:%Y-%m-%d} 晚于结束日期 {end:%Y-%m-%d}，请调换后再查询"
            )
        return data

    def filters(self) -> reports.ReportFilter:
        data = self.cleaned_data
        return reports.ReportFilter(
            start=data.get("start"),
            end=data.get("end"),
            item_key=data.get("item") or "",
            district=data.get("district"),
        )


def chart_label(line: reports.Line) -> str:
    return f"{line.article} {line.label}".strip()


def report_charts(report: reports.Report) -> list[charts.Chart]:
    """The charts of the page: the funnel per item, paid amounts per department (and per district)."""
    funnel = charts.bar_chart(
        "chart-funnel",
        "各奖补事项兑现进度（户·项）",
        [chart_label(line) for line in report.by_item],
        [
            charts.Series(name, tuple(getattr(line, field) for line in report.by_item))
            for name, field in FUNNEL_SERIES
        ],
        unit="户·项",
        first="奖补事项",
    )
    by_department = charts.bar_chart(
        "chart-paid-department",
        "各牵头部门实际兑付金额",
        [line.label for line in report.by_department],
        [charts.Series("实际兑付金额", tuple(line.paid_fen for line in report.by_department))],
        value_text=format_fen,
        unit="元",
        divisor=100,
        first="牵头部门",
    )
    shown = [funnel, by_department]
    if report.city_wide and len(report.by_district) > 1:
        shown.append(
            charts.ranking_chart(
                "chart-paid-district",
                "各区县实际兑付金额",
                [(line.label, line.paid_fen) for line in report.by_district],
                name="实际兑付金额",
                value_text=format_fen,
                unit="元",
                divisor=100,
            )
        )
    return shown


@capability_required("reports.view")
def report(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "entitlements/reports/report.html", {"form": form}, status=400)
    result = reports.build_report(request.user, form.filters())
    context = {
        "form": form,
        "report": result,
        "charts": report_charts(result),
        "possible_notes": reports.possible_notes(result),
        "query": request.GET.urlencode(),
    }
    return render(request, "entitlements/reports/report.html", context)


@capability_required("reports.view")
def report_export(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "entitlements/reports/report.html", {"form": form}, status=400)
    result = reports.build_report(request.user, form.filters())
    response = HttpResponse(reports.report_workbook(result), content_type=XLSX)
    filename = f"政策兑现报表-{result.scope}-{result.today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
