"""One entitlement: its facts, timeline and the actions the viewer may take on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yingshang.core import clock
from yingshang.core.access_log import record_access
from yingshang.core.masking import mask_account, mask_phone
from yingshang.core.money import yuan_input
from yingshang.core.permissions import capability_required
from yingshang.entitlements import services as service
from yingshang.entitlements import workflow
from yingshang.entitlements.forms import (
    ClearReviewForm,
    NoteForm,
    PaymentForm,
    PublishForm,
    RejectForm,
    WithdrawForm,
    default_publicity_workdays,
)
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.views.common import (
    calendar_or_none,
    entitlement_of,
    form_errors,
    may_review,
    overdue_text,
    refused,
)
from yingshang.entitlements.views.ledger import approval_outcome, publish, pushed_message
from yingshang.entitlements.workflow import Action, State
from yingshang.policies import services
from yingshang.policies.reasons import reason_texts
from yingshang.registry.models import User

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
    today = clock.today()
    manage = user.can("entitlements.manage")
    record_access(request, "contacts", entitlement, unmasked=manage)
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
    return render(request, "entitlements/detail.html", context)


def to_detail(entitlement: Entitlement) -> HttpResponse:
    return redirect("entitlements:entitlement_detail", pk=entitlement.pk)


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
        return publish(request, [entitlement.pk], back=reverse("entitlements:entitlement_detail", args=[pk]))
    except service.EntitlementRefused as exc:
        refused(request, exc)
    return to_detail(entitlement)
