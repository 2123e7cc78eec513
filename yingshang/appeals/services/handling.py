"""Handling an appeal: dispatch, sign, return, suspend and resume, extensions, the reply, 回访 and
rating (which may reopen it), closing and merging."""

from __future__ import annotations

from django.db import transaction

from yingshang.appeals import workflow
from yingshang.appeals.models import Appeal, Assist, Category, Extension
from yingshang.appeals.services.common import (
    TEXT_MAX_CHARS,
    AppealRefused,
    _dispatch,
    _event,
    _locked,
    _next,
    _require_handler,
    _require_office,
    _save,
    limits,
    set_deadlines,
)
from yingshang.appeals.workflow import Action, State
from yingshang.core import clock
from yingshang.registry.models import Department, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

# ==================================================================================================
# Dispatch, sign, return
# ==================================================================================================


def dispatch_appeal(
    appeal: Appeal,
    department: Department,
    *,
    by: User | None,
    category: Category | None = None,
    note: str = "",
) -> Appeal:
    """The 营商办 sends an appeal from the queue (or from one department to another) to `department`."""
    _require_office(by, appeal)
    with transaction.atomic():
        appeal = _locked(appeal)
        if category is not None:
            appeal.category = category
        _dispatch(appeal, department, by=by, note=note)
    return appeal


def sign_appeal(appeal: Appeal, *, by: User) -> Appeal:
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        appeal.state = _next(appeal, Action.SIGN).value
        appeal.signed_at = clock.now()
        _save(appeal, by, Action.SIGN.label)
        _event(appeal, Action.SIGN.label, by=by, department=appeal.handler)
    return appeal


def return_appeal(appeal: Appeal, *, by: User, reason: str) -> Appeal:
    """The department sends it back to the 营商办 queue, saying why (not its matter, another department's)."""
    if not reason.strip():
        raise AppealRefused("请写明退回理由（例如：不属于本部门职责，建议由哪个部门办理）")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        appeal.state = _next(appeal, Action.RETURN).value
        department = appeal.handler
        appeal.handler, appeal.signed_at = None, None
        appeal.returns += 1
        _save(appeal, by, Action.RETURN.label)
        _event(appeal, Action.RETURN.label, by=by, note=reason.strip()[:500], department=department)
    return appeal


# ==================================================================================================
# Handling: suspend, extension, reply
# ==================================================================================================


def suspend_appeal(appeal: Appeal, *, by: User, reason: str) -> Appeal:
    """挂起: waiting for the requester (material, a site visit date); the finish clock stops."""
    if not reason.strip():
        raise AppealRefused("请写明挂起理由（在等待诉求人提供什么）")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        appeal.state = _next(appeal, Action.SUSPEND).value
        appeal.suspended_at = clock.now()
        _save(appeal, by, Action.SUSPEND.label)
        _event(appeal, Action.SUSPEND.label, by=by, note=reason.strip()[:500], department=appeal.handler)
    return appeal


def resume_appeal(appeal: Appeal, *, by: User) -> Appeal:
    """The clock runs again; the finish deadline moves by the working days it was suspended."""
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        appeal.state = _next(appeal, Action.RESUME).value
        paused = 0
        if appeal.suspended_at is not None and appeal.finish_due_on is not None:
            try:
                calendar = get_calendar()
                paused = max(
                    0, calendar.workdays_between(clock.local(appeal.suspended_at).date(), clock.today())
                )
                appeal.finish_due_on = calendar.add_workdays(appeal.finish_due_on, paused)
            except CalendarError as exc:
                appeal.due_note = f"恢复后期限未能顺延：{exc.message}"[:200]
        appeal.suspended_at = None
        _save(appeal, by, Action.RESUME.label)
        _event(
            appeal,
            Action.RESUME.label,
            by=by,
            note=f"挂起 {paused} 个工作日，办结期限相应顺延",
            department=appeal.handler,
        )
    return appeal


def request_extension(appeal: Appeal, *, by: User, workdays: int, reason: str) -> Extension:
    if not 1 <= workdays <= 30:
        raise AppealRefused("延长的工作日应在 1 到 30 之间")
    if not reason.strip():
        raise AppealRefused("请写明延期理由")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        if appeal.state_enum not in workflow.CLOCK_STATES:
            raise AppealRefused(f"当前状态为“{appeal.state_enum.label}”，不能申请延期")
        if appeal.extensions.filter(state="open").exists():
            raise AppealRefused("已有一份延期申请等待营商办审批")
        extension = Extension.objects.create(
            appeal=appeal,
            workdays=workdays,
            reason=reason.strip()[:300],
            requested_by=by,
            requested_at=clock.now(),
        )
        _event(
            appeal,
            "申请延期",
            by=by,
            note=f"延长 {workdays} 个工作日：{reason.strip()[:200]}",
            department=appeal.handler,
        )
    return extension


def decide_extension(extension: Extension, *, by: User, approve: bool) -> Extension:
    with transaction.atomic():
        extension = (
            Extension.objects.select_for_update(of=("self",)).select_related("appeal").get(pk=extension.pk)
        )
        appeal = _locked(extension.appeal)
        _require_office(by, appeal)
        if extension.state != "open":
            raise AppealRefused("该延期申请已审批")
        extension.state = "approved" if approve else "refused"
        extension.decided_by, extension.decided_at = by, clock.now()
        extension.save()
        if approve and appeal.finish_due_on is not None:
            try:
                appeal.finish_due_on = get_calendar().add_workdays(appeal.finish_due_on, extension.workdays)
            except CalendarError as exc:
                appeal.due_note = f"延期后期限未能计算：{exc.message}"[:200]
            _save(appeal, by, "同意延期")
        _event(appeal, "同意延期" if approve else "不同意延期", by=by, note=f"{extension.workdays} 个工作日")
    return extension


def reply_appeal(appeal: Appeal, *, by: User, text: str) -> Appeal:
    if not text.strip():
        raise AppealRefused("请填写答复内容")
    if len(text) > TEXT_MAX_CHARS:
        raise AppealRefused(f"答复内容超过 {TEXT_MAX_CHARS:,} 字")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        appeal.state = _next(appeal, Action.REPLY).value
        appeal.reply, appeal.replied_at = text.strip(), clock.now()
        for supervision in appeal.supervisions.filter(resolved_at__isnull=True):
            supervision.resolved_at = appeal.replied_at
            supervision.save(update_fields=["resolved_at"])
        _save(appeal, by, Action.REPLY.label)
        _event(appeal, Action.REPLY.label, by=by, department=appeal.handler)
        _close_merged(appeal, by)
    return appeal


# ==================================================================================================
# 回访 and rating
# ==================================================================================================

RATING_LABELS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}


def rate_appeal(
    appeal: Appeal, *, rating: str, reason: str = "", by: User | None = None, via: str = "链接"
) -> Appeal:
    """The requester's rating (by the tracking link, or a clerk recording the phone 回访): 满意 or 基本满意
    close it; 不满意 reopens it once (a new cycle to the same department, new deadlines), then closes it."""
    if rating not in RATING_LABELS:
        raise AppealRefused("请选择满意、基本满意或不满意")
    if rating == "unsatisfied" and not reason.strip():
        raise AppealRefused("请说明不满意的原因，以便重新办理")
    if by is not None:
        _require_office(by)
    with transaction.atomic():
        appeal = _locked(appeal)
        if appeal.state_enum != State.REPLIED:
            raise AppealRefused(f"当前状态为“{appeal.state_enum.label}”，不能评价")
        now = clock.now()
        appeal.rating, appeal.rating_reason, appeal.rated_at = rating, reason.strip()[:500], now
        note = f"{RATING_LABELS[rating]}（{via}）" + (f"：{reason.strip()[:200]}" if reason.strip() else "")
        _event(appeal, "评价", by=by, note=note)
        reopen = rating == "unsatisfied" and appeal.reopens < limits().max_reopens
        if reopen:
            appeal.state = _next(appeal, Action.REOPEN).value
            appeal.reopens += 1
            appeal.cycle += 1
            appeal.returns = 0
            appeal.dispatched_at, appeal.signed_at, appeal.warned_at, appeal.supervised_at = (
                now,
                None,
                None,
                None,
            )
            set_deadlines(appeal, now)
            _save(appeal, by, Action.REOPEN.label)
            _event(
                appeal, Action.REOPEN.label, by=by, note="诉求人不满意，重新办理", department=appeal.handler
            )
        else:
            appeal.state = _next(appeal, Action.RATE).value
            appeal.closed_at = now
            _save(appeal, by, Action.RATE.label)
            _event(appeal, "办结", by=by)
    return appeal


def close_appeal(appeal: Appeal, *, by: User, note: str) -> Appeal:
    """The 营商办 closes a replied appeal whose requester could not be reached for 回访."""
    if not note.strip():
        raise AppealRefused("请写明办结说明（例如：三次回访均未接通）")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_office(by, appeal)
        appeal.state = _next(appeal, Action.CLOSE).value
        appeal.closed_at = clock.now()
        _save(appeal, by, Action.CLOSE.label)
        _event(appeal, "办结", by=by, note=note.strip()[:500])
    return appeal


# ==================================================================================================
# 合并 and the deadline sweep (预警, 督办)
# ==================================================================================================


def merge_appeal(duplicate: Appeal, into: Appeal, *, by: User) -> Appeal:
    """A duplicate (same requester, same matter) follows the appeal that answers both."""
    if duplicate.pk == into.pk:
        raise AppealRefused("不能合并到自身")
    if duplicate.requester_phone != into.requester_phone:
        raise AppealRefused("只能合并同一诉求人的重复诉求（联系电话不同）")
    with transaction.atomic():
        duplicate = _locked(duplicate)
        _require_office(by, duplicate)
        _require_office(by, into)
        duplicate.state = _next(duplicate, Action.MERGE).value
        duplicate.merged_into = into
        _save(duplicate, by, Action.MERGE.label)
        _event(duplicate, Action.MERGE.label, by=by, note=f"并入 {into.number}")
        _event(into, "合并", by=by, note=f"{duplicate.number} 并入本件，一并答复")
    return duplicate


def _close_merged(appeal: Appeal, by: User | None) -> None:
    for duplicate in appeal.merged.all():
        duplicate.reply, duplicate.replied_at = appeal.reply, appeal.replied_at
        _save(duplicate, by, "随主件答复")
        _event(duplicate, "答复", by=by, note=f"随 {appeal.number} 一并答复")


# ==================================================================================================
# 协办: other departments' parts of an appeal
# ==================================================================================================


def add_assist(appeal: Appeal, department: Department, *, by: User, part: str) -> Assist:
    """The office or the 主办 department asks another department of the district for its part (协办);
    that department then sees the appeal and answers its part."""
    if not part.strip():
        raise AppealRefused("请写明需要协办部门办理的事项")
    with transaction.atomic():
        appeal = _locked(appeal)
        _require_handler(by, appeal)
        if appeal.state_enum not in workflow.OPEN_STATES or appeal.state_enum == State.PENDING:
            raise AppealRefused(f"当前状态为“{appeal.state_enum.label}”，不能增加协办部门")
        if department.pk == appeal.handler_id:
            raise AppealRefused("主办部门不能同时是协办部门")
        if department.district_id != appeal.district_id:
            raise AppealRefused(f"{department.name}不是{appeal.district.name}的部门")
        if appeal.about_staff and appeal.about_department_id == department.pk:
            raise AppealRefused("反映该部门工作人员的诉求不能交由该部门协办")
        assist, created = Assist.objects.get_or_create(
            appeal=appeal, department=department, defaults={"part": part.strip()[:300]}
        )
        if not created:
            raise AppealRefused(f"{department.name}已是本诉求的协办部门")
        _event(appeal, "增加协办", by=by, note=f"{department.name}：{assist.part}", department=department)
    return assist


def answer_assist(assist: Assist, *, by: User, text: str) -> Assist:
    """The assisting department's answer to its part, which the 主办 department takes into its reply."""
    if not text.strip():
        raise AppealRefused("请填写协办意见")
    with transaction.atomic():
        assist = (
            Assist.objects.select_for_update(of=("self",))
            .select_related("appeal", "department")
            .get(pk=assist.pk)
        )
        if by.department_id != assist.department_id or not by.can("appeals.handle"):
            raise AppealRefused("只有协办部门可以填写协办意见")
        assist.answer, assist.answered_at = text.strip()[:5000], clock.now()
        assist.save(update_fields=["answer", "answered_at"])
        _event(assist.appeal, "协办答复", by=by, note=assist.answer[:200], department=assist.department)
    return assist
