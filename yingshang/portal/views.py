"""The enterprise page reached by its 企业码 or by logging in (/e/), the printable 明白卡, and the public
pages: 公示 (/gongshi/) and the policy library (/zhengce/). Views are thin: scope and shaping are in
services.py, access in access.py, the workflow in yingshang.entitlements.services.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yingshang.appeals import services as appeal_services
from yingshang.core import clock
from yingshang.core.forms import AsOfForm
from yingshang.core.permissions import capability_required
from yingshang.entitlements import services as workflow_services
from yingshang.notifications import services as notification_services
from yingshang.policies import services as policy_services
from yingshang.portal import access, cards, codes, services
from yingshang.portal.forms import CardBatchForm, ConfirmForm, EnterpriseAppealForm, ObjectionForm
from yingshang.registry.models import District

View = Callable[..., HttpResponse]


# ==================================================================================================
# The enterprise page
# ==================================================================================================


def refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "portal/code_refused.html", {"message": message}, status=status)


def enterprise_page(view: View) -> View:
    """Let in a code session or a logged-in enterprise user; the view gets the Viewer."""

    @never_cache  # an enterprise's own data, often opened on a phone or a shared computer
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            viewer = access.viewer_of(request)
        except access.CodeSessionEnded as exc:
            return refused(request, str(exc))
        if viewer is None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("企业页面只对企业用户开放：请用企业账号登录，或扫描企业的明白卡二维码")
        return view(request, viewer, *args, **kwargs)

    return wrapper


def code_entry(request: HttpRequest, token: str) -> HttpResponse:
    """/e/<token>/: check the 企业码 and open a code session, then show the page without the token in
    the address bar (so it is not left in the history of a shared computer)."""
    try:
        claim = codes.read_claim(token)
    except codes.CodeRefused as exc:
        access.close_code_session(request)
        return refused(request, str(exc))
    own = access.logged_in_enterprise(request)
    if own is not None:
        if own.pk == claim.enterprise.pk:
            return redirect("portal:home")
        return refused(
            request,
            f"您已用“{own.name}”的账号登录，不能同时打开其他企业的企业码。请先退出登录，再扫描明白卡。",
        )
    access.open_code_session(request, claim)
    return redirect("portal:home")


@require_POST
def code_exit(request: HttpRequest) -> HttpResponse:
    access.close_code_session(request)
    messages.success(request, "已退出企业码访问。")
    return redirect("portal:library")


def page_context(request: HttpRequest, viewer: access.Viewer) -> dict[str, Any]:
    return {"viewer": viewer, "enterprise": viewer.enterprise}


@enterprise_page
def enterprise_home(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    today = clock.today()
    lines = services.entitlement_lines(viewer.enterprise, today)
    context = (
        page_context(request, viewer)
        | {
            "lines": lines,
            "awaiting": [line for line in lines if line.awaiting],
            # A code session has no account the policies view would recognise: the link is the portal's.
            "policy_section": policy_services.policy_section(
                viewer.enterprise, reverse("portal:calculator"), for_enterprise=True
            ),
            "today": today,
            "appeal_figures": appeal_services.own_figures(viewer.enterprise),
        }
        | notification_services.inbox_context(viewer.enterprise)
    )
    return render(request, "portal/enterprise_home.html", context)


@enterprise_page
def enterprise_appeals(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The enterprise's own appeals with their figures, and the form to raise a new one (企业码 channel)."""
    enterprise = viewer.enterprise
    form = EnterpriseAppealForm(request.POST or None, initial={"key": secrets.token_urlsafe(16)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = appeal_services.submit_appeal(
                    appeal_services.NewAppeal(
                        kind=data["kind"],
                        title=data["title"],
                        text=data["text"],
                        district=enterprise.district,
                        requester_phone=data["requester_phone"],
                        requester_name=data["requester_name"],
                        channel="code" if viewer.by_code else "web",
                        enterprise=enterprise,
                        idempotency_key=data["key"],
                        submitted_from=request.META.get("REMOTE_ADDR"),
                        created_by=viewer.user,
                    )
                )
            except appeal_services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(
                    request, f"诉求已受理，编号 {appeal.number}；办理进度和答复在下方列表中查看。"
                )
                return redirect("portal:appeals")
        else:
            status = 400
    context = page_context(request, viewer) | {
        "form": form,
        "appeals": appeal_services.own_appeals(enterprise)[:100],
        "figures": appeal_services.own_figures(enterprise),
    }
    return render(request, "portal/appeals.html", context, status=status)


def confirm_form(viewer: access.Viewer, entitlement: Any, data: Any = None) -> ConfirmForm:
    return ConfirmForm(
        data,
        conditions=services.conditions_to_confirm(entitlement),
        enterprise_name=viewer.enterprise.name,
        prefix="confirm",
    )


@enterprise_page
def entitlement_detail(request: HttpRequest, viewer: access.Viewer, pk: int) -> HttpResponse:
    entitlement = services.own_entitlement(viewer.enterprise, pk)
    awaiting = services.awaits_confirmation(entitlement)
    form = confirm_form(viewer, entitlement) if awaiting else None
    status = 200
    if request.method == "POST":
        if not awaiting:
            messages.error(request, f"该事项当前状态为“{entitlement.get_state_display()}”，无需再确认。")
            return redirect("portal:entitlement", pk=pk)
        form = confirm_form(viewer, entitlement, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workflow_services.confirm_entitlement(
                    entitlement,
                    confirmer_name=data["confirmer_name"].strip(),
                    confirmer_phone=data["confirmer_phone"],
                    payee=form.payee(),
                    conditions=form.conditions,
                    via=viewer.via,
                    by=None if viewer.by_code else viewer.user,
                )
            except workflow_services.EntitlementRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(request, "已确认并提交，等待主管部门审核。")
                return redirect("portal:entitlement", pk=pk)
        else:
            status = 400
    else:
        workflow_services.mark_seen(entitlement)
    context = page_context(request, viewer) | {
        "e": entitlement,
        "awaiting": awaiting,
        "form": form,
        "conditions": services.conditions_to_confirm(entitlement),
        "overdue": awaiting and entitlement.due_on is not None and clock.today() > entitlement.due_on,
    }
    return render(request, "portal/entitlement_detail.html", context, status=status)


@enterprise_page
def calculator(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The 政策计算器 for the enterprise itself: the policies page, reused as it is."""
    form = AsOfForm(request.GET or None)
    day = form.day() if form.is_bound else None
    context = {"enterprise": viewer.enterprise, "form": form, "staff": False}
    return render(
        request,
        "policies/calculator.html",
        context | policy_services.calculator_context(viewer.enterprise, day),
    )


@enterprise_page
def message(request: HttpRequest, viewer: access.Viewer, pk: int) -> HttpResponse:
    """One message of the enterprise's inbox, read through the 企业码 (the message centre itself needs
    a login); reading it counts for 知晓率 like a read in the message centre."""
    shown = get_object_or_404(notification_services.inbox_for(viewer.enterprise), pk=pk)
    notification_services.mark_read(shown)
    return render(request, "portal/message.html", page_context(request, viewer) | {"message": shown})


@enterprise_page
def my_card(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    return render(request, "portal/card.html", cards.card_context(request, viewer.enterprise) | {"own": True})


# ==================================================================================================
# 明白卡 for the office
# ==================================================================================================


@capability_required("entitlements.manage")
def card_index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            request.user.visible_enterprises().filter(Q(uscc__iexact=query) | Q(name__icontains=query))[:50]
        )
    return render(request, "portal/card_index.html", {"q": query, "found": found})


@capability_required("entitlements.manage")
def card_batch(request: HttpRequest) -> HttpResponse:
    """Cards of many enterprises at once (a district, or only those with items to confirm), four
    A6 cards to an A4 sheet."""
    form = CardBatchForm(
        request.GET or None,
        districts=District.objects.filter(pk__in=request.user.visible_enterprises().values("district_id")),
    )
    context: dict[str, Any] = {"form": form, "cards": [], "total": 0, "limit": cards.BATCH_LIMIT}
    if form.is_bound and form.is_valid():
        chosen = services.card_batch_enterprises(
            request.user.visible_enterprises(),
            district=form.cleaned_data["district"],
            awaiting_only=form.cleaned_data["awaiting"],
        )
        context["total"] = chosen.count()
        context["cards"] = [cards.card_context(request, e) for e in chosen[: cards.BATCH_LIMIT]]
    return render(request, "portal/card_batch.html", context)


@capability_required("entitlements.manage")
def card(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(request.user.visible_enterprises(), uscc=uscc.strip().upper())
    return render(request, "portal/card.html", cards.card_context(request, enterprise) | {"own": False})


@capability_required("entitlements.manage")
@require_POST
def card_reissue(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(request.user.visible_enterprises(), uscc=uscc.strip().upper())
    code = codes.reissue_code(enterprise, by=request.user)
    messages.success(
        request, f"已重新签发第 {code.version} 版企业码：旧卡和用旧卡打开的页面立即失效，请打印新卡。"
    )
    return redirect("portal:card", uscc=enterprise.uscc)


# ==================================================================================================
# Public: 公示 and the policy library
# ==================================================================================================


def notice_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    notices = [{"notice": n, "status": services.notice_status(n, today)} for n in services.public_notices()]
    return render(request, "portal/notice_list.html", {"notices": notices})


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(services.public_notices(), pk=pk)
    today = clock.today()
    rows = services.public_rows(notice)
    is_open = services.is_open_for_objections(notice, today)
    form = ObjectionForm(rows=rows) if is_open else None
    status = 200
    if request.method == "POST":
        form = ObjectionForm(request.POST, rows=rows)
        if form.is_valid():
            data = form.cleaned_data
            chosen = notice.entitlements.get(pk=data["entitlement"]) if data["entitlement"] else None
            try:
                workflow_services.raise_objection(
                    notice,
                    text=data["text"],
                    contact_name=data["contact_name"].strip(),
                    contact_phone=data["contact_phone"],
                    entitlement=chosen,
                    submitted_from=request.META.get("REMOTE_ADDR"),
                )
            except workflow_services.EntitlementRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(request, "异议已提交，主管部门将核实处理。感谢您的监督。")
                return redirect("portal:notice_detail", pk=pk)
        else:
            status = 400
    context = {
        "notice": notice,
        "rows": rows,
        "status": services.notice_status(notice, today),
        "is_open": is_open,
        "form": form,
        "total_fen": sum(row["amount_fen"] or 0 for row in rows),
    }
    return render(request, "portal/notice_detail.html", context, status=status)


def library(request: HttpRequest) -> HttpResponse:
    items = services.library_items()
    chosen = {key: request.GET.get(key, "").strip() for key in ("q", "tag", "industry", "department")}
    shown = services.search_library(items, **chosen)
    context = {
        "items": shown,
        "total": len(items),
        "chosen": chosen,
        "tags": sorted({t for item in items for t in item.row.tags}),
        "departments": sorted({item.department for item in items}),
        "industries": services.industry_choices(),
        "industry_name": services.industry_name(chosen["industry"].upper()) if chosen["industry"] else "",
    }
    return render(request, "portal/library.html", context)


def library_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.current_library_item(pk)
    sections = None if item.sections is None else item.section_labels
    context = {"item": item, "row": item.row, "policy": item.row.policy, "sections": sections}
    return render(request, "portal/library_item.html", context)
