"""确定与可能 pages: the 需确认 match results not yet in the ledger, the 核实推送 that tells their
enterprises, and the 数据缺口报表 that says which missing data keeps how much money uncertain."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.money import format_fen
from yingshang.core.permissions import capability_required
from yingshang.entitlements import gap_report
from yingshang.entitlements import services as service
from yingshang.entitlements.views.common import refused, xlsx_response


@capability_required("entitlements.view")
def possible(request: HttpRequest) -> HttpResponse:
    """Per item, the ledger run's 需确认 pairs in the viewer's district that nobody has pushed, with
    the money they might bring; the 核实推送 made so far with their 知晓率."""
    run = service.ledger_run()
    lines = service.possible_by_item(request.user, run) if run is not None else []
    context = {
        "run": run,
        "lines": lines,
        "pairs": sum(line.pairs for line in lines),
        "possible_fen": sum(line.possible_fen for line in lines),
        "outreaches": service.outreach_lines(request.user),
    }
    return render(request, "entitlements/possible.html", context)


@require_POST
@capability_required("entitlements.manage")
def push_possible(request: HttpRequest) -> HttpResponse:
    """核实推送 of one item's possible pairs in the office's district (the city office: the city)."""
    run = service.ledger_run()
    item_key = request.POST.get("item", "").strip()
    if run is None or str(run.pk) != request.POST.get("run", ""):
        messages.error(request, "兑现台账已按新的比对批次更新，请在刷新后的页面上重新选择要推送的事项")
        return redirect("entitlements:possible")
    try:
        outreach = service.push_for_confirmation(run, item_key, by=request.user)  # type: ignore[arg-type]
    except service.EntitlementRefused as exc:
        refused(request, exc)
        return redirect("entitlements:possible")
    messages.success(
        request,
        f"已向 {outreach.count:,} 户企业推送“{outreach.item.title}”的核实通知（可能金额 "
        f"{format_fen(outreach.possible_fen)}），待企业确认条件后进入审核；推送结果见下方“核实推送”",
    )
    return redirect("entitlements:possible")


@capability_required("reports.view")
def data_gaps(request: HttpRequest) -> HttpResponse:
    report = gap_report.build_gap_report(request.user)  # type: ignore[arg-type]
    return render(request, "entitlements/reports/data_gaps.html", {"report": report})


@capability_required("reports.view")
def data_gaps_export(request: HttpRequest) -> HttpResponse:
    report = gap_report.build_gap_report(request.user)  # type: ignore[arg-type]
    filename = f"数据缺口报表-{report.scope}-{clock.today():%Y%m%d}.xlsx"
    return xlsx_response(gap_report.gap_workbook(report), filename)
