"""The ledger (政策兑现台账): filters, counts per state, bulk actions; budgets; a run's entitlements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.permissions import capability_required, city_level
from yingshang.entitlements import services as service
from yingshang.entitlements import tasks
from yingshang.entitlements.forms import (
    EntitlementFilterForm,
    PublishForm,
    default_publicity_workdays,
)
from yingshang.entitlements.models import Entitlement, LedgerSync
from yingshang.entitlements.views.common import (
    PAGE_SIZE,
    back_to_list,
    back_url,
    calendar_or_none,
    chosen_ids,
    form_errors,
    overdue_text,
    refused,
    visible,
    xlsx_response,
)
from yingshang.entitlements.workflow import State
from yingshang.policies.models import MatchRun, RewardItem
from yingshang.registry.models import District, User

# ==================================================================================================
# The ledger: filters, counts per state, bulk actions
# ==================================================================================================


def filtered(user: User, form: EntitlementFilterForm, today: dt.date) -> tuple[QuerySet, QuerySet]:
    """(entitlements matching every filter, the same without the state filter: for the counts)."""
    rows = visible(user)
    if not form.is_valid():
        return rows, rows
    data = form.cleaned_data
    if data["item"]:
        rows = rows.filter(item_key=data["item"])
    if data["district"] and user.jurisdiction is None:
        rows = rows.filter(district__code=data["district"])
    if data["overdue"]:
        rows = rows.filter(service.overdue_q(today))
    if data["needs_review"]:
        rows = rows.filter(needs_review=True)
    if data["to_review"]:
        rows = rows.filter(service.awaiting_review_q(), pk__in=service.reviewable_by(user).values("pk"))
    if data["verdict"]:
        rows = rows.filter(verdict=data["verdict"])
    if data["q"]:
        q = data["q"].strip()
        rows = rows.filter(Q(enterprise__name__contains=q) | Q(enterprise__uscc=q.upper()))
    without_state = rows
    if data["state"]:
        rows = rows.filter(state=data["state"])
    return rows, without_state


def state_counts(rows: QuerySet[Entitlement], query: dict[str, str]) -> list[dict[str, Any]]:
    counted = dict(rows.order_by().values_list("state").annotate(n=Count("pk")))
    chosen = query.get("state", "")
    lines = []
    for state in State:
        link = {k: v for k, v in query.items() if k not in ("state", "page") and v}
        link["state"] = state.value
        lines.append(
            {
                "state": state.value,
                "label": state.label,
                "count": counted.get(state.value, 0),
                "query": urlencode(link),
                "active": chosen == state.value,
            }
        )
    return lines


def item_choices(user: User) -> list[tuple[str, str]]:
    """The items the user has entitlements of: (key, title of the working version, else the newest)."""
    keys = set(visible(user).order_by().values_list("item_key", flat=True).distinct())
    titles: dict[str, str] = {}
    rows = RewardItem.objects.filter(key__in=keys).order_by("key", "-policy__pack__is_working", "-pk")
    for key, title in rows.values_list("key", "title"):
        titles.setdefault(key, title)
    return sorted(titles.items(), key=lambda pair: pair[1])


def ledger_row(entitlement: Entitlement, today: dt.date, calendar: Any) -> dict[str, Any]:
    return {
        "e": entitlement,
        "state_label": State(entitlement.state).label,
        "overdue": overdue_text(entitlement, today, calendar),
    }


@capability_required("entitlements.view")
def entitlement_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = clock.today()
    form = EntitlementFilterForm(request.GET or None)
    rows, without_state = filtered(user, form, today)
    rows = rows.select_related("enterprise", "district", "item").order_by("-matched_at", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    calendar = calendar_or_none()
    query = {k: v for k, v in request.GET.items() if k != "page"}
    context = {
        "form": form,
        "page": page,
        "rows": [ledger_row(e, today, calendar) for e in page],
        "counts": state_counts(without_state, query),
        "total": page.paginator.count,
        "query": urlencode({k: v for k, v in query.items() if v}),
        "items": item_choices(user),
        "districts": District.objects.order_by("code") if user.jurisdiction is None else [],
        "can_manage": user.can("entitlements.manage"),
        "can_review": user.can("entitlements.review"),
        "publicity_workdays": default_publicity_workdays(),
        "calendar_missing": calendar is None,
    }
    return render(request, "entitlements/list.html", context)


@capability_required("entitlements.view")
@require_POST
def entitlement_bulk(request: HttpRequest) -> HttpResponse:
    """The checked rows of the list with one action: push, approve, publish 公示, export payment file."""
    user = request.user
    action = request.POST.get("action", "")
    needed = {"push": "entitlements.manage", "approve": "entitlements.review"}
    needed |= {"publish": "entitlements.manage", "export": "entitlements.manage"}
    if action not in needed:
        messages.error(request, "未知的批量操作")
        return back_to_list(request)
    if not user.can(needed[action]):
        raise PermissionDenied("您的角色不能执行该操作")
    ids = list(visible(user).filter(pk__in=chosen_ids(request)).values_list("pk", flat=True))
    if not ids:
        messages.error(request, "请先勾选要办理的兑现事项")
        return back_to_list(request)
    try:
        if action == "push":
            count = service.push_entitlements(visible(user).filter(pk__in=ids), by=user)
            pushed_message(request, count, len(ids))
        elif action == "approve":
            return approval_outcome(request, service.approve_entitlements(ids, by=user))
        elif action == "publish":
            return publish(request, ids)
        else:
            batch, data = service.export_payment_batch(ids, by=user)
            # Shown on the next page: the download itself leaves the list as it was.
            messages.success(
                request, f"已生成拨付批次 {batch.number}（{batch.count} 笔），财政局回执请在“拨付批次”上传"
            )
            record_access(request, "payment_file", batch)
            return xlsx_response(data, f"拨付文件-{batch.number}.xlsx")
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return back_to_list(request)


def pushed_message(request: HttpRequest, pushed: int, chosen: int) -> None:
    """Only 已比对 ones are pushed; a second push of the same list sends nothing."""
    if pushed:
        messages.success(request, f"已推送 {pushed} 个兑现事项，企业将收到通知")
    if chosen > pushed:
        skipped = chosen - pushed
        messages.warning(request, f"{skipped} 个所选事项不在“已比对”状态（已推送过或已办结），未推送")


def approval_outcome(request: HttpRequest, outcome: Any) -> HttpResponse:
    """What was approved and what was held back for the budget, with the service's warning."""
    approved = list(outcome.approved)
    held = list(outcome.held)
    if approved:
        messages.success(request, f"已审核通过 {len(approved)} 个兑现事项")
    if not held and not outcome.warning:
        return back_to_list(request)
    context = {
        "approved": entitlement_rows(approved),
        "held": entitlement_rows(held),
        "warning": outcome.warning,
        "back": back_url(request),
    }
    return render(request, "entitlements/approval_outcome.html", context)


def entitlement_rows(values: Iterable[Any]) -> list[Entitlement]:
    """The service returns entitlements or their ids; the page wants the rows with their names."""
    values = list(values)
    ids = [v if isinstance(v, int) else v.pk for v in values]
    found = Entitlement.objects.filter(pk__in=ids).select_related("enterprise", "item")
    by_id = {e.pk: e for e in found}
    return [by_id[i] for i in ids if i in by_id]


def publish(request: HttpRequest, ids: list[int], back: str | None = None) -> HttpResponse:
    """公示 of `ids`; a form error goes back to `back` (the list by default) with the message."""
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back) if back else back_to_list(request)
    notice = service.publish_notice(
        ids,
        by=request.user,
        title=form.cleaned_data["title"],
        workdays=form.cleaned_data.get("workdays") or None,
    )
    messages.success(
        request,
        f"已发布公示“{notice.title}”：{notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}，"
        f"共 {notice.workdays} 个工作日",
    )
    return redirect("entitlements:notice_detail", pk=notice.pk)


# ==================================================================================================
# Budgets
# ==================================================================================================


def budget_lines(user: User) -> list[dict[str, Any]]:
    """Each item with a budget cap in the working packs, or with entitlements the user sees."""
    items: dict[str, RewardItem] = {}
    working = RewardItem.objects.filter(policy__pack__is_working=True).select_related("policy")
    for row in working.order_by("policy__key", "position"):
        items.setdefault(row.key, row)
    keys = set(visible(user).order_by().values_list("item_key", flat=True).distinct())
    lines = []
    for key, row in items.items():
        if row.budget_cap_fen is None and key not in keys:
            continue
        status = service.budget_status(key)
        lines.append({"key": key, "row": row, "status": status, "over": over_budget(status)})
    return lines


def over_budget(status: Any) -> bool:
    cap = getattr(status, "cap_fen", None)
    if cap is None:
        return False
    return status.committed_fen + status.waiting_fen > cap


@city_level("entitlements.budgets")
def budgets(request: HttpRequest) -> HttpResponse:
    return render(request, "entitlements/budgets.html", {"lines": budget_lines(request.user)})


# ==================================================================================================
# From a finished batch match to the ledger
# ==================================================================================================


@city_level("entitlements.generate")
@require_POST
def run_entitlements(request: HttpRequest, pk: int) -> HttpResponse:
    """生成兑现台账: queue the sync of a finished run and go to its status page (it runs in the
    background: a province's run has millions of pairs)."""
    run = get_object_or_404(MatchRun, pk=pk, kind="match")
    try:
        sync = tasks.start_ledger_sync(run, by=request.user)
    except service.EntitlementRefused as exc:
        refused(request, exc)
        target = reverse("policies:run_detail", args=[run.pk])
    else:
        target = reverse("entitlements:ledger_sync", args=[sync.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@city_level("entitlements.generate")
def ledger_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """One 生成兑现台账: its status line (polled until it ends), then what it did."""
    sync = get_object_or_404(LedgerSync.objects.select_related("run", "started_by"), pk=pk)
    template = "entitlements/_ledger_sync_status.html" if request.htmx else "entitlements/ledger_sync.html"
    return render(request, template, {"sync": sync})
