"""The closed registry of profile fields a rule may name, and of qualification kinds and levels.

A rule can only mention what is listed here: each field has a Chinese label (what staff write),
a type (which operators fit), a unit, the department the value comes from, and whether the platform
already holds it for every enterprise (`machine_checkable`). Fields the registry does not hold yet
carry their intended source; for most enterprises they are unknown, so conditions on them end as
"needs confirmation" and keep an item from being 免申即享.

Codes for entity types, scales, credit classes, statuses, qualification kinds and levels are the
registry's own (`yingshang.registry.vocab`, plain Python), so a profile built from the registry
needs no translation.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache, partial

from yingshang.registry import vocab
from yingshang.registry.industries import sections


class FieldType(Enum):
    INT = "int"
    MONEY = "money_fen"
    PERCENT = "percent"  # held in percentage points: 4.5 means 4.5%
    DATE = "date"
    TEXT = "text"
    ENUM = "enum"
    BOOL = "bool"
    QUALIFICATIONS = "qualification_set"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    FieldType.INT: "整数",
    FieldType.MONEY: "金额",
    FieldType.PERCENT: "百分比",
    FieldType.DATE: "日期",
    FieldType.TEXT: "文本",
    FieldType.ENUM: "选项",
    FieldType.BOOL: "是/否",
    FieldType.QUALIFICATIONS: "资质认定记录",
}

NUMERIC_TYPES = frozenset({FieldType.INT, FieldType.MONEY, FieldType.PERCENT})

SOURCE_SAMR = "市场监管局登记信息"
SOURCE_REGISTRY = "企业名录（营商办汇集）"
SOURCE_TAX = "税务局"
SOURCE_STATS = "统计局"
SOURCE_HRSS = "人社局"
SOURCE_CREDIT = "信用中国（发改委）"
SOURCE_FINANCE = "区金融监管局"
SOURCE_ENTERPRISE = "企业申报"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: FieldType
    source: str
    machine_checkable: bool
    unit: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (code, Chinese label) for ENUM fields
    note: str = ""

    def choice_label(self, code: str) -> str:
        return dict(self.choices).get(code, code)

    def choice_code(self, text: str) -> str | None:
        text = text.strip()
        for code, label in self.choices:
            if text in (code, label):
                return code
        return None


LISTING_STAGES: tuple[tuple[str, str], ...] = (
    ("none", "未启动"),
    ("tutoring", "辅导备案"),
    ("accepted", "申请已受理"),
    ("approved", "已通过审核"),
    ("listed", "已上市"),
)

TAX_CREDIT_RATINGS: tuple[tuple[str, str], ...] = (
    ("A", "A级"),
    ("B", "B级"),
    ("M", "M级"),
    ("C", "C级"),
    ("D", "D级"),
)


@cache
def _section_choices() -> tuple[tuple[str, str], ...]:
    return tuple((s.code, s.name) for s in sections())


# Every count is of people and every amount in 元 (held in fen), so the unit follows from the type.
_UNITS = {FieldType.INT: "人", FieldType.MONEY: "元", FieldType.PERCENT: "%"}


def _field(
    machine_checkable: bool,
    key: str,
    label: str,
    type_: FieldType,
    source: str,
    *aliases: str,
    **extra: object,
) -> Field:
    extra.setdefault("unit", _UNITS.get(type_, ""))
    return Field(key, label, type_, source, machine_checkable, aliases=aliases, **extra)  # type: ignore[arg-type]


_held = partial(_field, True)  # a field the registry already holds for every 市场主体
_pending = partial(_field, False)  # one policies need that the registry does not hold yet: unknown until then


def _registry_fields() -> list[Field]:
    T = FieldType
    return [
        _held("uscc", "统一社会信用代码", T.TEXT, SOURCE_SAMR, "信用代码"),
        _held("name", "企业名称", T.TEXT, SOURCE_SAMR, "名称", "主体名称"),
        _held(
            "entity_type", "主体类型", T.ENUM, SOURCE_SAMR, "市场主体类型", choices=tuple(vocab.ENTITY_TYPES)
        ),
        _held(
            "industry_code",
            "行业代码",
            T.TEXT,
            SOURCE_SAMR,
            "国民经济行业代码",
            note="GB/T 4754-2017 门类字母或 2–4 位数字代码",
        ),
        _held("industry_section", "行业门类", T.ENUM, SOURCE_SAMR, choices=_section_choices()),
        _held("industry_division", "行业大类", T.TEXT, SOURCE_SAMR, note="两位数字，如 39"),
        _held("district", "所在区县", T.TEXT, SOURCE_SAMR, "区县", "所在区"),
        _held("street", "所在街道", T.TEXT, SOURCE_SAMR, "街道", "镇街"),
        _held("registered_on", "成立日期", T.DATE, SOURCE_SAMR, "注册日期", "登记日期"),
        _held("registered_capital_fen", "注册资本", T.MONEY, SOURCE_SAMR),
        _held("employees", "从业人数", T.INT, SOURCE_REGISTRY, "从业人员", "职工人数", "员工人数"),
        _held("annual_revenue_fen", "年营业收入", T.MONEY, SOURCE_REGISTRY, "营业收入", "营收"),
        _held("total_assets_fen", "资产总额", T.MONEY, SOURCE_REGISTRY),
        _held("tax_paid_fen", "年纳税额", T.MONEY, SOURCE_TAX, "纳税额", "税收贡献"),
        _held(
            "scale",
            "企业规模",
            T.ENUM,
            SOURCE_REGISTRY,
            "规模",
            choices=tuple(vocab.SCALES),
            note="按统计上大中小微型企业划分办法（2017）计算",
        ),
        _held(
            "credit_class",
            "信用风险分类",
            T.ENUM,
            SOURCE_SAMR,
            "信用分类",
            choices=tuple(vocab.CREDIT_CLASSES),
        ),
        _held("status", "登记状态", T.ENUM, SOURCE_SAMR, "经营状态", choices=tuple(vocab.STATUSES)),
        _held(
            "qualifications",
            "资质认定",
            T.QUALIFICATIONS,
            "各认定部门（科技局、工信局、统计局等）",
            "资质",
            note="是否可机器核验按资质类型区分，见资质类型表",
        ),
    ]


def _pending_fields() -> list[Field]:
    T = FieldType
    return [
        _pending("rd_expense_fen", "研发费用", T.MONEY, SOURCE_TAX, "研发投入"),
        _pending("new_hires", "新增就业人数", T.INT, SOURCE_HRSS, "新增就业"),
        _pending("hired_graduates", "吸纳高校毕业生人数", T.INT, SOURCE_HRSS, "吸纳毕业生人数"),
        _pending("insured_employees", "参保人数", T.INT, SOURCE_HRSS, "社保人数"),
        _pending("unemployment_insurance_paid_fen", "失业保险缴费额", T.MONEY, SOURCE_HRSS, "失业保险费"),
        _pending("layoff_rate", "裁员率", T.PERCENT, SOURCE_HRSS),
        _pending(
            "listing_stage",
            "上市进程",
            T.ENUM,
            SOURCE_FINANCE,
            choices=LISTING_STAGES,
            note="当前阶段；各阶段的日期记在资质认定中的上市节点",
        ),
        _pending("revenue_growth", "营业收入增长率", T.PERCENT, SOURCE_STATS, "营收增长率"),
        _pending("rent_paid_fen", "年房租支出", T.MONEY, SOURCE_ENTERPRISE, "房租"),
        _pending("guaranteed_loan_interest_fen", "创业担保贷款利息", T.MONEY, "人社局、经办银行"),
        _pending("serious_dishonesty", "严重失信主体", T.BOOL, SOURCE_CREDIT, "失信"),
        _pending("tax_credit_rating", "纳税信用等级", T.ENUM, SOURCE_TAX, choices=TAX_CREDIT_RATINGS),
        _pending("business_scope", "经营范围", T.TEXT, SOURCE_SAMR),
    ]


@cache
def field_registry() -> dict[str, Field]:
    fields = _registry_fields() + _pending_fields()
    return {f.key: f for f in fields}


def _spellings(entries: Iterable[tuple[str, str, tuple[str, ...]]]) -> dict[str, str]:
    """Every accepted spelling of each (key, label, aliases) entry → its key."""
    return {name: key for key, label, aliases in entries for name in (key, label, *aliases)}


@cache
def _field_names() -> dict[str, str]:
    return _spellings((f.key, f.label, f.aliases) for f in field_registry().values())


def lookup_field(name: str) -> Field | None:
    key = _field_names().get(str(name).strip())
    return field_registry()[key] if key else None


def suggest(word: str, spellings: dict[str, str], limit: int = 5) -> list[str]:
    """Close matches among `spellings` (spelling → label shown), deduplicated, best first."""
    matches = difflib.get_close_matches(str(word), list(spellings), n=limit * 3, cutoff=0.4)
    labels: list[str] = []
    for match in matches:
        label = spellings[match]
        if label not in labels:
            labels.append(label)
    return labels[:limit]


def suggest_fields(word: str) -> list[str]:
    registry = field_registry()
    return suggest(word, {name: registry[key].label for name, key in _field_names().items()})


# --- qualification kinds and levels -------------------------------------------------------------

LEVELS: tuple[tuple[str, str], ...] = tuple(vocab.QUALIFICATION_LEVELS)
LEVEL_RANK = {code: rank for rank, (code, _) in enumerate(reversed(LEVELS))}  # national is highest
_LEVEL_ALIASES = {f"{label}级": code for code, label in LEVELS} | {"国家级": "national", "国": "national"}


def level_label(code: str) -> str:
    return dict(LEVELS).get(code, code)


def lookup_level(text: str) -> str | None:
    text = str(text).strip()
    for code, label in LEVELS:
        if text in (code, label):
            return code
    return _LEVEL_ALIASES.get(text)


@dataclass(frozen=True)
class QualificationKind:
    """A kind of 认定 (or a dated milestone such as 上市申请受理) an enterprise can hold.

    `tracked`: the platform holds the complete list of this kind (the certifying department's
    roll is imported), so an enterprise without a record does not hold it. For untracked kinds a
    missing record means "unknown", unless the enterprise has confirmed its list for that kind.
    """

    code: str
    label: str
    levels: tuple[str, ...]  # allowed level codes; empty: levels do not apply
    tracked: bool
    source: str
    category: str = "资质"
    aliases: tuple[str, ...] = ()


def _kind(code: str, levels: tuple[str, ...], tracked: bool, source: str, *aliases: str) -> QualificationKind:
    label = dict(vocab.QUALIFICATION_KINDS).get(code) or aliases[0]
    extra = aliases if code in dict(vocab.QUALIFICATION_KINDS) else aliases[1:]
    return QualificationKind(code, label, levels, tracked, source, aliases=extra)


N, P, M, D = "national", "provincial", "municipal", "district"


@cache
def qualification_kinds() -> dict[str, QualificationKind]:
    kinds = [
        # Held by the registry (vocab.QUALIFICATION_KINDS): tracked.
        _kind("hnte", (N,), True, "科技局", "高企", "国家高新技术企业"),
        _kind("tech_sme", (), True, "科技局", "科技型中小企业入库"),
        _kind("innovative_sme", (P,), True, "工信局"),
        _kind("srdi_sme", (P, M), True, "工信局", "专精特新企业"),
        _kind("little_giant", (N,), True, "工信局", "专精特新小巨人", "小巨人"),
        _kind("above_scale_industry", (), True, SOURCE_STATS, "规上工业"),
        _kind("above_quota_trade", (), True, SOURCE_STATS, "限上企业", "限上"),
        _kind("single_champion", (N, P), True, "工信局", "单项冠军企业"),
        # Not in the registry yet: untracked.
        _kind("above_scale_service", (), False, SOURCE_STATS, "规上服务业企业", "规上服务业"),
        _kind("small_to_above", (), False, SOURCE_STATS, "小升规企业", "小升规"),
        _kind("service_champion", (N, P), False, "工信局", "服务业单项冠军"),
        _kind("agri_leading", (N, P, M), False, "农业农村局", "农业产业化龙头企业", "龙头企业"),
        _kind("srdi_backbone", (P,), False, "工信局", "专精特新骨干企业"),
        _kind("srdi_demo", (P,), False, "工信局", "专精特新示范企业"),
        _kind("tech_leader", (N, P, M), False, "科技局", "科技领军企业"),
        _kind("tech_platform", (N, P, M), False, "科技局、发改委、工信局", "科技创新平台", "创新平台"),
        _kind("academician_station", (), False, "科协", "院士工作站"),
        _kind("postdoc_station", (), False, SOURCE_HRSS, "博士后科研工作站", "博士后工作站"),
        _kind("postdoc_base", (), False, SOURCE_HRSS, "博士后创新实践基地"),
    ]
    milestones = [
        ("listing_domestic_filed", "境内上市辅导备案", "A股辅导备案"),
        ("listing_domestic_accepted", "境内上市申请受理", "A股申请受理"),
        (
            "listing_overseas_accepted",
            "境外上市申请受理",
        ),
        (
            "listing_overseas_approved",
            "境外上市通过审核",
        ),
        ("listing_backdoor_relocated", "借壳上市并迁入本区", "借壳上市"),
    ]
    for code, label, *aliases in milestones:
        kinds.append(QualificationKind(code, label, (), False, SOURCE_FINANCE, "上市进程", tuple(aliases)))
    return {k.code: k for k in kinds}


@cache
def _kind_names() -> dict[str, str]:
    return _spellings((k.code, k.label, k.aliases) for k in qualification_kinds().values())


def lookup_kind(name: str) -> QualificationKind | None:
    code = _kind_names().get(str(name).strip())
    return qualification_kinds()[code] if code else None


def suggest_kinds(word: str) -> list[str]:
    kinds = qualification_kinds()
    return suggest(word, {name: kinds[code].label for name, code in _kind_names().items()})
