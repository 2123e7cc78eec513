"""政策兑现 staff pages: the entitlement ledger (政策兑现台账), one entitlement with its actions and
timeline, budgets per item, 公示 with their objections, and 拨付批次 (payment files).

Who may act is decided in two places, both outside this module's logic: the role capability
(entitlements.view / .review / .manage, checked by the decorators) and the object scope of the
service (`visible_entitlements`, `reviewable_by`). Every change is a call into
yingshang.policies.entitlements; a refusal comes back as `EntitlementRefused` with a Chinese message,
shown as a page message, never as a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yingshang.core.permissions import capability_required
from yingshang.policies import entitlements as service
from yingshang.policies import services, workflow
from yingshang.policies.forms_entitlements import (
    ClearReviewForm,
    EntitlementFilterForm,
    NoteForm,
    PaymentFileForm,
    PaymentForm,
    PublishForm,
    RejectForm,
    ResolveObjectionForm,
    WithdrawForm,
    default_publicity_workdays,
)
from yingshang.policies.models import Entitlement, MatchRun, Objection, PaymentBatch, PublicNotice, RewardItem
from yingshang.policies.reasons import reason_texts
from yingshang.policies.workflow import Action, State
from yingshang.registry.models import District, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
NOTICES_PAGE_SIZE = 20
BATCHES_PAGE_SIZE = 20
# Actions a staff member starts from the detail page with one button (no form to fill in).
BUTTON_ACTIONS = {Action.PUSH: "entitlements.manage", Action.ARCHIVE: "entitlements.manage"}


# ==================================================================================================
# Small helpers: masking, overdue, scope, messages
# ==================================================================================================


def mask_account(number: str) -> str:
    """A bank account shown with its last 4 digits only: '6222021234567890123' → '************0123'."""
    digits = "".join(str(number or "").split())
    if not digits:
        return ""
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_phone(phone: str) -> str:
    """'13800001234' → '138****1234'; short numbers keep only their last 2 digits."""
    text = str(phone or "").strip()
    if len(text) >= 11:
        return f"{text[:3]}{'*' * (len(text) - 7)}{text[-4:]}"
    if len(text) > 2:
        return "*" * (len(text) - 2) + text[-2:]
    return text


def overdue_text(entitlement: Entitlement, today: dt.date, calendar: Any) -> str:
    """'逾期 3 个工作日' for an open entitlement past its stage's due day, counted on the calendar."""
    state = State(entitlement.state)
    if state not in workflow.OPEN_STATES or not workflow.is_overdue(entitlement.due_on, today):
        return ""
    if calendar is None:
        return "已逾期"
    try:
        days = calendar.workdays_between(entitlement.due_on, today)
    except CalendarError:
        return "已逾期"
    # Due on a Friday, looked at on Saturday: past the day, but no working day lost yet.
    return f"逾期 {days} 个工作日" if days > 0 else "已过期限"


def calendar_or_none() -> Any:
    try:
        return get_calendar()
    except CalendarError:
        return None


def refused(request: HttpRequest, exc: Exception) -> None:
    """A refusal from the service or the calendar, as the message the user reads."""
    text = getattr(exc, "message", None) or str(exc)
    messages.error(request, text)


def visible(user: User) -> QuerySet[Entitlement]:
    return service.visible_entitlements(user)


def entitlement_of(user: User, pk: int) -> Entitlement:
    """An entitlement this user may see, else 404 (another district's clerk learns nothing)."""
    return get_object_or_404(
        visible(user).select_related(
            "enterprise",
            "district",
            "item",
            "item__policy",
            "item__policy__pack",
            "run",
            "notice",
            "payment_batch",
            "reviewed_by",
        ),
        pk=pk,
    )


def may_review(user: User, entitlement: Entitlement) -> bool:
    return user.can("entitlements.review") and service.reviewable_by(user).filter(pk=entitlement.pk).exists()


def chosen_ids(request: HttpRequest) -> list[int]:
    return sorted({int(v) for v in request.POST.getlist("ids") if v.isdigit()})


def back_url(request: HttpRequest) -> str:
    """Where the bulk action came from (the filtered list page), never another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("policies:entitlement_list")


def back_to_list(request: HttpRequest) -> HttpResponse:
    return redirect(back_url(request))


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


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
    today = services.today()
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
    return render(request, "policies/entitlements/list.html", context)


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
            count = service.push_entitlements(Entitlement.objects.filter(pk__in=ids), by=user)
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
    return render(request, "policies/entitlements/approval_outcome.html", context)


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
    return redirect("policies:notice_detail", pk=notice.pk)


# ==================================================================================================
# One entitlement
# ==================================================================================================


def reasons_of(entitlement: Entitlement) -> list[str]:
    engine_item = services.engine_item(entitlement.item)
    if engine_item is None:
        return list(entitlement.reason_codes or [])
    return reason_texts(engine_item, entitlement.reason_codes or [])


def confirmation_lines(entitlement: Entitlement, show_phone: bool) -> list[tuple[str, str]]:
    """The enterprise's confirmation as label/value lines; the account number masked for everyone,
    the confirmer's phone for all but the office."""
    data = entitlement.confirmation or {}
    lines: list[tuple[str, str]] = []
    if data.get("name"):
        lines.append(("确认人", str(data["name"])))
    if data.get("phone"):
        phone = str(data["phone"])
        lines.append(("联系电话", phone if show_phone else mask_phone(phone)))
    if data.get("via"):
        lines.append(("确认方式", str(data["via"])))
    payee = entitlement.payee or {}
    if payee:
        lines.append(("收款户名", str(payee.get("account_name", ""))))
        lines.append(("开户银行", str(payee.get("bank", ""))))
        lines.append(("收款账号", mask_account(payee.get("account_no", ""))))
    return lines


# Actions staff take on this page; 企业确认 is the enterprise's, 异议成立 is decided on the objection's
# page, and 撤销 has no staff button.
STAFF_ACTIONS = (
    Action.PUSH,
    Action.APPROVE,
    Action.REJECT,
    Action.WITHDRAW,
    Action.PUBLICIZE,
    Action.PAY,
    Action.ARCHIVE,
)


def action_buttons(user: User, entitlement: Entitlement, today: dt.date) -> dict[str, Any]:
    """What the workflow allows now, limited to what this user may do."""
    allowed = set(workflow.allowed_actions(service.case_of(entitlement), today))
    manage = user.can("entitlements.manage")
    review = may_review(user, entitlement)
    mine = {
        Action.PUSH: manage,
        Action.APPROVE: review,
        Action.REJECT: review,
        Action.WITHDRAW: review,
        Action.PUBLICIZE: manage,
        Action.PAY: manage,
        Action.ARCHIVE: manage,
    }
    buttons: dict[str, Any] = {action.value: action in allowed and mine[action] for action in STAFF_ACTIONS}
    buttons |= {
        "any": any(action in allowed and mine[action] for action in STAFF_ACTIONS),
        "clear_review": entitlement.needs_review and review,
        "annotate": user.can("entitlements.review"),
        "waiting_confirm": State(entitlement.state) == State.PUSHED and Action.CONFIRM in allowed,
        # Allowed now, but by someone else: the lead department reviews, the office does the rest.
        "others": [a.label for a in STAFF_ACTIONS if a in allowed and not mine[a]],
        "review_by": (entitlement.department or "营商办")
        if not review and allowed & {Action.APPROVE, Action.REJECT}
        else "",
    }
    return buttons


@capability_required("entitlements.view")
def entitlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entitlement = entitlement_of(user, pk)
    today = services.today()
    manage = user.can("entitlements.manage")
    context = {
        "e": entitlement,
        "state_label": State(entitlement.state).label,
        "overdue": overdue_text(entitlement, today, calendar_or_none()),
        "reasons": reasons_of(entitlement),
        "confirmation": confirmation_lines(entitlement, show_phone=manage),
        "conditions": (entitlement.confirmation or {}).get("conditions", []),
        "buttons": action_buttons(user, entitlement, today),
        "timeline": service.timeline(entitlement),
        "notes": entitlement.notes.select_related("author"),
        "objections": entitlement.objections.select_related("notice").order_by("-submitted_at"),
        "budget": service.budget_status(entitlement.item_key),
        "reject_form": RejectForm(),
        "withdraw_form": WithdrawForm(),
        "clear_form": ClearReviewForm(),
        "note_form": NoteForm(),
        "pay_form": PaymentForm(initial={"amount": yuan_input(entitlement.amount_fen), "paid_on": today}),
        "publish_form": PublishForm(initial={"workdays": default_publicity_workdays()}),
        "is_final": State(entitlement.state) in workflow.FINAL_STATES,
    }
    return render(request, "policies/entitlements/detail.html", context)


def yuan_input(fen: int | None) -> str:
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"


def form_errors(form: Any) -> str:
    """'不通过原因：请填写…' for each error: which field, and what is wrong with it."""
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return "；".join(lines)


def to_detail(entitlement: Entitlement) -> HttpResponse:
    return redirect("policies:entitlement_detail", pk=entitlement.pk)


@capability_required("entitlements.view")
@require_POST
def entitlement_act(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-button action on one entitlement: 推送, 审核通过, 归档."""
    user = request.user
    entitlement = entitlement_of(user, pk)
    action = request.POST.get("action", "")
    try:
        if action == Action.PUSH:
            if not user.can("entitlements.manage"):
                raise PermissionDenied("只有营商办可以推送")
            pushed_message(request, service.push_entitlements([entitlement], by=user), 1)
        elif action == Action.APPROVE:
            outcome = service.approve_entitlements([entitlement.pk], by=user)
            if list(outcome.held) or outcome.warning:
                return approval_outcome(request, outcome)
            messages.success(request, "已审核通过")
        elif action == Action.ARCHIVE:
            if not user.can("entitlements.manage"):
                raise PermissionDenied("只有营商办可以归档")
            service.archive_entitlement(entitlement, by=user)
            messages.success(request, "已归档")
        else:
            messages.error(request, "未知的操作")
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return to_detail(entitlement)


def act_with_text(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    act: Callable[[Entitlement, User, str], object],
    done: str,
) -> HttpResponse:
    """One entitlement, one text the clerk must give (a reason, a note): check the form, call the
    service, say what happened or why not, and go back to the entitlement's page."""
    entitlement = entitlement_of(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return to_detail(entitlement)
    (text,) = form.cleaned_data.values()
    try:
        act(entitlement, request.user, text)
        messages.success(request, done)
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return to_detail(entitlement)


@capability_required("entitlements.review")
@require_POST
def entitlement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return act_with_text(
        request,
        pk,
        WithdrawForm,
        lambda e, user, reason: service.withdraw_entitlement(e, by=user, reason=reason),
        "已撤销，原因已记录",
    )


@capability_required("entitlements.review")
@require_POST
def entitlement_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return act_with_text(
        request,
        pk,
        RejectForm,
        lambda e, user, reason: service.reject_entitlement(e, by=user, reason=reason),
        "已审核不通过，原因已记录，企业可以看到",
    )


@capability_required("entitlements.review")
@require_POST
def entitlement_clear_review(request: HttpRequest, pk: int) -> HttpResponse:
    return act_with_text(
        request,
        pk,
        ClearReviewForm,
        lambda e, user, note: service.clear_review(e, by=user, note=note),
        "复核完成：该事项继续有效",
    )


@capability_required("entitlements.review")
@require_POST
def entitlement_annotate(request: HttpRequest, pk: int) -> HttpResponse:
    """备注: the only thing that may be added to a paid entitlement."""
    return act_with_text(
        request,
        pk,
        NoteForm,
        lambda e, user, text: service.annotate(e, by=user, text=text),
        "备注已添加",
    )


@capability_required("entitlements.manage")
@require_POST
def entitlement_pay(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = entitlement_of(request.user, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "兑付未登记：" + form_errors(form))
        return to_detail(entitlement)
    data = form.cleaned_data
    try:
        service.record_payment(
            entitlement,
            by=request.user,
            voucher_no=data["voucher_no"],
            paid_on=data["paid_on"],
            amount_fen=data["amount"],
        )
        messages.success(request, f"已登记兑付，凭证号 {data['voucher_no']}")
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return to_detail(entitlement)


@capability_required("entitlements.manage")
@require_POST
def entitlement_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """公示 of this one entitlement (the list publishes many at once)."""
    entitlement = entitlement_of(request.user, pk)
    try:
        return publish(request, [entitlement.pk], back=reverse("policies:entitlement_detail", args=[pk]))
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return to_detail(entitlement)


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


@capability_required("entitlements.view")
def budgets(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/entitlements/budgets.html", {"lines": budget_lines(request.user)})


# ==================================================================================================
# 公示 and objections
# ==================================================================================================


def notices_of(user: User) -> QuerySet[PublicNotice]:
    """City-level staff see every 公示; a district's staff those of their district or with its cases."""
    notices = PublicNotice.objects.all()
    district = user.jurisdiction
    if district is not None:
        notices = notices.filter(Q(district=district) | Q(entitlements__in=visible(user))).distinct()
    return notices


def objections_of(user: User) -> QuerySet[Objection]:
    """Objections on the 公示 the user sees; against a case only when that case is visible to them."""
    rows = Objection.objects.filter(notice__in=notices_of(user))
    if user.jurisdiction is not None:
        rows = rows.filter(Q(entitlement__isnull=True) | Q(entitlement__in=visible(user)))
    return rows


@capability_required("entitlements.view")
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = (
        notices_of(request.user)
        .select_related("district", "created_by")
        .annotate(
            case_count=Count("entitlements", distinct=True),
            open_count=Count("objections", filter=Q(objections__state="open"), distinct=True),
        )
        .order_by("-starts_on", "-pk")
    )
    page = Paginator(notices, NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "today": services.today()}
    return render(request, "policies/entitlements/notice_list.html", context)


@capability_required("entitlements.view")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    notice = get_object_or_404(notices_of(user).select_related("district", "created_by"), pk=pk)
    rows = (
        visible(user)
        .filter(notice=notice)
        .select_related("enterprise", "item")
        .order_by("enterprise__name", "item_key")
    )
    objections = objections_of(user).filter(notice=notice).select_related("entitlement__enterprise")
    manage = user.can("entitlements.manage")
    context = {
        "notice": notice,
        "rows": rows,
        "objections": [
            {"o": o, "phone": o.contact_phone if manage else mask_phone(o.contact_phone)} for o in objections
        ],
        "today": services.today(),
    }
    return render(request, "policies/entitlements/notice_detail.html", context)


def listed_choices(objection: Objection) -> list[tuple[int, str]] | None:
    """For an objection against the whole 公示: the listed entitlements the office may name."""
    if objection.entitlement_id is not None:
        return None
    rows = objection.notice.entitlements.select_related("enterprise", "item").order_by("enterprise__name")
    return [(e.pk, f"{e.enterprise.name} · {e.item.title}") for e in rows]


@capability_required("entitlements.view")
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objection; the office decides it (uphold: the entitlement is rejected; dismiss: it goes on)."""
    user = request.user
    objection = get_object_or_404(
        objections_of(user).select_related(
            "notice", "entitlement__enterprise", "entitlement__item", "handled_by"
        ),
        pk=pk,
    )
    handler = user.can("entitlements.manage")
    listed = listed_choices(objection)
    form = ResolveObjectionForm(request.POST or None, listed=listed)
    if request.method == "POST":
        if not handler:
            raise PermissionDenied("公示异议由营商办处理")
        if form.is_valid():
            upheld = form.cleaned_data["decision"] == "uphold"
            named = form.cleaned_data.get("entitlement")
            try:
                service.resolve_objection(
                    objection,
                    by=user,
                    upheld=upheld,
                    resolution=form.cleaned_data["resolution"],
                    entitlement=objection.notice.entitlements.get(pk=named) if named else None,
                )
            except service.EntitlementRefused as exc:
                refused(request, exc)
            else:
                messages.success(
                    request,
                    "已认定异议成立，该事项审核不通过" if upheld else "已认定异议不成立",
                )
                return redirect("policies:objection_detail", pk=objection.pk)
    context = {
        "o": objection,
        "phone": objection.contact_phone if handler else mask_phone(objection.contact_phone),
        "form": form if handler and objection.state == "open" else None,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "policies/entitlements/objection_detail.html", context, status=status)


# ==================================================================================================
# 拨付批次: payment files for the finance bureau
# ==================================================================================================


@capability_required("entitlements.manage")
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = PaymentBatch.objects.select_related("created_by").order_by("-created_at", "-pk")
    page = Paginator(batches, BATCHES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/entitlements/batch_list.html", {"page": page, "form": PaymentFileForm()})


@capability_required("entitlements.manage")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PaymentBatch.objects.select_related("created_by"), pk=pk)
    rows = batch.entitlements.select_related("enterprise", "item").order_by("pk")
    context = {"batch": batch, "rows": rows, "form": PaymentFileForm(), "errors": [], "result": None}
    return render(request, "policies/entitlements/batch_detail.html", context)


@capability_required("entitlements.manage")
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PaymentBatch, pk=pk)
    data = service.payment_batch_workbook(batch)
    return xlsx_response(data, f"拨付文件-{batch.number}.xlsx")


@capability_required("entitlements.manage")
@require_POST
def batch_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The finance bureau's returned file: all rows recorded, or none (the errors listed)."""
    batch = get_object_or_404(PaymentBatch.objects.select_related("created_by"), pk=pk)
    form = PaymentFileForm(request.POST, request.FILES)
    rows = batch.entitlements.select_related("enterprise", "item").order_by("pk")
    context: dict[str, Any] = {"batch": batch, "rows": rows, "form": form, "errors": [], "result": None}
    if not form.is_valid():
        context["errors"] = [m for ms in form.errors.values() for m in ms]
        return render(request, "policies/entitlements/batch_detail.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = service.import_payment_file(batch, upload.read(), upload.name, by=request.user)
    except service.EntitlementRefused as exc:
        context["errors"] = [str(exc)]
        return render(request, "policies/entitlements/batch_detail.html", context, status=400)
    if result.errors:
        context["errors"] = list(result.errors)
        return render(request, "policies/entitlements/batch_detail.html", context, status=400)
    context["result"] = result
    batch.refresh_from_db()
    return render(request, "policies/entitlements/batch_detail.html", context)


# ==================================================================================================
# From a finished batch match to the ledger
# ==================================================================================================


@capability_required("entitlements.manage")
@require_POST
def run_entitlements(request: HttpRequest, pk: int) -> HttpResponse:
    """生成兑现台账: entitlements for every eligible / needs-confirmation pair of a finished run."""
    run = get_object_or_404(MatchRun, pk=pk, kind="match")
    try:
        summary = service.create_entitlements_from_run(run)
    except service.EntitlementRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, summary_text(summary))
    target = reverse("policies:run_detail", args=[run.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def summary_text(summary: Any) -> str:
    return (
        f"兑现台账已更新：新增 {summary.created} 个，更新 {summary.updated} 个，未变 {summary.unchanged} 个；"
        f"{summary.flagged} 个因画像变化转为待复核，{summary.skipped_paid} 个已兑付的未改动"
    )
