"""Input and output shapes of the registry JSON API (django-ninja / pydantic).

Closed vocabularies become enums in the OpenAPI schema, so a client (and schemathesis) learns the
allowed values from the schema itself; an unknown value is a 422, never an empty list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from yingshang.core.api_common import (  # noqa: F401  (the registry router imports them from here)
    ERRORS,
    ERRORS_WITH_404,
    ISO_DATE,
    USCC_PATTERN,
    ErrorOut,
    ValidationErrorOut,
)
from yingshang.core.scope import scoped
from yingshang.registry import industries, vocab
from yingshang.registry.fields import RECORDED_FIELDS, SCALE_SOURCE
from yingshang.registry.models import Department, Enterprise, Industry, Qualification


def _codes(choices: list[tuple[str, str]]) -> Any:
    """Literal["a", "b", …] of the stored codes of a vocabulary."""
    return Literal[tuple(code for code, _ in choices)]  # type: ignore[valid-type]


EntityType = _codes(vocab.ENTITY_TYPES)
Scale = _codes(vocab.SCALES)
ScaleFilter = _codes([*vocab.SCALES, ("unknown", "无法判定")])
CreditClass = _codes(vocab.CREDIT_CLASSES)
Status = _codes(vocab.STATUSES)
QualificationKind = _codes(vocab.QUALIFICATION_KINDS)
QualificationLevel = _codes(vocab.QUALIFICATION_LEVELS)
DepartmentKind = _codes(vocab.DEPARTMENT_KINDS)
Section = Literal[tuple(c.code for c in industries.sections())]  # type: ignore[valid-type]
IndustryLevel = Literal["门类", "大类", "中类", "小类"]

# PostgreSQL refuses NUL in text; saying so in the schema keeps clients (and the fuzzer) honest.
NO_NUL = r"^[^\x00]*$"
DISTRICT_CODE_PATTERN = r"^[0-9]{6,12}$"
DEPARTMENT_CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"
INDUSTRY_CODE_PATTERN = r"^[A-Z0-9]{1,4}$"


# ---- query parameters ---------------------------------------------------------------------------


class EnterpriseQuery(Schema):
    """The filters of the 市场主体 list page, with the same meaning."""

    q: str | None = Field(
        None, max_length=100, pattern=NO_NUL, description="名称包含该文字，或统一社会信用代码以其开头"
    )
    section: Section | None = Field(None, description="行业门类（GB/T 4754-2017 字母）")
    district: str | None = Field(None, pattern=DISTRICT_CODE_PATTERN, description="区县行政区划代码")
    scale: ScaleFilter | None = Field(None, description="企业规模；unknown 表示数据不足无法判定")
    qualification: QualificationKind | None = Field(None, description="持有该类资质")
    credit_class: CreditClass | None = Field(None, description="信用风险分类")
    status: Status | None = Field(None, description="登记状态")
    entity_type: EntityType | None = Field(None, description="主体类型")


class QualificationQuery(Schema):
    kind: QualificationKind | None = Field(None, description="资质类型")
    level: QualificationLevel | None = Field(None, description="认定层级")
    valid_on: dt.date | None = Field(None, description="只列出该日有效的资质（YYYY-MM-DD）")

    @field_validator("valid_on", mode="before")
    @classmethod
    def only_iso_dates(cls, value: Any) -> Any:
        # pydantic would read "0" or "1700000000" as a Unix timestamp; a date here is YYYY-MM-DD only.
        if value is not None and not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
            raise PydanticCustomError("date_parsing", "Input should be a valid date in YYYY-MM-DD format")
        return value


class DepartmentQuery(Schema):
    kind: DepartmentKind | None = Field(None, description="层级")
    district: str | None = Field(None, pattern=DISTRICT_CODE_PATTERN, description="辖区行政区划代码")
    parent: str | None = Field(None, pattern=DEPARTMENT_CODE_PATTERN, description="上级部门代码")


class IndustryQuery(Schema):
    level: IndustryLevel | None = Field(None, description="层级：门类、大类、中类、小类")
    parent: str | None = Field(None, pattern=INDUSTRY_CODE_PATTERN, description="上级代码")


# ---- outputs ------------------------------------------------------------------------------------


class ProvenanceOut(Schema):
    source: str = Field(..., description="数据来源")
    as_of: str | None = Field(None, description="数据日期")


# Outputs are built from model instances; `resolve_<field>` says how (ninja calls it per object).


class QualificationOut(Schema):
    kind: QualificationKind
    kind_label: str
    level: QualificationLevel
    level_label: str
    certified_on: dt.date
    expires_on: dt.date | None
    source: str
    as_of: dt.date | None

    @staticmethod
    def resolve_kind_label(obj: Qualification) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_level_label(obj: Qualification) -> str:
        return obj.get_level_display()


class QualificationListItemOut(QualificationOut):
    enterprise_uscc: str
    enterprise_name: str

    @staticmethod
    def resolve_enterprise_uscc(obj: Qualification) -> str:
        return obj.enterprise.uscc

    @staticmethod
    def resolve_enterprise_name(obj: Qualification) -> str:
        return obj.enterprise.name


class EnterpriseOut(Schema):
    uscc: str
    name: str
    entity_type: EntityType
    entity_type_label: str
    industry_code: str
    industry_section: str
    district_code: str
    district_name: str
    registered_on: dt.date
    scale: Scale | None = Field(..., description="null 表示数据不足无法判定")
    scale_label: str
    credit_class: CreditClass | None
    status: Status
    status_label: str

    @staticmethod
    def resolve_entity_type_label(obj: Enterprise) -> str:
        return obj.get_entity_type_display()

    @staticmethod
    def resolve_industry_code(obj: Enterprise) -> str:
        return obj.industry_id

    @staticmethod
    def resolve_district_code(obj: Enterprise) -> str:
        return obj.district.code

    @staticmethod
    def resolve_district_name(obj: Enterprise) -> str:
        return obj.district.name

    @staticmethod
    def resolve_scale(obj: Enterprise) -> str | None:
        return obj.scale or None

    @staticmethod
    def resolve_scale_label(obj: Enterprise) -> str:
        return obj.get_scale_display() if obj.scale else "无法判定"

    @staticmethod
    def resolve_credit_class(obj: Enterprise) -> str | None:
        return obj.credit_class or None

    @staticmethod
    def resolve_status_label(obj: Enterprise) -> str:
        return obj.get_status_display()


class EnterpriseDetailOut(EnterpriseOut):
    industry_name: str
    street: str | None
    registered_capital_fen: int | None = Field(..., description="注册资本，单位：分")
    employees: int | None
    annual_revenue_fen: int | None = Field(..., description="年营业收入，单位：分")
    total_assets_fen: int | None = Field(..., description="资产总额，单位：分")
    tax_paid_fen: int | None = Field(..., description="年纳税额，单位：分")
    provenance: dict[str, ProvenanceOut] = Field(
        ..., description="各字段的数据来源与数据日期；没有记录来源的字段不出现"
    )
    qualifications: list[QualificationOut]
    updated_at: dt.datetime

    @staticmethod
    def resolve_industry_name(obj: Enterprise) -> str:
        return obj.industry.name

    @staticmethod
    def resolve_street(obj: Enterprise) -> str | None:
        return obj.street.name if obj.street_id else None

    @staticmethod
    def resolve_provenance(obj: Enterprise) -> dict[str, dict[str, str | None]]:
        return provenance_of(obj)

    @staticmethod
    def resolve_qualifications(obj: Enterprise) -> list[Qualification]:
        return list(obj.qualifications.all())

    @staticmethod
    def resolve_updated_at(obj: Enterprise) -> dt.datetime:
        return timezone.localtime(obj.updated_at)  # shown in Asia/Shanghai (+08:00), like the pages


def provenance_of(enterprise: Enterprise) -> dict[str, dict[str, str | None]]:
    """{field: {source, as_of}} for the fields that record one; imported JSON is coerced to strings."""
    result: dict[str, dict[str, str | None]] = {}
    for field in RECORDED_FIELDS:  # `scale` is computed here, so its source is this system
        origin = enterprise.source_of(field)
        if not isinstance(origin, dict) or not origin.get("source"):
            continue
        as_of = origin.get("as_of")
        result[field] = {"source": str(origin["source"]), "as_of": str(as_of) if as_of else None}
    result["scale"] = {"source": SCALE_SOURCE, "as_of": None}
    return result


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    kind: DepartmentKind
    kind_label: str
    parent: str | None = Field(..., description="上级部门代码；null 表示顶层")
    district: str | None = Field(..., description="辖区区划代码；null 表示市级（全市）")
    district_name: str | None

    @staticmethod
    def resolve_kind_label(obj: Department) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_parent(obj: Department) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_district(obj: Department) -> str | None:
        return obj.district.code if obj.district_id else None

    @staticmethod
    def resolve_district_name(obj: Department) -> str | None:
        return obj.district.name if obj.district_id else None


class DepartmentDetailOut(DepartmentOut):
    children: list[DepartmentOut]

    @staticmethod
    def resolve_children(obj: Department, context: dict[str, Any]) -> list[Department]:
        # Only the children the caller may see (a district: not another district's departments).
        children = scoped(obj.children.all(), context["request"].auth)
        return list(children.select_related("parent", "district").order_by("code"))


class IndustryOut(Schema):
    code: str
    name: str
    level: IndustryLevel
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Industry) -> str | None:
        return obj.parent_id


class NamedRef(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    name: str
    role: str = Field(..., description="角色代码；空字符串表示未分配角色")
    role_label: str
    department: NamedRef | None
    jurisdiction: NamedRef | None = Field(..., description="可查看数据的辖区；null 表示全市")
    enterprise: NamedRef | None = Field(..., description="企业用户绑定的企业（code 为统一社会信用代码）")
    capabilities: list[str]
