"""What every stage of 政策兑现 shares: the refusal error, deadlines from the working-day calendar,
who may see and act on which entitlement, and the small helpers that save a change with its history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from yingshang.core import clock
from yingshang.core.roles import Role
from yingshang.core.scope import Scope, scoped
from yingshang.entitlements import workflow
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.workflow import (
    Action,
    Case,
    Deadlines,
    State,
    TransitionRefused,
)
from yingshang.registry.models import Enterprise, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

BATCH_SIZE = 2000
SYNC_LOCK = 4_040_001  # PostgreSQL advisory lock key of create_entitlements_from_run
# The marker of a flag set by re-matching (so a later run that finds the pair again can lift it).
ABSENT_REASON = "画像变化后不再符合条件"
CHANGED_REASON = "重新比对结果有变化"
AMOUNT_PENDING = "金额待定"  # an amount not yet known, in messages: format_fen(None, AMOUNT_PENDING)
OBJECTION_REASON = "公示期间收到异议"
VIA_CHOICES = ("企业码", "登录")
# Message topics (the notification centre and the reports count by topic).
PUSH_TOPIC = "entitlement.push"


class EntitlementRefused(TransitionRefused):
    """An action refused; `message` (Chinese) says why. Nothing was changed."""


# ==================================================================================================
# Small helpers: clock, deadlines, scope
# ==================================================================================================


def deadlines() -> Deadlines:
    """The working-day deadlines from settings (YINGSHANG_*_WORKDAYS, docs/configuration.md)."""
    return Deadlines(
        confirm=settings.ENTITLEMENT_CONFIRM_WORKDAYS,
        review=settings.ENTITLEMENT_REVIEW_WORKDAYS,
        publicity=settings.ENTITLEMENT_PUBLICITY_WORKDAYS,
        payment=settings.ENTITLEMENT_PAYMENT_WORKDAYS,
    )


def stage_due(
    e: Entitlement, state: State, entered_on: dt.date, limits: Deadlines | None = None
) -> dt.date | None:
    """When the stage `e` enters on `entered_on` is due; None when the stage has no clock or the
    calendar does not know the year yet (the calendar never guesses; `due_problem` says why)."""
    try:
        return workflow.stage_deadline(
            state, e.mode, e.verdict, entered_on, limits or deadlines(), get_calendar().add_workdays
        )
    except CalendarError:
        return None


def due_problem(e: Entitlement, state: State, entered_on: dt.date) -> str:
    """Why `stage_due` gave no date for a stage that has a clock ('' when it gave one or has none)."""
    try:
        workflow.stage_deadline(
            state, e.mode, e.verdict, entered_on, deadlines(), get_calendar().add_workdays
        )
    except CalendarError as exc:
        return f"本环节期限暂无法计算：{exc.message}"
    return ""


def _note_missing_due(e: Entitlement, state: State, entered_on: dt.date, by: User | None) -> None:
    """A note on `e` when its new stage has a clock the calendar cannot run yet (year not entered)."""
    if e.due_on is None:
        problem = due_problem(e, state, entered_on)
        if problem:
            EntitlementNote.objects.create(entitlement=e, author=by, text=problem)


def department_handles(department_name: str, item_department: str) -> bool:
    """Whether a department reviews items led by `item_department`: "渭滨区工信局" handles "区工信局"
    (the district's bureau of that name), and a name handles itself. An item without a department is
    the office's."""
    if not item_department or not department_name:
        return False
    if department_name == item_department:
        return True
    if item_department[0] in "区县市" and len(item_department) > 1:
        bureau = item_department[1:]
        prefix = department_name[: -len(bureau)] if department_name.endswith(bureau) else ""
        return len(prefix) >= 2 and prefix[-1] in "区县市"
    return False


def visible_entitlements(user: User | None) -> QuerySet[Entitlement]:
    """Staff: entitlements of enterprises in their district (city-level: all); an enterprise user:
    its own; anyone else: none. The rule is core.scope's; this is its name in 政策兑现."""
    if user is None or not user.is_authenticated:
        return Entitlement.objects.none()
    if not (user.can("entitlements.view") or user.can("entitlements.own")):
        return Entitlement.objects.none()
    return scoped(Entitlement.objects.all(), user)


def reviewable_by(user: User | None) -> QuerySet[Entitlement]:
    """Office admin: every entitlement in their scope; department staff: those of their district whose
    item their department leads (`department_handles`); anyone else: none."""
    if user is None or not user.is_authenticated or not user.can("entitlements.review"):
        return Entitlement.objects.none()
    qs = scoped(Entitlement.objects.all(), user, "change")
    if user.role_enum == Role.OFFICE_ADMIN:
        return qs
    name = user.department.name if user.department is not None else ""
    departments = Entitlement.objects.order_by().values_list("department", flat=True).distinct()
    handled = [d for d in departments if department_handles(name, d)]
    return qs.filter(department__in=handled)


def _require_manage(by: User | None) -> User:
    if by is None or not by.is_authenticated or not by.can("entitlements.manage"):
        raise EntitlementRefused("只有营商办管理员可以办理推送、公示、兑付和归档")
    return by


def _require_in(qs: QuerySet[Entitlement], e: Entitlement, what: str) -> None:
    if not qs.filter(pk=e.pk).exists():
        raise EntitlementRefused(f"无权{what}该事项：它不在您的办理范围内")


def _locked(e: Entitlement) -> Entitlement:
    """A fresh copy of `e` with its row locked until the transaction ends (PostgreSQL)."""
    return (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("enterprise", "notice", "item")
        .get(pk=e.pk)
    )


def case_of(e: Entitlement) -> Case:
    """What the workflow table needs to know about `e`."""
    needs_confirm = workflow.requires_confirmation(e.mode, e.verdict)
    return Case(
        state=State(e.state),
        mode=e.mode,
        verdict=e.verdict,
        needs_review=e.needs_review,
        publicity_ends_on=e.notice.ends_on if e.notice is not None else None,
        confirm_due_on=e.due_on if e.state == State.PUSHED and needs_confirm else None,
    )


def _next(e: Entitlement, action: Action, day: dt.date | None = None) -> State:
    try:
        return workflow.next_state(case_of(e), action, day or clock.today())
    except EntitlementRefused:
        raise
    except TransitionRefused as exc:
        raise EntitlementRefused(str(exc)) from None


def _save(e: Entitlement, by: User | None, reason: str) -> Entitlement:
    e._change_reason = reason  # type: ignore[attr-defined]
    e._history_user = by  # type: ignore[attr-defined]
    e.save()
    return e


def _note(e: Entitlement, by: User | None, text: str) -> EntitlementNote:
    return EntitlementNote.objects.create(entitlement=e, author=by, text=text)


def _label(e: Entitlement) -> str:
    return f"{e.enterprise.name}（{e.item.title}）"


def own_entitlements(enterprise: Enterprise) -> QuerySet[Entitlement]:
    """The enterprise's entitlements the office has told it of, newest match first.

    A pair only matched is the office's working material: many are "needs confirmation" for want of
    data (a listing reward for a shop whose listing status is unknown), and showing them as the
    enterprise's would promise money nobody has looked at. What it may apply for is on the calculator.
    """
    return (
        scoped(Entitlement.objects.all(), Scope.of_enterprise(enterprise.pk))
        .filter(pushed_at__isnull=False)
        .select_related("item", "item__policy", "notice")
        .order_by("-matched_at", "id")
    )
