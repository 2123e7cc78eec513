"""Registry pages: the enterprise list, the enterprise page (企业画像), the audit trail, imports."""

from __future__ import annotations

from itertools import chain

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yingshang.core.permissions import capability_required
from yingshang.registry import industries, vocab
from yingshang.registry.models import Department, District, Enterprise, Qualification, User
from yingshang.registry.queries import EnterpriseFilters, filter_enterprises
from yingshang.workdays.models import HolidayEntry, HolidayYear

PAGE_SIZE = 50


@capability_required("registry.view")
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filters = EnterpriseFilters.from_params(request.GET)
    qs = filter_enterprises(request.user.visible_enterprises(), filters)
    qs = qs.select_related("district", "industry").order_by("uscc")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "sections": industries.sections(),
        "districts": _visible_districts(request.user),
        "scales": [*vocab.SCALES, ("unknown", "无法判定")],
        "qualification_kinds": vocab.QUALIFICATION_KINDS,
        "credit_classes": vocab.CREDIT_CLASSES,
        "statuses": vocab.STATUSES,
        "entity_types": vocab.ENTITY_TYPES,
    }
    template = "registry/_enterprise_rows.html" if request.htmx else "registry/enterprise_list.html"
    return render(request, template, context)


def _visible_districts(user: User) -> list[District]:
    if user.jurisdiction is not None:
        return [user.jurisdiction]
    return list(District.objects.all())


# (field, label, how to show it) in the order of the 企业画像 page.
PROFILE_FIELDS: list[tuple[str, str]] = [
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("entity_type", "主体类型"),
    ("industry", "行业"),
    ("district", "区县"),
    ("street", "街道"),
    ("registered_on", "成立日期"),
    ("registered_capital_fen", "注册资本"),
    ("employees", "从业人数"),
    ("annual_revenue_fen", "年营业收入"),
    ("total_assets_fen", "资产总额"),
    ("tax_paid_fen", "年纳税额"),
    ("scale", "企业规模"),
    ("credit_class", "信用风险分类"),
    ("status", "登记状态"),
]


def _display_value(enterprise: Enterprise, field: str) -> str:
    value = getattr(enterprise, field)
    if value is None or value == "":
        return "（暂无数据）"
    if field.endswith("_fen"):
        return format_fen(value)
    if field == "employees":
        return f"{value} 人"
    if field == "industry":
        section = industries.industry_table().get(enterprise.industry_section)
        return f"{section.code} {section.name} / {value}" if section else str(value)
    if field == "scale":
        return f"{enterprise.get_scale_display()}（按统计上大中小微型企业划分办法（2017）计算）"
    display = getattr(enterprise, f"get_{field}_display", None)
    return display() if display else str(value)


def format_fen(fen: int) -> str:
    """12345678 → '123,456.78 元'; money stays integer until it is shown."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d} 元"


def _profile_rows(enterprise: Enterprise) -> list[dict[str, str]]:
    rows = []
    for field, label in PROFILE_FIELDS:
        source_key = "industry" if field == "industry" else field
        origin = enterprise.source_of(source_key)
        if field == "scale":
            origin = {"source": "系统按行业、从业人数、营业收入、资产总额计算", "as_of": ""}
        rows.append(
            {
                "label": label,
                "value": _display_value(enterprise, field),
                "source": origin.get("source", ""),
                "as_of": origin.get("as_of", ""),
            }
        )
    return rows


def _render_profile(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    context = {
        "enterprise": enterprise,
        "rows": _profile_rows(enterprise),
        "qualifications": enterprise.qualifications.all(),
    }
    return render(request, "registry/enterprise_detail.html", context)


@capability_required("registry.view")
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(
        request.user.visible_enterprises().select_related("district", "street", "industry"), uscc=uscc.upper()
    )
    return _render_profile(request, enterprise)


@capability_required("registry.own_enterprise")
def my_enterprise(request: HttpRequest) -> HttpResponse:
    enterprise = request.user.enterprise
    if enterprise is None:
        raise PermissionDenied("您的账号没有绑定企业")
    return _render_profile(request, enterprise)


AUDITED = {
    "enterprise": ("市场主体", Enterprise),
    "qualification": ("资质", Qualification),
    "department": ("部门", Department),
    "user": ("用户与角色", User),
    "holiday_year": ("节假日安排", HolidayYear),
    "holiday_entry": ("节假日条目", HolidayEntry),
}
CHANGE_LABELS = {"+": "新增", "~": "修改", "-": "删除"}


@capability_required("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind and kind not in AUDITED:
        raise Http404("未知的记录类型")
    models = [AUDITED[kind]] if kind else list(AUDITED.values())
    # Each history table is read newest first and cut to what one page can show, then merged.
    limit = PAGE_SIZE * 20
    records = sorted(
        chain.from_iterable(
            model.history.select_related("history_user").order_by("-history_date")[:limit]
            for _, model in models
        ),
        key=lambda r: r.history_date,
        reverse=True,
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {model: label for label, model in AUDITED.values()}
    entries = [
        {
            "record": record,
            "kind": labels[record.instance_type],
            "change": CHANGE_LABELS.get(record.history_type, record.history_type),
            "changes": _changes_of(record),
        }
        for record in page
    ]
    return render(
        request, "registry/audit_log.html", {"page": page, "entries": entries, "kinds": AUDITED, "kind": kind}
    )


def _changes_of(record: object) -> list[dict[str, object]]:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    return [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
