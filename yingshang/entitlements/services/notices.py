"""公示 and 异议: publishing approved entitlements for some working days, and objections to them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, Objection, PublicNotice
from yingshang.entitlements.services.common import (
    OBJECTION_REASON,
    EntitlementRefused,
    _label,
    _locked,
    _next,
    _note_missing_due,
    _require_in,
    _require_manage,
    _save,
    deadlines,
    stage_due,
    visible_entitlements,
)
from yingshang.entitlements.services.confirm import OBJECTION_MAX_CHARS, PHONE_RE
from yingshang.entitlements.workflow import (
    Action,
    State,
)
from yingshang.registry.models import User
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

# ==================================================================================================
# 公示 and objections
# ==================================================================================================


def publish_notice(ids: Iterable[int], *, by: User, title: str, workdays: int | None = None) -> PublicNotice:
    """List approved entitlements publicly for `workdays` working days (default from settings)."""
    _require_manage(by)
    title = (title or "").strip()
    if not title:
        raise EntitlementRefused("请填写公示标题")
    limits = deadlines() if workdays is None else dataclasses.replace(deadlines(), publicity=workdays)
    if limits.publicity < 1 or limits.publicity > 60:
        raise EntitlementRefused("公示期应为 1 到 60 个工作日")
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要公示的事项")
    day = clock.today()
    calendar = get_calendar()
    try:
        starts_on = calendar.add_workdays(day, 0)
        ends_on = calendar.add_workdays(starts_on, limits.publicity)
    except CalendarError as exc:
        raise EntitlementRefused(f"无法计算公示截止日期：{exc.message}") from None
    with transaction.atomic():
        rows = list(
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice")
            .filter(pk__in=visible_entitlements(by).filter(pk__in=wanted).values("pk"))
            .order_by("pk")
        )
        if len(rows) != len(wanted):
            raise EntitlementRefused("所选事项中有找不到或不在您管辖范围内的，请刷新后重试")
        problems = []
        for e in rows:
            try:
                _next(e, Action.PUBLICIZE, day)
                if e.needs_review:
                    raise EntitlementRefused(f"有待复核的情况（{e.review_reason}），请先复核")
            except EntitlementRefused as exc:
                problems.append(f"{_label(e)}：{exc.message}")
        if problems:
            raise EntitlementRefused("；".join(problems))
        districts = {e.district_id for e in rows}
        notice = PublicNotice.objects.create(
            title=title[:200],
            district_id=districts.pop() if len(districts) == 1 else None,
            starts_on=starts_on,
            ends_on=ends_on,
            workdays=limits.publicity,
            created_by=by,
        )
        for e in rows:
            e.state = State.PUBLICIZED.value
            e.notice = notice
            e.due_on = stage_due(e, State.PUBLICIZED, starts_on, limits)
            _save(e, by, Action.PUBLICIZE.label)
            _note_missing_due(e, State.PUBLICIZED, starts_on, by)
        return notice


def _check_objection_rate(address: str | None, phone: str) -> None:
    limit = settings.OBJECTIONS_PER_HOUR
    since = clock.now() - dt.timedelta(hours=1)
    recent = Objection.objects.filter(submitted_at__gte=since)
    if address and recent.filter(submitted_from=address).count() >= limit:
        raise EntitlementRefused(
            f"同一网络地址一小时内最多提交 {limit} 条异议，请稍后再试；如情况紧急请致电营商办"
        )
    if phone and recent.filter(contact_phone=phone).count() >= limit:
        raise EntitlementRefused(
            f"同一联系电话一小时内最多提交 {limit} 条异议，请稍后再试；如情况紧急请致电营商办"
        )


def raise_objection(
    notice: PublicNotice,
    *,
    text: str,
    contact_name: str = "",
    contact_phone: str = "",
    entitlement: Entitlement | None = None,
    submitted_from: str | None = None,
) -> Objection:
    """Anyone may object during the 公示; the named entitlement (if any) waits for review. An address
    or a phone number may object only so often (settings.OBJECTIONS_PER_HOUR): an objection puts a
    payment on hold, so a flood of them must not stop every payment of a 公示."""
    text = (text or "").strip()
    if not text:
        raise EntitlementRefused("请填写异议内容")
    if len(text) > OBJECTION_MAX_CHARS:
        raise EntitlementRefused(f"异议内容不超过 {OBJECTION_MAX_CHARS} 字")
    phone = re.sub(r"\s", "", contact_phone or "")
    if phone and not PHONE_RE.match(phone):
        raise EntitlementRefused(f"联系电话“{contact_phone}”格式不对")
    day = clock.today()
    if day < notice.starts_on:
        raise EntitlementRefused(f"公示自 {notice.starts_on:%Y年%m月%d日} 开始，尚不能提出异议")
    if day > notice.ends_on:
        raise EntitlementRefused(f"公示期已于 {notice.ends_on:%Y年%m月%d日} 结束，不再受理异议")
    _check_objection_rate(submitted_from, phone)
    with transaction.atomic():
        if entitlement is not None:
            entitlement = _locked(entitlement)
            if entitlement.notice_id != notice.pk:
                raise EntitlementRefused("所指事项不在本次公示名单中")
        objection = Objection.objects.create(
            notice=notice,
            entitlement=entitlement,
            text=text,
            contact_name=(contact_name or "").strip()[:50],
            contact_phone=phone[:20],
            submitted_from=submitted_from or None,
        )
        if entitlement is not None and not entitlement.needs_review:
            entitlement.needs_review = True
            entitlement.review_reason = f"{OBJECTION_REASON}，待处理"
            _save(entitlement, None, "收到公示异议")
        return objection


def resolve_objection(
    o: Objection, *, by: User, upheld: bool, resolution: str, entitlement: Entitlement | None = None
) -> Objection:
    """The office decides an objection. Upheld: the entitlement it concerns is rejected (an objection
    raised against the whole list must name which one, via `entitlement`). Dismissed: the entitlement
    goes on once no other objection against it is open."""
    _require_manage(by)
    resolution = (resolution or "").strip()
    if not resolution:
        raise EntitlementRefused("请填写处理意见")
    with transaction.atomic():
        o = Objection.objects.select_for_update().get(pk=o.pk)
        if o.state != "open":
            raise EntitlementRefused(f"该异议已处理（{o.get_state_display()}）")
        target = o.entitlement
        if entitlement is not None:
            if target is not None and target.pk != entitlement.pk:
                raise EntitlementRefused("该异议针对的是另一家企业的事项")
            target = entitlement
        if target is not None:
            target = _locked(target)
            _require_in(visible_entitlements(by), target, "处理")
            if target.notice_id != o.notice_id:
                raise EntitlementRefused("所指事项不在该异议所属的公示名单中")
        if upheld and target is None:
            raise EntitlementRefused("异议成立时须指明涉及公示名单中的哪一家企业")
        o.state = "upheld" if upheld else "dismissed"
        o.handled_by, o.handled_at, o.resolution = by, timezone.now(), resolution
        o.entitlement = target
        o._history_user = by  # type: ignore[attr-defined]
        o.save()
        if target is not None:
            if upheld:
                target.state = _next(target, Action.UPHOLD_OBJECTION).value
                target.rejection_reason = f"公示异议成立：{resolution}"[:300]
                target.needs_review, target.review_reason = False, ""
                target.reviewed_at, target.reviewed_by, target.due_on = timezone.now(), by, None
                _save(target, by, Action.UPHOLD_OBJECTION.label)
            elif not target.objections.filter(state="open").exists() and target.review_reason.startswith(
                OBJECTION_REASON
            ):
                target.needs_review, target.review_reason = False, ""
                _save(target, by, "异议不成立")
        return o


def open_objections(e: Entitlement) -> QuerySet[Objection]:
    """Objections still open against `e` or against its whole 公示 list."""
    if not e.notice_id:
        return Objection.objects.none()
    return Objection.objects.filter(
        Q(entitlement=e) | Q(entitlement__isnull=True), notice_id=e.notice_id, state="open"
    )
