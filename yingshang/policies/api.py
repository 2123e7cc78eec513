"""政策找企业 JSON API: current reward items, the 政策计算器 for one enterprise, batch match runs and
their results.

Who may do what (capabilities in core/roles.py; until `policies.*` exist there, the registry's are
used in their place):

- items: staff who view policies, and enterprise users;
- calculator/{uscc}: an enterprise user for their own enterprise only; staff for entities in their
  scope (core.scope); anything else is a 404, exactly like an unknown USCC;
- runs, results: staff who view policies. A district-level user sees their district's figures and
  results only; a city-level user sees everything;
- entitlements (read only): staff who view entitlements, in their scope; an enterprise user its own
  pushed ones. Anything else is a 404, like an unknown id.

(No `from __future__ import annotations` here: ninja reads the view signatures at import time.)
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from yingshang.core.api_common import (
    ERRORS,
    ERRORS_WITH_404,
    ISO_DATE,
    ITEM_KEY_PATTERN,
    NOT_ALLOWED,
    USCC_PATTERN,
    require,
)
from yingshang.core.paging import MappedPage, PagePagination
from yingshang.core.roles import CAPABILITIES
from yingshang.core.scope import scoped
from yingshang.policies import services
from yingshang.policies.models import MatchResult, MatchRun, RewardItem
from yingshang.policies.reasons import reason_texts
from yingshang.registry.models import Enterprise, User

router = Router(tags=["政策找企业"])

ENTERPRISE_NOT_FOUND = "未找到该市场主体，或您无权查看"
RUN_NOT_FOUND = "未找到该批次"
ITEM_NOT_FOUND = "该批次中没有这个奖励项"
VERDICT_CHOICES = ("eligible", "needs_confirmation")


def capability(preferred: str, fallback: str) -> str:
    """`preferred` once core/roles.py defines it; until then the registry capability it stands for."""
    return preferred if preferred in CAPABILITIES else fallback


def view_capability() -> str:
    return capability("policies.view", "registry.view")


def own_capability() -> str:
    return capability("policies.calculate_own", "registry.own_enterprise")


def calculable_enterprise(user: User, uscc: str) -> Enterprise:
    """The entity the user may run the calculator for: their own (enterprise users) or one in scope."""
    uscc = uscc.upper()
    if user.can(own_capability()):
        if user.enterprise_id is None or user.enterprise.uscc != uscc:
            raise HttpError(404, ENTERPRISE_NOT_FOUND)
        return user.enterprise
    if user.can(view_capability()):
        enterprise = user.visible_enterprises().filter(uscc=uscc).first()
        if enterprise is None:
            raise HttpError(404, ENTERPRISE_NOT_FOUND)
        return enterprise
    raise HttpError(403, NOT_ALLOWED)


# ---- schemas ------------------------------------------------------------------------------------


class AsOfQuery(Schema):
    as_of: dt.date | None = Field(None, description="测算日期 YYYY-MM-DD，默认今天（北京时间）")

    @field_validator("as_of", mode="before")
    @classmethod
    def only_iso_dates(cls, value: Any) -> Any:
        # pydantic would read "0" as a Unix timestamp; a day here is YYYY-MM-DD only.
        if value is not None and not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
            raise PydanticCustomError("date_parsing", "Input should be a valid date in YYYY-MM-DD format")
        return value


class ItemOut(Schema):
    pack: str = Field(..., description="政策包标识")
    pack_version: str
    policy: str = Field(..., description="政策标识")
    policy_title: str
    key: str = Field(..., description="奖励项编号")
    title: str
    article: str
    version: str = Field(..., description="奖励项版本（内容哈希）")
    mode: str = Field(..., description="兑现方式：免申即享 / 快申快享 / 申报")
    sentence: str = Field(..., description="规则的中文表述")
    amount_sentence: str
    manual_conditions: list[str] = Field(..., description="平台无法自动核验、需企业确认的条件")
    exclusivity_group: str | None
    budget_cap_fen: int | None
    tags: list[str]
    valid_from: dt.date | None
    valid_to: dt.date | None


class OutcomeOut(Schema):
    path: str = Field(..., description="条件在规则中的位置，如 2.1")
    sentence: str
    status: str = Field(..., description="pass / fail / unknown")
    status_label: str
    actual: str = Field(..., description="企业的实际数据（文字）；空表示暂无数据")
    reason: str
    code: str = Field(..., description="原因代码，如 employees.ge.fail")
    field: str
    machine_checkable: bool
    source: str = Field(..., description="该数据的来源与日期；空表示无记录")


class CalculatedItemOut(Schema):
    pack: str
    policy: str
    policy_title: str
    key: str
    title: str
    article: str
    version: str
    verdict: str = Field(..., description="eligible / needs_confirmation / not_eligible")
    verdict_label: str
    mode: str
    amount_fen: int | None = Field(..., description="可享金额（分）；null 表示金额待确认")
    payable_fen: int = Field(..., description="不重复奖后应兑付（分）")
    amount_explanation: str
    exclusivity_group: str | None
    exclusivity_note: str
    to_confirm: list[str]
    outcomes: list[OutcomeOut]


class NamedEnterprise(Schema):
    uscc: str
    name: str
    district: str


class CalculatorOut(Schema):
    enterprise: NamedEnterprise
    as_of: dt.date
    total_payable_fen: int
    counts: dict[str, int] = Field(..., description="各结论的事项数")
    items: list[CalculatedItemOut]


class PackRef(Schema):
    name: str
    title: str
    version: str


class RunOut(Schema):
    id: int
    kind: str = Field(..., description="match 批量匹配 / whatif 政策测算")
    kind_label: str
    state: str = Field(..., description="queued / running / done / failed")
    state_label: str
    progress: str
    as_of: dt.date
    scope: str = Field(..., description="数字的范围：全市，或本辖区名称")
    entity_count: int
    item_count: int
    eligible_count: int
    needs_confirmation_count: int
    total_amount_fen: int = Field(..., description="不重复奖后应兑付合计（分）")
    error: str
    packs: list[PackRef]
    created_at: dt.datetime
    finished_at: dt.datetime | None
    duration_ms: int | None


class ResultOut(Schema):
    uscc: str
    name: str
    district: str
    item: str = Field(..., description="奖励项编号")
    item_title: str
    item_version: str
    verdict: str
    verdict_label: str
    mode: str
    amount_fen: int | None
    payable_fen: int | None
    reason_codes: list[str]
    reasons: list[str]
    to_confirm: list[str]


class ResultQuery(Schema):
    item: str | None = Field(None, pattern=ITEM_KEY_PATTERN, description="奖励项编号，如 xx18_art3_hnte")
    verdict: str | None = Field(None, pattern="^(eligible|needs_confirmation)$", description="结论")


# ---- items --------------------------------------------------------------------------------------


@router.get(
    "/items",
    response={200: list[ItemOut], **ERRORS},
    operation_id="policy_items",
    summary="现行奖补事项（含规则的中文表述）",
)
def list_items(request: HttpRequest, query: Query[AsOfQuery]) -> list[dict[str, Any]]:
    require(request, view_capability(), own_capability())
    return [
        {
            "pack": current.pack.name,
            "pack_version": current.pack.version,
            "policy": current.policy.id,
            "policy_title": current.policy.title,
            "key": current.row.key,
            "title": current.row.title,
            "article": current.row.article,
            "version": current.row.version,
            "mode": current.row.mode,
            "sentence": current.row.sentence,
            "amount_sentence": current.row.amount_sentence,
            "manual_conditions": current.row.manual_conditions,
            "exclusivity_group": current.row.exclusivity_group or None,
            "budget_cap_fen": current.row.budget_cap_fen,
            "tags": current.row.tags,
            "valid_from": current.row.valid_from,
            "valid_to": current.row.valid_to,
        }
        for current in services.current_items(query.as_of)
    ]


# ---- calculator ---------------------------------------------------------------------------------


@router.get(
    "/calculator/{uscc}",
    response={200: CalculatorOut, **ERRORS_WITH_404},
    operation_id="policy_calculator",
    summary="政策计算器：某市场主体可享的奖补、金额和理由",
)
def calculator(
    request: HttpRequest,
    query: Query[AsOfQuery],
    uscc: str = Path(..., pattern=USCC_PATTERN, description="统一社会信用代码（18 位）"),
) -> dict[str, Any]:
    user = require(request, view_capability(), own_capability())
    enterprise = calculable_enterprise(user, uscc)
    result = services.calculate_for(enterprise, query.as_of)
    items = []
    for pack_calculation, item in result.results:
        row = pack_calculation.row(item)
        items.append(
            {
                "pack": pack_calculation.pack.name,
                "policy": item.policy_id,
                "policy_title": item.policy_title,
                "key": item.item_id,
                "title": item.title,
                "article": item.article,
                "version": row.version,
                "verdict": item.verdict.value,
                "verdict_label": item.verdict.label,
                "mode": item.mode.value,
                "amount_fen": item.amount_fen,
                "payable_fen": item.payable_fen,
                "amount_explanation": item.amount_explanation,
                "exclusivity_group": item.exclusivity_group,
                "exclusivity_note": item.exclusivity_note,
                "to_confirm": list(item.to_confirm),
                "outcomes": [
                    {
                        "path": o.path,
                        "sentence": o.sentence,
                        "status": o.status.value,
                        "status_label": o.status.label,
                        "actual": o.actual,
                        "reason": o.reason,
                        "code": o.code,
                        "field": o.field,
                        "machine_checkable": o.machine_checkable,
                        "source": result.source_of(o.field),
                    }
                    for o in item.outcomes
                ],
            }
        )
    return {
        "enterprise": {
            "uscc": result.enterprise.uscc,
            "name": result.enterprise.name,
            "district": result.enterprise.district.name,
        },
        "as_of": result.as_of,
        "total_payable_fen": result.total_payable_fen,
        "counts": result.counts,
        "items": items,
    }


# ---- runs and results ---------------------------------------------------------------------------


def run_out(run: MatchRun, user: User) -> dict[str, Any]:
    figures = services.run_figures_for(run, user)
    return {
        "id": run.pk,
        "kind": run.kind,
        "kind_label": run.get_kind_display(),
        "state": run.state,
        "state_label": run.get_state_display(),
        "progress": run.progress,
        "as_of": run.as_of,
        "error": run.error,
        "packs": [{"name": p.name, "title": p.title, "version": p.version} for p in run.packs.all()],
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "duration_ms": run.duration_ms,
        **figures,
    }


@router.get(
    "/runs",
    response={200: list[RunOut], **ERRORS},
    operation_id="policy_runs",
    summary="批量匹配批次（最新的在前）",
)
@paginate(PagePagination)
def list_runs(request: HttpRequest) -> list[dict[str, Any]]:
    user = require(request, view_capability())
    runs = (
        scoped(MatchRun.objects.filter(kind="match"), user)
        .prefetch_related("packs")
        .order_by("-created_at", "-pk")
    )
    return MappedPage(runs, lambda run: run_out(run, user))  # type: ignore[return-value]


def visible_run(request: HttpRequest, run_id: int) -> tuple[User, MatchRun]:
    user = require(request, view_capability())
    run = scoped(MatchRun.objects.filter(pk=run_id, kind="match"), user).prefetch_related("packs").first()
    if run is None:
        raise HttpError(404, RUN_NOT_FOUND)
    return user, run


@router.get(
    "/runs/{run_id}",
    response={200: RunOut, **ERRORS_WITH_404},
    operation_id="policy_run",
    summary="一个批量匹配批次的状态与数字",
)
def get_run(request: HttpRequest, run_id: int = Path(..., ge=1, le=2**62, description="批次编号")) -> dict:
    user, run = visible_run(request, run_id)
    return run_out(run, user)


@router.get(
    "/runs/{run_id}/results",
    response={200: list[ResultOut], **ERRORS_WITH_404},
    operation_id="policy_run_results",
    summary="批次的匹配结果（符合与需确认的企业；限可查看的市场主体）",
)
@paginate(PagePagination)
def list_results(
    request: HttpRequest,
    filters: Query[ResultQuery],
    run_id: int = Path(..., ge=1, le=2**62, description="批次编号"),
) -> Any:
    user, run = visible_run(request, run_id)
    item = None
    if filters.item:
        item = RewardItem.objects.filter(policy__pack__in=run.packs.all(), key=filters.item).first()
        if item is None:
            raise HttpError(404, ITEM_NOT_FOUND)
    results: QuerySet[MatchResult] = scoped(services.run_results(run, item, filters.verdict), user)
    return MappedPage(results.select_related("item__policy__pack"), result_out)


def result_out(result: MatchResult) -> dict[str, Any]:
    engine_item = services.engine_item(result.item)
    return {
        "uscc": result.enterprise.uscc,
        "name": result.enterprise.name,
        "district": result.district.name,
        "item": result.item.key,
        "item_title": result.item.title,
        "item_version": result.item.version,
        "verdict": result.verdict,
        "verdict_label": result.get_verdict_display(),
        "mode": result.mode,
        "amount_fen": result.amount_fen,
        "payable_fen": result.payable_fen,
        "reason_codes": list(result.reason_codes or []),
        "reasons": reason_texts(engine_item, result.reason_codes or []) if engine_item else [],
        "to_confirm": list(result.to_confirm or []),
    }
