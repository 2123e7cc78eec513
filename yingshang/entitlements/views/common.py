"""What the 政策兑现 pages share: page sizes, overdue text, the viewer's entitlements, redirects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from yingshang.entitlements import services as service
from yingshang.entitlements import workflow
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.workflow import Action, State
from yingshang.registry.models import User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
NOTICES_PAGE_SIZE = 20
BATCHES_PAGE_SIZE = 20
# Actions a staff member starts from the detail page with one button (no form to fill in).
BUTTON_ACTIONS = {Action.PUSH: "entitlements.manage", Action.ARCHIVE: "entitlements.manage"}


# ==================================================================================================
# Small helpers: overdue, scope, messages (masking is yingshang.core.masking)
# ==================================================================================================


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
    return reverse("entitlements:entitlement_list")


def back_to_list(request: HttpRequest) -> HttpResponse:
    return redirect(back_url(request))


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def form_errors(form: Any) -> str:
    """'不通过原因：请填写…' for each error: which field, and what is wrong with it."""
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return "；".join(lines)
