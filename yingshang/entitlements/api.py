"""政策兑现 JSON API, read only: the ledger for a finance or statistics system.

Staff see the entitlements of entities in their scope (entitlements.view); an enterprise user sees its
own, and only once the office has pushed them (as on its 企业码 page). Changes go through the pages,
where each step is confirmed by a person.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from yingshang.core.api_common import (
    ERRORS,
    ERRORS_WITH_404,
    ITEM_KEY_PATTERN,
    NOT_ALLOWED,
    USCC_PATTERN,
    user_of,
)
from yingshang.core.paging import MappedPage, PagePagination
from yingshang.entitlements import services
from yingshang.entitlements.models import Entitlement
from yingshang.registry.models import User

router = Router(tags=["政策兑现"])

ENTITLEMENT_NOT_FOUND = "未找到该兑现事项，或您无权查看"
STATE_PATTERN = r"^(matched|pushed|confirmed|approved|rejected|publicized|paid|archived|withdrawn)$"


class EntitlementQuery(Schema):
    state: str | None = Field(None, pattern=STATE_PATTERN, description="状态，如 pushed、paid")
    item: str | None = Field(None, pattern=ITEM_KEY_PATTERN, description="奖补事项标识")
    uscc: str | None = Field(None, pattern=USCC_PATTERN, description="统一社会信用代码")


class EntitlementOut(Schema):
    id: int
    uscc: str
    name: str
    district: str
    item: str = Field(..., description="奖补事项标识")
    item_title: str
    item_version: str
    department: str = Field(..., description="牵头部门")
    mode: str
    verdict: str = Field(..., description="比对结论：eligible 符合 / needs_confirmation 需企业确认")
    amount_fen: int | None = Field(None, description="应兑付金额（分）")
    state: str
    state_label: str
    due_on: dt.date | None = Field(None, description="本环节期限（按工作日计算；所在年份节假日未录入时为空）")
    needs_review: bool
    review_reason: str
    matched_at: dt.datetime
    pushed_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    notice: str | None = Field(None, description="公示标题")
    paid_on: dt.date | None
    paid_fen: int | None = Field(None, description="实际兑付金额（分）")
    voucher_no: str


def entitlements_for(user: User) -> QuerySet[Entitlement]:
    if user.can("entitlements.own"):
        return (
            services.own_entitlements(user.enterprise) if user.enterprise_id else Entitlement.objects.none()
        )
    if user.can("entitlements.view"):
        return services.visible_entitlements(user)
    raise HttpError(403, NOT_ALLOWED)


def entitlement_out(e: Entitlement) -> dict[str, Any]:
    return {
        "id": e.pk,
        "uscc": e.enterprise.uscc,
        "name": e.enterprise.name,
        "district": e.district.name,
        "item": e.item_key,
        "item_title": e.item.title,
        "item_version": e.item_version,
        "department": e.department,
        "mode": e.mode,
        "verdict": e.verdict,
        "amount_fen": e.amount_fen,
        "state": e.state,
        "state_label": e.get_state_display(),
        "due_on": e.due_on,
        "needs_review": e.needs_review,
        "review_reason": e.review_reason,
        "matched_at": e.matched_at,
        "pushed_at": e.pushed_at,
        "confirmed_at": e.confirmed_at,
        "reviewed_at": e.reviewed_at,
        "notice": e.notice.title if e.notice_id else None,
        "paid_on": e.paid_on,
        "paid_fen": e.paid_fen,
        "voucher_no": e.voucher_no,
    }


@router.get(
    "/entitlements",
    response={200: list[EntitlementOut], **ERRORS},
    operation_id="policy_entitlements",
    summary="政策兑现事项（限可查看的市场主体；企业用户只见本企业已推送的）",
)
@paginate(PagePagination)
def list_entitlements(request: HttpRequest, filters: Query[EntitlementQuery]) -> Any:
    rows = entitlements_for(user_of(request))
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.item:
        rows = rows.filter(item_key=filters.item)
    if filters.uscc:
        rows = rows.filter(enterprise__uscc=filters.uscc.upper())
    rows = rows.select_related("enterprise", "district", "item", "notice").order_by("pk")
    return MappedPage(rows, entitlement_out)


@router.get(
    "/entitlements/{entitlement_id}",
    response={200: EntitlementOut, **ERRORS_WITH_404},
    operation_id="policy_entitlement",
    summary="一个政策兑现事项",
)
def get_entitlement(
    request: HttpRequest, entitlement_id: int = Path(..., ge=1, le=2**62, description="兑现事项编号")
) -> dict[str, Any]:
    rows = entitlements_for(user_of(request)).select_related("enterprise", "district", "item", "notice")
    entitlement = rows.filter(pk=entitlement_id).first()
    if entitlement is None:
        raise HttpError(404, ENTITLEMENT_NOT_FOUND)
    return entitlement_out(entitlement)
