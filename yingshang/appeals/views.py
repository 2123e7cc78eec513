"""接诉即办 pages: the public form and tracking link, and the staff list and appeal page with its actions.

Thin: each view reads the request, calls a service (appeals.services) and renders; refusals come back
as `AppealRefused` and are shown as page messages. Which appeals a person reaches is core.scope's.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

import segno
from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from yingshang.appeals import services
from yingshang.appeals.forms import (
    AppealForm,
    DispatchForm,
    ExtensionForm,
    ListFilterForm,
    RatingForm,
    ReasonForm,
    ReplyForm,
)
from yingshang.appeals.models import Appeal, Extension
from yingshang.appeals.workflow import CLOCK_STATES, State
from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.masking import mask_name, mask_phone
from yingshang.core.permissions import AuthenticatedHttpRequest, capability_required
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, District, User

PAGE_SIZE = 50
QR_PLACES_LIMIT = 60  # codes on one printable page


def qr_svg(url: str, title: str) -> SafeString:
    """The URL as an inline SVG QR code (level M survives a worn sticker)."""
    qr = segno.make(url, error="m")
    # The SVG holds only path data computed from the URL and a title we escape: nothing else to escape.
    return mark_safe(qr.svg_inline(scale=4, border=2, title=escape(title), omitsize=True))


@capability_required("appeals.dispatch")
def qr_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """码上监督: a printable QR code per department (一窗一码 for any window typed in) that opens the
    public form with the district and the place filled in."""
    user = request.user
    districts = District.objects.order_by("code")
    if user.jurisdiction is not None:
        districts = districts.filter(pk=user.jurisdiction.pk)
    district = districts.filter(code=request.GET.get("d", "")).first() or districts.first()
    places: list[str] = []
    if district is not None:
        departments = scoped(
            Department.objects.filter(district=district, is_active=True, kind="department"), user
        )
        places = [d.name for d in departments.order_by("order", "pk")]
    extra = [line.strip()[:100] for line in request.GET.get("places", "").splitlines() if line.strip()]
    codes = []
    for place in [*extra, *places][:QR_PLACES_LIMIT]:
        url = request.build_absolute_uri(
            f"{reverse('appeals:new')}?{urlencode({'d': district.code, 'place': place})}"
        )
        codes.append({"place": place, "url": url, "qr": qr_svg(url, f"{place} 码上监督")})
    context = {
        "districts": districts,
        "district": district,
        "codes": codes,
        "places": request.GET.get("places", ""),
    }
    return render(request, "appeals/codes.html", context)


# ==================================================================================================
# Public: the form and the tracking link
# ==================================================================================================


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """What a 码上监督 QR link fills in: the district (?d=code) and the window or place (?place=)."""
    initial: dict[str, Any] = {"key": secrets.token_urlsafe(16)}
    code = request.GET.get("d", "").strip()
    if code and District.objects.filter(code=code).exists():
        initial["district"] = code
    place = request.GET.get("place", "").strip()[:200]
    if place:
        initial["place"] = place
    return initial


def appeal_new(request: HttpRequest) -> HttpResponse:
    """The public form: anyone may submit (anonymously, with a phone for the answer)."""
    form = AppealForm(request.POST or None, initial=_prefill(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            user = request.user if request.user.is_authenticated else None
            enterprise = user.enterprise if user is not None and user.can("appeals.own") else None
            try:
                appeal = services.submit_appeal(
                    services.NewAppeal(
                        kind=data["kind"],
                        title=data["title"],
                        text=data["text"],
                        district=data["district"],
                        requester_phone=data["requester_phone"],
                        requester_name=data["requester_name"],
                        anonymous=data["anonymous"],
                        place=data["place"],
                        about_staff=data["about_staff"],
                        channel="qr" if data["place"] and request.GET.get("place") else "web",
                        enterprise=enterprise,
                        idempotency_key=data["key"],
                        submitted_from=get_client_ip_address(request),
                        created_by=user,
                    )
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                return redirect("appeals:track", token=appeal.token)
        else:
            status = 400
    return render(request, "appeals/new.html", {"form": form}, status=status)


def track(request: HttpRequest, token: str) -> HttpResponse:
    """The requester's tracking page (the secret link): progress, the answer, and the rating form."""
    appeal = services.find_by_token(token)
    if appeal is None:
        raise Http404("没有这件诉求")
    form = RatingForm(request.POST or None) if appeal.state == State.REPLIED.value else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.rate_appeal(
                    appeal, rating=form.cleaned_data["rating"], reason=form.cleaned_data["reason"]
                )
            except services.AppealRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(request, "感谢您的评价。")
                return redirect("appeals:track", token=token)
        else:
            status = 400
    events = appeal.events.order_by("at", "id")
    return render(
        request,
        "appeals/track.html",
        {"appeal": appeal, "events": events, "form": form, "workdays_left": services.workdays_left(appeal)},
        status=status,
    )


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
    return rows


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
    return render(request, "appeals/list.html", {"form": form, "page": page, "counts": counts})


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
    if action == "merge":
        into = services.visible_appeals(user).filter(number=post.get("into", "").strip()).first()
        if into is None:
            raise services.AppealRefused("没有这个诉求编号，或不在您的辖区内")
        services.merge_appeal(appeal, into, by=user)
        return f"已并入 {into.number}"
    raise services.AppealRefused("无法识别的操作")
