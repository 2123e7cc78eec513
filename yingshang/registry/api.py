"""Registry JSON API: market entities, qualifications, departments, the industry code table.

Every operation first asks for a role capability (403 otherwise), then narrows to the objects the
user may see (core.scope.scoped): an entity outside that scope is a 404, exactly like one that does not
exist, so the API never confirms what a user may not see.

(No `from __future__ import annotations` here: ninja reads the view signatures at import time.)
"""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from yingshang.core.api_common import require
from yingshang.core.paging import PagePagination
from yingshang.core.roles import CAPABILITIES
from yingshang.core.scope import scoped
from yingshang.registry.models import Department, Enterprise, Industry, Qualification, User
from yingshang.registry.queries import EnterpriseFilters, filter_enterprises
from yingshang.registry.schemas import (
    DEPARTMENT_CODE_PATTERN,
    ERRORS,
    ERRORS_WITH_404,
    USCC_PATTERN,
    DepartmentDetailOut,
    DepartmentOut,
    DepartmentQuery,
    EnterpriseDetailOut,
    EnterpriseOut,
    EnterpriseQuery,
    IndustryOut,
    IndustryQuery,
    MeOut,
    QualificationListItemOut,
    QualificationOut,
    QualificationQuery,
)

router = Router(tags=["市场主体名录"])

USCC_HELP = "统一社会信用代码（18 位）"
ENTERPRISE_NOT_FOUND = "未找到该市场主体，或您无权查看"
DEPARTMENT_NOT_FOUND = "未找到该部门"


# ---- permission checks --------------------------------------------------------------------------


def require_any(request: HttpRequest, *capabilities: str) -> User:
    """The authenticated user, when they hold one of the capabilities; otherwise a Chinese 403."""
    user: User = require(request, *capabilities)
    return user


def visible_enterprises(request: HttpRequest) -> QuerySet[Enterprise]:
    user = require_any(request, "registry.view", "registry.own_enterprise")
    return scoped(Enterprise.objects.all(), user)


def visible_enterprise(request: HttpRequest, uscc: str) -> Enterprise:
    enterprise = (
        visible_enterprises(request)
        .select_related("district", "street", "industry")
        .filter(uscc=uscc.upper())
        .first()
    )
    if enterprise is None:
        raise HttpError(404, ENTERPRISE_NOT_FOUND)
    return enterprise


# ---- who am I -----------------------------------------------------------------------------------


@router.get(
    "/me",
    response={200: MeOut, 401: ERRORS[401]},
    operation_id="me",
    tags=["账号"],
    summary="当前令牌对应的用户",
)
def me(request: HttpRequest) -> dict[str, Any]:
    # Open to every token holder, even without a role: it only tells users about themselves.
    user: User = request.auth  # type: ignore[attr-defined]
    department = user.department
    jurisdiction = user.jurisdiction
    enterprise = user.enterprise
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "role": user.role_enum.value,
        "role_label": user.role_label,
        "department": {"code": department.code, "name": department.name} if department else None,
        "jurisdiction": {"code": jurisdiction.code, "name": jurisdiction.name} if jurisdiction else None,
        "enterprise": {"code": enterprise.uscc, "name": enterprise.name} if enterprise else None,
        "capabilities": sorted(c for c in CAPABILITIES if user.can(c)),
    }


# ---- market entities ----------------------------------------------------------------------------


@router.get(
    "/enterprises",
    response={200: list[EnterpriseOut], **ERRORS},
    operation_id="enterprises_list",
    summary="市场主体列表（按统一社会信用代码排序）",
)
@paginate(PagePagination)
def list_enterprises(request: HttpRequest, filters: Query[EnterpriseQuery]) -> QuerySet[Enterprise]:
    wanted = EnterpriseFilters(**{k: v or "" for k, v in filters.model_dump().items()})
    return (
        filter_enterprises(visible_enterprises(request), wanted).select_related("district").order_by("uscc")
    )


@router.get(
    "/enterprises/{uscc}",
    response={200: EnterpriseDetailOut, **ERRORS_WITH_404},
    operation_id="enterprise_detail",
    summary="市场主体画像（含资质与各字段数据来源）",
)
def get_enterprise(
    request: HttpRequest, uscc: str = Path(..., pattern=USCC_PATTERN, description=USCC_HELP)
) -> Enterprise:
    return visible_enterprise(request, uscc)


@router.get(
    "/enterprises/{uscc}/qualifications",
    response={200: list[QualificationOut], **ERRORS_WITH_404},
    operation_id="enterprise_qualifications",
    tags=["资质"],
    summary="某市场主体的资质",
)
def list_enterprise_qualifications(
    request: HttpRequest, uscc: str = Path(..., pattern=USCC_PATTERN, description=USCC_HELP)
) -> QuerySet[Qualification]:
    return visible_enterprise(request, uscc).qualifications.order_by("kind", "level")


# ---- qualifications -----------------------------------------------------------------------------


@router.get(
    "/qualifications",
    response={200: list[QualificationListItemOut], **ERRORS},
    operation_id="qualifications_list",
    tags=["资质"],
    summary="资质列表（限可查看的市场主体）",
)
@paginate(PagePagination)
def list_qualifications(request: HttpRequest, filters: Query[QualificationQuery]) -> QuerySet[Qualification]:
    user = require_any(request, "registry.view", "registry.own_enterprise")
    qs = scoped(Qualification.objects.all(), user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.valid_on:
        qs = qs.filter(valid_on_q(filters.valid_on))
    return qs.select_related("enterprise").order_by("enterprise__uscc", "kind", "level")


def valid_on_q(day: dt.date) -> Q:
    """Same rule as Qualification.is_valid_on: certified by then and not yet expired."""
    return Q(certified_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


# ---- departments --------------------------------------------------------------------------------


@router.get(
    "/departments",
    response={200: list[DepartmentOut], **ERRORS},
    operation_id="departments_list",
    tags=["部门"],
    summary="部门（平铺列表，按 parent 组成树）",
)
def list_departments(request: HttpRequest, filters: Query[DepartmentQuery]) -> QuerySet[Department]:
    user = require_any(request, "departments.view")
    qs = scoped(Department.objects.all(), user).select_related("parent", "district").order_by("code")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.district:
        qs = qs.filter(district__code=filters.district)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return qs


@router.get(
    "/departments/{code}",
    response={200: DepartmentDetailOut, **ERRORS_WITH_404},
    operation_id="department_detail",
    tags=["部门"],
    summary="部门详情（含直属下级）",
)
def get_department(
    request: HttpRequest, code: str = Path(..., pattern=DEPARTMENT_CODE_PATTERN, description="部门代码")
) -> Department:
    user = require_any(request, "departments.view")
    department = (
        scoped(Department.objects.all(), user).select_related("parent", "district").filter(code=code).first()
    )
    if department is None:
        raise HttpError(404, DEPARTMENT_NOT_FOUND)
    return department


# ---- industry code table ------------------------------------------------------------------------


@router.get(
    "/industries",
    response={200: list[IndustryOut], **ERRORS},
    operation_id="industries_list",
    tags=["行业分类"],
    summary="国民经济行业分类（GB/T 4754-2017）",
)
@paginate(PagePagination)
def list_industries(request: HttpRequest, filters: Query[IndustryQuery]) -> QuerySet[Industry]:
    # A public standard, but still only for users with a role: the API is not an open data portal.
    require_any(request, "registry.view", "registry.own_enterprise")
    qs = Industry.objects.order_by("code")
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    return qs
