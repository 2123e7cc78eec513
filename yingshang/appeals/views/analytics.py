"""热线分析: the month's appeal figures with charts, the last 12 months, the hotspots, and the same as .xlsx.

The numbers come from `appeals.analytics.build_analysis` (which reads only what the reader may see,
through services.visible_appeals); this module reads the month and shapes the page.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from yingshang.appeals import analytics
from yingshang.appeals.forms import AnalyticsForm
from yingshang.core import charts, clock
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.spreadsheets import XLSX_CONTENT_TYPE

TEMPLATE = "appeals/analytics.html"


def _percent_value(rate: object) -> float | None:
    return None if rate is None else round(float(rate) * 100, 1)  # type: ignore[arg-type]


def _percent_text(value: int | float) -> str:
    return f"{value:.1f}%"


def analysis_charts(analysis: analytics.Analysis) -> list[charts.Chart]:
    """The trend of the last 12 months (counts, then rates) and the month by department and category."""
    months = [line.label for line in analysis.trend]
    counts = charts.line_chart(
        "chart-trend-counts",
        "近 12 个月受理量与办结量",
        months,
        [
            charts.Series("受理量", tuple(line.received for line in analysis.trend)),
            charts.Series("已办结", tuple(line.closed for line in analysis.trend)),
        ],
        unit="件",
        first="受理月份",
    )
    rates = charts.line_chart(
        "chart-trend-rates",
        "近 12 个月办结率、按时办结率与满意率",
        months,
        [
            charts.Series(name, tuple(_percent_value(getattr(line, rate)) for line in analysis.trend))
            for name, rate in (
                ("办结率", "closure_rate"),
                ("按时办结率", "on_time_rate"),
                ("满意率", "satisfaction_rate"),
            )
        ],
        value_text=_percent_text,
        unit="%",
        first="受理月份",
        description="没有可计算的诉求的月份留空。",
    )
    shown = [counts, rates]
    for chart_id, title, first, lines in (
        (
            "chart-department",
            f"{analysis.month:%Y年%m月}各承办部门受理量与办结量",
            "主办部门",
            analysis.by_department,
        ),
        ("chart-category", f"{analysis.month:%Y年%m月}各类别受理量与办结量", "类别", analysis.by_category),
    ):
        if lines:
            shown.append(
                charts.bar_chart(
                    chart_id,
                    title,
                    [line.label for line in lines],
                    [
                        charts.Series("受理量", tuple(line.received for line in lines)),
                        charts.Series("已办结", tuple(line.closed for line in lines)),
                    ],
                    unit="件",
                    first=first,
                )
            )
    return shown


def _form(request: AuthenticatedHttpRequest) -> AnalyticsForm:
    return AnalyticsForm(request.GET, today=clock.today())


@capability_required("appeals.view")
def analytics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    analysis = analytics.build_analysis(
        request.user, form.cleaned_data["month"], hotspot_order=form.cleaned_data["hot"] or "count"
    )
    context = {
        "form": form,
        "analysis": analysis,
        "charts": analysis_charts(analysis),
        "query": request.GET.urlencode(),
        "tables": [
            ("按承办部门", "主办部门", analysis.by_department),
            ("按类别", "类别", analysis.by_category),
            ("按渠道", "渠道", analysis.by_channel),
            ("按街道", "街道", analysis.by_street),
        ],
    }
    return render(request, TEMPLATE, context)


@capability_required("appeals.view")
def analytics_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    analysis = analytics.build_analysis(
        request.user, form.cleaned_data["month"], hotspot_order=form.cleaned_data["hot"] or "count"
    )
    response = HttpResponse(analytics.analysis_workbook(analysis), content_type=XLSX_CONTENT_TYPE)
    filename = f"热线分析-{analysis.scope}-{analysis.month:%Y%m}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
