"""接诉即办 services: the only place that writes appeals. One transaction per action, each with its
timeline event; every refusal is `AppealRefused` with a Chinese message and nothing changed.

Who may act: the 营商办 (appeals.dispatch) dispatches, decides extensions, closes and merges; the
handling department's staff (appeals.handle, the appeal's 主办) sign, send back, suspend, reply; the
requester rates through the secret tracking link (or a clerk records the phone 回访). Which rows a
person reaches is core.scope's.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from yingshang.appeals import workflow
from yingshang.appeals.models import CHANNELS, Appeal, Category, Event, Extension, Supervision
from yingshang.appeals.workflow import Action, Case, Kind, Limits, State, TransitionRefused
from yingshang.core import clock
from yingshang.core.scope import Scope, scoped
from yingshang.registry.models import Department, District, Enterprise, User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

TEXT_MAX_CHARS = 5000
TITLE_MAX_CHARS = 100
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
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
    if user.can("appeals.dispatch") and scoped(Appeal.objects.filter(pk=appeal.pk), user).exists():
        return True
    return user.department_id is not None and user.department_id == appeal.handler_id


def _require_office(by: User | None, appeal: Appeal | None = None) -> None:
    if by is None:
        return  # the platform itself (direct dispatch, the deadline sweep)
    if not by.can("appeals.dispatch"):
        raise AppealRefused("只有营商办可以分拨、审批延期、合并和办结诉求")
    if appeal is not None and not scoped(Appeal.objects.filter(pk=appeal.pk), by, "change").exists():
        raise AppealRefused("该诉求不在您的辖区内")


def _require_handler(by: User, appeal: Appeal) -> None:
    """The appeal's 主办 department's staff (or the 营商办 of its district, standing in)."""
    if by.can("appeals.dispatch") and scoped(Appeal.objects.filter(pk=appeal.pk), by, "change").exists():
        return
    if not by.can("appeals.handle") or by.department_id is None or by.department_id != appeal.handler_id:
        raise AppealRefused("只有主办部门可以办理该诉求")


def _locked(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update().select_related("handler", "district").get(pk=appeal.pk)


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


# ==================================================================================================
# Intake
# ==================================================================================================


@dataclass
class NewAppeal:
    kind: str
    title: str
    text: str
    district: District
    requester_phone: str
    channel: str = "web"
    requester_name: str = ""
    anonymous: bool = False
    place: str = ""
    enterprise: Enterprise | None = None
    about_staff: bool = False
    about_department: Department | None = None
    idempotency_key: str = ""
    submitted_from: str | None = None
    created_by: User | None = None
    hotline_number: str = ""
    # When it was received, if not now: a hotline work order's 受理时间 (its deadlines count from then).
    received_at: dt.datetime | None = None


def _check_new(data: NewAppeal) -> None:
    if data.kind not in {k.value for k in Kind}:
        raise AppealRefused("请选择诉求类型（咨询、求助、投诉、举报或建议）")
    if not data.text.strip():
        raise AppealRefused("请填写诉求内容")
    if len(data.text) > TEXT_MAX_CHARS:
        raise AppealRefused(
            f"诉求内容共 {len(data.text):,} 字，超过 {TEXT_MAX_CHARS:,} 字的上限，请精简后再提交"
        )
    if len(data.title.strip()) > TITLE_MAX_CHARS:
        raise AppealRefused(f"标题不能超过 {TITLE_MAX_CHARS} 字")
    if not PHONE_RE.match(data.requester_phone.strip()):
        raise AppealRefused("联系电话格式不正确：请填写 11 位手机号或带区号的固定电话，以便答复和回访")


def _check_rate(data: NewAppeal) -> None:
    """A burst from one address or one phone is refused before anything is written."""
    if data.channel in ("hotline", "visit"):
        return
    since = clock.now() - dt.timedelta(hours=1)
    limit = settings.APPEALS_PER_HOUR
    recent = Appeal.objects.filter(received_at__gte=since)
    by_phone = recent.filter(requester_phone=data.requester_phone.strip()).count()
    by_address = recent.filter(submitted_from=data.submitted_from).count() if data.submitted_from else 0
    if by_phone >= limit or by_address >= limit:
        raise AppealRefused(
            f"提交过于频繁：同一联系电话或同一网络一小时内最多提交 {limit} 件诉求。"
            "已提交的诉求都已受理，请凭查询码查看办理进度，或稍后再提交"
        )


def _new_number(day: dt.date) -> str:
    """SQ + date + a 5-digit serial of the day (a collision retries with the next serial)."""
    prefix = f"SQ{day:%Y%m%d}"
    last = (
        Appeal.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:05d}"


def submit_appeal(
    data: NewAppeal, *, proposals: list[tuple[str, float]] | None = None, routing_version: str = ""
) -> Appeal:
    """Receive an appeal: checked, rate-limited, numbered, its deadlines counted, and dispatched straight
    to the department when it is about a department's staff (the discipline office) or the router is
    confident enough (工单直派); else it waits in the 营商办 queue with the router's proposals. A retried
    submission with the same idempotency key returns the first appeal and writes nothing."""
    key = data.idempotency_key.strip()[:80] or None
    if key is not None:
        existing = Appeal.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    _check_new(data)
    _check_rate(data)
    now = clock.now()
    received = data.received_at or now
    for _attempt in range(5):
        try:
            with transaction.atomic():
                appeal = Appeal(
                    number=_new_number(clock.local(now).date()),
                    token=secrets.token_urlsafe(16),
                    kind=data.kind,
                    channel=data.channel,
                    title=(data.title.strip() or data.text.strip()[:30])[:TITLE_MAX_CHARS],
                    text=data.text.strip(),
                    place=data.place.strip()[:200],
                    district=data.district,
                    enterprise=data.enterprise,
                    requester_name="" if data.anonymous else data.requester_name.strip()[:50],
                    requester_phone=data.requester_phone.strip(),
                    anonymous=data.anonymous,
                    about_staff=data.about_staff,
                    about_department=data.about_department,
                    proposals=[[code, round(conf, 4)] for code, conf in (proposals or [])[:3]],
                    routing_version=routing_version,
                    routing_confidence=round(proposals[0][1], 4) if proposals else None,
                    received_at=received,
                    idempotency_key=key,
                    hotline_number=data.hotline_number or None,
                    submitted_from=data.submitted_from,
                    created_by=data.created_by,
                )
                set_deadlines(appeal, received)
                _save(appeal, data.created_by, "受理")
                _event(appeal, "受理", by=data.created_by, note=dict(CHANNELS).get(data.channel, ""))
                _route_new(appeal)
            return appeal
        except IntegrityError:
            if key is not None and Appeal.objects.filter(idempotency_key=key).exists():
                return Appeal.objects.get(idempotency_key=key)
            continue  # a number taken by a submission a moment earlier: take the next
    raise AppealRefused("系统繁忙，诉求未能受理，请稍后重试")


def _route_new(appeal: Appeal) -> None:
    if appeal.about_staff:
        office = discipline_office(appeal.district)
        if office is not None:
            _dispatch(appeal, office, by=None, note="反映工作人员问题，转纪检监察部门办理")
        else:
            _event(appeal, "待分拨", by=None, note="反映工作人员问题：本区未设纪检监察部门账号，由营商办分拨")
        return
    if not appeal.proposals:
        return
    code, confidence = appeal.proposals[0]
    if confidence * 100 < settings.APPEAL_DIRECT_DISPATCH_PERCENT:
        return
    category = Category.objects.filter(code=code, is_active=True).first()
    department = department_for(category, appeal.district) if category else None
    if category is not None and department is not None:
        appeal.category = category
        _dispatch(
            appeal,
            department,
            by=None,
            note=f"工单直派：分拨模型 {appeal.routing_version}，置信度 {confidence:.0%}",
        )


def discipline_office(district: District) -> Department | None:
    """The district's discipline office (纪检监察), which handles appeals about staff."""
    query = Q()
    for word in DISCIPLINE_WORDS:
        query |= Q(name__contains=word)
    return Department.objects.filter(query, district=district, is_active=True).order_by("order", "pk").first()


def department_for(category: Category, district: District) -> Department | None:
    """The district's department of the category's name (“市场监管局” → 渭滨区市场监管局)."""
    name = category.department_name.strip()
    candidates = Department.objects.filter(district=district, is_active=True, name__endswith=name)
    return candidates.order_by("order", "pk").first()


# ==================================================================================================
# Dispatch, sign, return
# ==================================================================================================


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
        extension = Extension.objects.select_for_update().select_related("appeal").get(pk=extension.pk)
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


@dataclass
class SweepResult:
    warned: int = 0
    supervised: int = 0


def sweep_deadlines(today: dt.date | None = None) -> SweepResult:
    """预警 and 督办 over every open appeal in a few set-based queries: those with at most the configured
    share of their working days left are warned once; overdue ones get a 督办 on their department."""
    day = today or clock.today()
    now = clock.now()
    result = SweepResult()
    calendar = get_calendar()
    running = Appeal.objects.filter(
        state__in=[s.value for s in workflow.CLOCK_STATES], finish_due_on__isnull=False
    )
    fraction = settings.APPEAL_WARNING_PERCENT / 100
    with transaction.atomic():
        for total in running.order_by().values_list("due_workdays", flat=True).distinct():
            if not total:
                continue
            try:
                edge = calendar.add_workdays(day, int(total * fraction))
            except CalendarError:
                continue
            result.warned += running.filter(
                due_workdays=total, warned_at__isnull=True, finish_due_on__gte=day, finish_due_on__lte=edge
            ).update(warned_at=now)
        overdue = list(
            running.filter(
                finish_due_on__lt=day, supervised_at__isnull=True, handler__isnull=False
            ).values_list("pk", "handler_id", "finish_due_on")
        )
        Supervision.objects.bulk_create(
            [
                Supervision(
                    appeal_id=pk,
                    department_id=handler,
                    reason=f"超过办结期限（{due:%Y-%m-%d}）仍未答复",
                    created_at=now,
                )
                for pk, handler, due in overdue
            ],
            batch_size=5000,
        )
        Event.objects.bulk_create(
            [
                Event(appeal_id=pk, action="督办", note=f"超过办结期限（{due:%Y-%m-%d}）", at=now)
                for pk, _, due in overdue
            ],
            batch_size=5000,
        )
        for start in range(0, len(overdue), 5000):
            Appeal.objects.filter(pk__in=[pk for pk, _, _ in overdue[start : start + 5000]]).update(
                supervised_at=now
            )
        result.supervised = len(overdue)
    return result


def find_by_token(token: str) -> Appeal | None:
    """The requester's appeal behind a tracking link (None: no such link)."""
    if not token or len(token) > 64:
        return None
    return Appeal.objects.filter(token=token).select_related("handler", "district").first()


# ==================================================================================================
# The enterprise's own appeals (its 企业码 page)
# ==================================================================================================


def own_appeals(enterprise: Enterprise) -> QuerySet[Appeal]:
    """The appeals an enterprise made (through its page or logged in), newest first."""
    return (
        scoped(Appeal.objects.all(), Scope.of_enterprise(enterprise.pk))
        .select_related("handler")
        .order_by("-received_at", "-id")
    )


@dataclass
class OwnFigures:
    total: int
    open: int
    closed: int
    satisfied: int  # 满意 or 基本满意 among the rated
    rated: int

    @property
    def satisfaction(self) -> str:
        """满意率: 满意 and 基本满意 over the rated ones."""
        return f"{self.satisfied * 100 / self.rated:.0f}%" if self.rated else "—"


def own_figures(enterprise: Enterprise) -> OwnFigures:
    rows = own_appeals(enterprise).exclude(state=State.MERGED.value)
    rated = rows.exclude(rating="")
    return OwnFigures(
        total=rows.count(),
        open=rows.filter(state__in=[s.value for s in workflow.OPEN_STATES]).count(),
        closed=rows.filter(state=State.CLOSED.value).count(),
        satisfied=rated.filter(rating__in=["satisfied", "basically"]).count(),
        rated=rated.count(),
    )
