"""好差评: ratings of a window's or a department's service from the 码上监督 QR codes. A 差评 with its
reason and a phone becomes an appeal (差评整改), sent to the rated department, followed like any other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q

from yingshang.appeals.models import ServiceRating
from yingshang.appeals.services.common import AppealRefused, _dispatch
from yingshang.appeals.services.intake import NewAppeal, submit_appeal
from yingshang.core import clock
from yingshang.core.phones import PHONE_RE
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, District, User

COMMENT_MAX_CHARS = 500


def rate_service(
    *,
    district: District,
    score: int,
    department: Department | None = None,
    place: str = "",
    comment: str = "",
    phone: str = "",
    submitted_from: str | None = None,
) -> ServiceRating:
    """Record a rating; a 差评 (≤ 不满意) needs its reason and a phone for the follow-up, and opens an
    appeal to the rated department (or the office's queue when no department is named)."""
    if score not in dict(ServiceRating.SCORES):
        raise AppealRefused("请选择评价：非常满意、满意、基本满意、不满意或非常不满意")
    if len(comment) > COMMENT_MAX_CHARS:
        raise AppealRefused(f"意见不能超过 {COMMENT_MAX_CHARS} 字")
    if department is not None and department.district_id != district.pk:
        raise AppealRefused(f"{department.name}不是{district.name}的部门")
    bad = score <= 2
    if bad and not comment.strip():
        raise AppealRefused("请写明不满意的原因，以便整改")
    if bad and not PHONE_RE.match(phone.strip()):
        raise AppealRefused("请留下联系电话（11 位手机号或带区号的固定电话），整改后回访您")
    if submitted_from:
        since = clock.now() - dt.timedelta(hours=1)
        recent = ServiceRating.objects.filter(submitted_from=submitted_from, created_at__gte=since).count()
        if recent >= settings.APPEALS_PER_HOUR:
            raise AppealRefused(
                f"提交过于频繁：同一网络一小时内最多提交 {settings.APPEALS_PER_HOUR} 次评价，请稍后再试"
            )
    with transaction.atomic():
        appeal = None
        if bad:
            where = place.strip() or (department.name if department else "")
            appeal = submit_appeal(
                NewAppeal(
                    kind="complaint",
                    title=f"差评整改：{where}"[:100],
                    text=comment.strip(),
                    district=district,
                    requester_phone=phone.strip(),
                    place=place,
                    channel="qr",
                    submitted_from=submitted_from,
                ),
                proposals=[],
            )
            if department is not None and appeal.state == "pending":
                _dispatch(appeal, department, by=None, note="好差评的差评，转被评价部门整改")
        return ServiceRating.objects.create(
            district=district,
            department=department,
            place=place.strip()[:200],
            score=score,
            comment=comment.strip(),
            appeal=appeal,
            submitted_from=submitted_from,
            created_at=clock.now(),
        )


@dataclass
class RatingLine:
    place: str
    department: str
    count: int
    average: float
    bad: int

    @property
    def good_percent(self) -> str:
        """好评率: the share of ratings that are not 差评."""
        return f"{(self.count - self.bad) * 100 / self.count:.1f}%" if self.count else "—"


def rating_lines(user: User | None) -> list[RatingLine]:
    """Ratings per window and department within `user`'s reach, most 差评 first."""
    rows = (
        scoped(ServiceRating.objects.all(), user)
        .order_by()
        .values("place", "department__name")
        .annotate(count=Count("id"), average=Avg("score"), bad=Count("id", filter=Q(score__lte=2)))
    )
    lines = [
        RatingLine(r["place"], r["department__name"] or "", r["count"], float(r["average"] or 0), r["bad"])
        for r in rows
    ]
    return sorted(lines, key=lambda line: (-line.bad, -line.count, line.place))
