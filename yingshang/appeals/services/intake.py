"""Receiving an appeal: checks, rate limits, numbering, deadlines, direct dispatch; the requester's
link; the enterprise's own appeals."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from yingshang.appeals import workflow
from yingshang.appeals.models import CHANNELS, Appeal, Category
from yingshang.appeals.services.common import (
    DISCIPLINE_WORDS,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    AppealRefused,
    _dispatch,
    _event,
    _save,
    set_deadlines,
)
from yingshang.appeals.services.router import propose
from yingshang.appeals.workflow import Kind, State
from yingshang.core import clock
from yingshang.core.phones import PHONE_RE
from yingshang.core.scope import Scope, scoped
from yingshang.registry.models import Department, District, Enterprise, User

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
    # The category the requester chose (an Open311 service); the 营商办 still dispatches it.
    category: Category | None = None
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
    if proposals is None and not data.about_staff:
        proposals, routing_version = propose(data.text)
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
                    category=data.category,
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
