"""接诉即办 staff pages: the list and one appeal with every action (dispatch, sign, return, reply …)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yingshang.appeals import services
from yingshang.appeals.forms import (
    DispatchForm,
    ExtensionForm,
    ListFilterForm,
    RatingForm,
    ReasonForm,
    ReplyForm,
)
from yingshang.appeals.models import Appeal, Assist, Extension, ServiceRating
from yingshang.appeals.workflow import CLOCK_STATES, State
from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.masking import mask_name, mask_phone
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, Street, User

PAGE_SIZE = 50


# ==================================================================================================
# Staff: the list and one appeal
# ==================================================================================================


def _filtered(user: User, form: ListFilterForm) -> QuerySet[Appeal]:
    rows = services.visible_appeals(user).select_related("handler", "category")
    if not form.is_valid():
        return rows
    data = form.cleaned_data
    if data["state"]:
        rows = rows.filter(state=data["state"])
    if data["kind"]:
        rows = rows.filter(kind=data["kind"])
    if data["overdue"]:
        rows = rows.filter(state__in=[s.value for s in CLOCK_STATES], finish_due_on__lt=clock.today())
    if data["warned"]:
        rows = rows.filter(state__in=[s.value for s in CLOCK_STATES], warned_at__isnull=False)
    if data["q"]:
        rows = rows.filter(number__icontains=data["q"]) | rows.filter(title__icontains=data["q"])
    return _drilled(rows, data)


def _drilled(rows: QuerySet[Appeal], data: dict[str, Any]) -> QuerySet[Appeal]:
    """The 热线分析 page's drill-down filters (links from its tables): channel, category, the month
    received, the 主办 department, the enterprise's street, merged duplicates left out."""
    if data["channel"]:
        rows = rows.filter(channel=data["channel"])
    if data["category"]:
        none = data["category"] == "none"
        rows = rows.filter(category__isnull=True) if none else rows.filter(category__code=data["category"])
    if data["month"]:
        start = data["month"]
        end = (start + dt.timedelta(days=31)).replace(day=1)
        rows = rows.filter(received_at__gte=clock.at(start, 0), received_at__lt=clock.at(end, 0))
    if data["department"]:
        none = data["department"] == "none"
        rows = rows.filter(handler__isnull=True) if none else rows.filter(handler_id=int(data["department"]))
    if data["street"]:
        if data["street"] == "none":
            rows = rows.filter(Q(enterprise__isnull=True) | Q(enterprise__street__isnull=True))
        else:
            rows = rows.filter(enterprise__street_id=int(data["street"]))
    if data["unmerged"]:
        rows = rows.exclude(state=State.MERGED.value)
    return rows


def _drill_note(user: User, form: ListFilterForm) -> str:
    """The hidden drill-down filters in words (“主办部门：渭滨区市场监管局”), shown above the list."""
    if not form.is_valid():
        return ""
    data, parts = form.cleaned_data, []
    if data["department"]:
        if data["department"] == "none":
            parts.append("主办部门：未派发")
        else:
            named = scoped(Department.objects.all(), user).filter(pk=data["department"]).first()
            parts.append("主办部门：" + (named.name if named else "（不在您的范围内）"))
    if data["street"]:
        street = Street.objects.filter(pk=data["street"]).first() if data["street"] != "none" else None
        parts.append("街道：" + (str(street) if street else "未注明"))
    if data["unmerged"]:
        parts.append("不含已合并的重复诉求")
    return "；".join(parts)


@capability_required("appeals.view")
def appeal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET)
    rows = _filtered(request.user, form).order_by("-received_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.today()
    for appeal in page:
        appeal.left = services.workdays_left(appeal, today)  # type: ignore[attr-defined]
    counts = {
        "pending": services.visible_appeals(request.user).filter(state=State.PENDING.value).count(),
    }
    context = {"form": form, "page": page, "counts": counts, "drill": _drill_note(request.user, form)}
    return render(request, "appeals/list.html", context)


def _appeal_of(user: User, number: str) -> Appeal:
    return get_object_or_404(
        services.visible_appeals(user).select_related("handler", "district"), number=number
    )


@capability_required("appeals.view")
def appeal_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    appeal = _appeal_of(request.user, number)
    whole = services.sees_contact(request.user, appeal)
    if whole and not appeal.anonymous:
        record_access(request, "contacts", appeal, "诉求人联系方式")
    user = request.user
    office = user.can("appeals.dispatch")
    handler = office or (user.department_id is not None and user.department_id == appeal.handler_id)
    departments = scoped(Department.objects.filter(is_active=True, district=appeal.district), user).order_by(
        "order", "pk"
    )
    context = {
        "appeal": appeal,
        "name": appeal.requester_name if whole else mask_name(appeal.requester_name),
        "phone": appeal.requester_phone if whole else mask_phone(appeal.requester_phone),
        "events": appeal.events.select_related("by", "department").order_by("at", "id"),
        "supervisions": appeal.supervisions.all(),
        "extensions": appeal.extensions.all(),
        "workdays_left": services.workdays_left(appeal),
        "office": office,
        "handler": handler,
        "dispatch_form": DispatchForm(departments=departments) if office else None,
        "proposals": appeal.proposals,
        "assists": appeal.assists.select_related("department"),
        "assisting": appeal.assists.filter(department_id=user.department_id).first()
        if user.department_id
        else None,
        "departments": departments,
    }
    return render(request, "appeals/detail.html", context)


@require_POST
@capability_required("appeals.view")
def appeal_act(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Every action on one appeal, by its `action` field; the service decides whether it is allowed."""
    appeal = _appeal_of(request.user, number)
    action = request.POST.get("action", "")
    user = request.user
    try:
        done = _act(request, user, appeal, action)
    except services.AppealRefused as exc:
        messages.error(request, str(exc))
    else:
        if done:
            messages.success(request, done)
    return redirect("appeals:appeal_detail", number=appeal.number)


def _act(request: HttpRequest, user: User, appeal: Appeal, action: str) -> str:
    post = request.POST
    if action == "dispatch":
        departments = scoped(Department.objects.filter(is_active=True, district=appeal.district), user)
        form = DispatchForm(post, departments=departments)
        if not form.is_valid():
            raise services.AppealRefused("请选择承办部门")
        data = form.cleaned_data
        services.dispatch_appeal(
            appeal, data["department"], by=user, category=data["category"], note=data["note"]
        )
        return f"已派发给{data['department'].name}"
    if action == "sign":
        services.sign_appeal(appeal, by=user)
        return "已签收，请在办结期限内答复"
    if action in ("return", "suspend", "close"):
        reason = ReasonForm(post)
        text = reason.cleaned_data["reason"] if reason.is_valid() else ""
        if action == "return":
            services.return_appeal(appeal, by=user, reason=text)
            return "已退回营商办重新分拨"
        if action == "suspend":
            services.suspend_appeal(appeal, by=user, reason=text)
            return "已挂起，办结期限暂停计算"
        services.close_appeal(appeal, by=user, note=text)
        return "已办结"
    if action == "resume":
        services.resume_appeal(appeal, by=user)
        return "已恢复办理，办结期限已顺延"
    if action == "reply":
        form = ReplyForm(post)
        services.reply_appeal(appeal, by=user, text=form.cleaned_data["text"] if form.is_valid() else "")
        return "已答复，等待诉求人评价"
    if action == "extend":
        extension_form = ExtensionForm(post)
        if not extension_form.is_valid():
            raise services.AppealRefused("延长的工作日应在 1 到 30 之间，并写明理由")
        data = extension_form.cleaned_data
        services.request_extension(appeal, by=user, workdays=data["workdays"], reason=data["reason"])
        return "延期申请已提交营商办审批"
    if action in ("approve_extension", "refuse_extension"):
        extension = get_object_or_404(Extension, pk=post.get("extension"), appeal=appeal)
        services.decide_extension(extension, by=user, approve=action == "approve_extension")
        return "已同意延期" if action == "approve_extension" else "已不同意延期"
    if action == "callback":
        rating = RatingForm(post)
        if not rating.is_valid():
            raise services.AppealRefused("请选择回访评价")
        services.rate_appeal(
            appeal,
            rating=rating.cleaned_data["rating"],
            reason=rating.cleaned_data["reason"],
            by=user,
            via="电话回访",
        )
        return "已记录电话回访评价"
    if action == "assist":
        department = (
            scoped(Department.objects.filter(is_active=True, district=appeal.district), user)
            .filter(pk=post.get("department") or 0)
            .first()
        )
        if department is None:
            raise services.AppealRefused("请选择协办部门")
        services.add_assist(appeal, department, by=user, part=post.get("part", ""))
        return f"已请{department.name}协办"
    if action == "assist_answer":
        assist = get_object_or_404(Assist, pk=post.get("assist") or 0, appeal=appeal)
        services.answer_assist(assist, by=user, text=post.get("text", ""))
        return "已填写协办意见"
    if action == "merge":
        into = services.visible_appeals(user).filter(number=post.get("into", "").strip()).first()
        if into is None:
            raise services.AppealRefused("没有这个诉求编号，或不在您的辖区内")
        services.merge_appeal(appeal, into, by=user)
        return f"已并入 {into.number}"
    raise services.AppealRefused("无法识别的操作")


@capability_required("appeals.view")
def ratings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """好差评 of the windows and departments in reach: counts, average, 差评 (each followed as an appeal)."""
    lines = services.rating_lines(request.user)
    recent = scoped(ServiceRating.objects.all(), request.user).select_related("department", "appeal")[:50]
    return render(request, "appeals/ratings.html", {"lines": lines, "recent": recent})
