"""What every stage of 接诉即办 shares: the refusal, the limits, who sees and who acts, the small
helpers that save a change with its event, and working-day deadlines."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from yingshang.appeals import workflow
from yingshang.appeals.models import Appeal, Event
from yingshang.appeals.workflow import Action, Case, Kind, Limits, State, TransitionRefused
from yingshang.core import clock
from yingshang.core.scope import in_reach, scoped
from yingshang.registry.models import Department, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

TEXT_MAX_CHARS = 5000
TITLE_MAX_CHARS = 100
# Where an appeal about a department's own staff goes: the district's discipline office.
DISCIPLINE_WORDS = ("纪委监委", "纪检监察", "纪委")


class AppealRefused(TransitionRefused):
    """An action refused; `message` (Chinese) says why. Nothing was changed."""


def limits() -> Limits:
    return Limits(max_returns=settings.APPEAL_MAX_RETURNS, max_reopens=settings.APPEAL_MAX_REOPENS)


# ==================================================================================================
# Who sees and who acts
# ==================================================================================================


def visible_appeals(user: User | None) -> QuerySet[Appeal]:
    """Staff: their district's appeals (a department: those it handles, 主办 or 协办); an enterprise user:
    its own; anyone else: none."""
    if user is None or not user.is_authenticated:
        return Appeal.objects.none()
    if not (user.can("appeals.view") or user.can("appeals.own")):
        return Appeal.objects.none()
    return scoped(Appeal.objects.all(), user)


def sees_contact(user: User | None, appeal: Appeal) -> bool:
    """The requester's name and phone are shown in full to the 营商办 and the handling department only."""
    if user is None or not user.is_authenticated:
        return False
    if user.can("appeals.dispatch") and in_reach(appeal, user):
        return True
    return user.department_id is not None and user.department_id == appeal.handler_id


def _require_office(by: User | None, appeal: Appeal | None = None) -> None:
    if by is None:
        return  # the platform itself (direct dispatch, the deadline sweep)
    if not by.can("appeals.dispatch"):
        raise AppealRefused("只有营商办可以分拨、审批延期、合并和办结诉求")
    if appeal is not None and not in_reach(appeal, by, "change"):
        raise AppealRefused("该诉求不在您的辖区内")


def _require_handler(by: User, appeal: Appeal) -> None:
    """The appeal's 主办 department's staff (or the 营商办 of its district, standing in)."""
    if by.can("appeals.dispatch") and in_reach(appeal, by, "change"):
        return
    if not by.can("appeals.handle") or by.department_id is None or by.department_id != appeal.handler_id:
        raise AppealRefused("只有主办部门可以办理该诉求")


def _locked(appeal: Appeal) -> Appeal:
    # of=self: the handler is a nullable join, which PostgreSQL will not lock.
    return (
        Appeal.objects.select_for_update(of=("self",)).select_related("handler", "district").get(pk=appeal.pk)
    )


def _next(appeal: Appeal, action: Action) -> State:
    case = Case(State(appeal.state), returns=appeal.returns, reopens=appeal.reopens)
    try:
        return workflow.next_state(case, action, limits())
    except TransitionRefused as exc:
        raise AppealRefused(str(exc)) from None


def _event(
    appeal: Appeal, action: str, *, by: User | None, note: str = "", department: Department | None = None
) -> Event:
    return Event.objects.create(
        appeal=appeal,
        action=action,
        note=note,
        department=department,
        by=by,
        at=clock.now(),
        cycle=appeal.cycle,
    )


def _save(appeal: Appeal, by: User | None, reason: str) -> Appeal:
    appeal._change_reason = reason  # type: ignore[attr-defined]
    appeal._history_user = by  # type: ignore[attr-defined]
    appeal.save()
    return appeal


# ==================================================================================================
# Deadlines
# ==================================================================================================


def set_deadlines(appeal: Appeal, moment: dt.datetime) -> None:
    """The sign and finish deadlines of a (new or reopened) appeal counted from `moment` in working days
    of its type, with the calendar version that produced them; a year the calendar does not know leaves
    them open with a note (filled in by `fill_missing_deadlines` once the year is entered)."""
    limit = workflow.DEFAULT_TIME_LIMITS[Kind(appeal.kind)]
    appeal.due_workdays = limit.finish
    try:
        calendar = get_calendar()
        appeal.sign_due_on = calendar.deadline(moment, limit.sign).due
        finish = calendar.deadline(moment, limit.finish)
    except CalendarError as exc:
        appeal.sign_due_on = appeal.finish_due_on = None
        appeal.calendar_version = ""
        appeal.due_note = f"期限暂未计算：{exc.message}"[:200]
        return
    appeal.finish_due_on, appeal.calendar_version, appeal.due_note = finish.due, finish.version, ""


def workdays_left(appeal: Appeal, today: dt.date | None = None) -> int | None:
    """Working days left until the finish deadline (negative: overdue by that many); None without one."""
    if appeal.finish_due_on is None:
        return None
    try:
        return get_calendar().workdays_between(today or clock.today(), appeal.finish_due_on)
    except CalendarError:
        return None


def fill_missing_deadlines() -> int:
    """Deadlines left open for want of a year's holidays, counted now (run when a year is confirmed)."""
    filled = 0
    for appeal in Appeal.objects.filter(
        finish_due_on__isnull=True, state__in=[s.value for s in workflow.OPEN_STATES]
    ):
        start = appeal.dispatched_at if appeal.cycle > 1 and appeal.dispatched_at else appeal.received_at
        set_deadlines(appeal, start)
        if appeal.finish_due_on is not None:
            _save(appeal, None, "补算期限")
            filled += 1
    return filled


def _dispatch(appeal: Appeal, department: Department, *, by: User | None, note: str = "") -> None:
    if appeal.about_staff and appeal.about_department_id == department.pk:
        raise AppealRefused("反映该部门工作人员的诉求不能交由该部门办理，请派发给纪检监察部门")
    if department.district_id not in (None, appeal.district_id):
        raise AppealRefused(f"{department.name}不是{appeal.district.name}的部门")
    appeal.state = _next(appeal, Action.DISPATCH).value
    appeal.handler = department
    appeal.dispatched_at = clock.now()
    _save(appeal, by, Action.DISPATCH.label)
    _event(appeal, Action.DISPATCH.label, by=by, note=note, department=department)
