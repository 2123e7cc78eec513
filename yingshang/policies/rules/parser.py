"""Reading conditions as staff write them (compact text or mappings) into the rule tree.

Two spellings of a leaf:

    - 从业人数 >= 10                              # compact: 字段 运算符 值
    - {field: 主体类型, in: [企业]}                # mapping: one operator key
    - {qualification: 高新技术企业, level: 国家, certified_within: policy_validity}

and three groups: `all:` / `any:` / `not:` (also 全部 / 任一 / 非). A plain list means `all`.
Every problem becomes a Chinese RuleError naming its place; reading goes on so one pass reports
them all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from yingshang.policies.rules import ast
from yingshang.policies.rules.errors import Place, RuleError, RuleSyntaxError
from yingshang.policies.rules.fields import (
    Field,
    FieldType,
    QualificationKind,
    level_label,
    lookup_field,
    lookup_kind,
    lookup_level,
    suggest_fields,
    suggest_kinds,
)
from yingshang.policies.rules.values import (
    as_decimal,
    format_date,
    parse_bool,
    parse_date,
    parse_int,
    parse_money,
    parse_percent,
)
from yingshang.policies.rules.yamlio import LineList, line_of

# Every spelling of an operator, in the compact form and as a mapping key.
OP_SPELLINGS: dict[str, str] = {
    **{op: op for op in ast.COMPARE_OPS},
    **{op: op for op in ("in", "not_in", "between", "within", "contains")},
    **{op: op for op in ("years_at_least", "years_less_than")},
    ">=": "ge", "≥": "ge", "不少于": "ge", "不低于": "ge", "不小于": "ge", "至少": "ge",
    ">": "gt", "大于": "gt", "高于": "gt", "超过": "gt", "多于": "gt",
    "<=": "le", "≤": "le", "不超过": "le", "不高于": "le", "不大于": "le", "不多于": "le", "至多": "le",
    "<": "lt", "小于": "lt", "低于": "lt", "少于": "lt", "不足": "lt",
    "!=": "ne", "≠": "ne", "不等于": "ne", "不为": "ne", "不是": "ne",
    "==": "eq", "=": "eq", "等于": "eq", "为": "eq", "是": "eq",
    "早于": "lt", "晚于": "gt", "不早于": "ge", "不晚于": "le",
    "属于": "in", "不属于": "not_in",
    "介于": "between",
    "在": "within", "在期间": "within",
    "满": "years_at_least", "满年数": "years_at_least",
    "未满": "years_less_than", "未满年数": "years_less_than",
    "包含": "contains", "含有": "contains",
}  # fmt: skip
_SPELLINGS_LONGEST_FIRST = sorted(OP_SPELLINGS, key=len, reverse=True)

OP_WORD = {
    "eq": "等于",
    "ne": "不等于",
    "gt": "大于",
    "ge": "不少于",
    "lt": "少于",
    "le": "不超过",
    "in": "属于",
    "not_in": "不属于",
    "between": "介于",
    "within": "在期间内",
    "years_at_least": "满年数",
    "years_less_than": "未满年数",
    "contains": "包含",
}

ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
OPS_FOR_TYPE: dict[FieldType, frozenset[str]] = {
    FieldType.INT: frozenset({*ast.COMPARE_OPS, "in", "not_in", "between"}),
    FieldType.MONEY: frozenset({*ast.COMPARE_OPS, "in", "not_in", "between"}),
    FieldType.PERCENT: frozenset({*ast.COMPARE_OPS, "between"}),
    FieldType.DATE: frozenset({*ast.COMPARE_OPS, "within", "years_at_least", "years_less_than"}),
    FieldType.TEXT: frozenset({"eq", "ne", "in", "not_in", "contains"}),
    FieldType.ENUM: frozenset({"eq", "ne", "in", "not_in"}),
    FieldType.BOOL: frozenset({"eq", "ne"}),
    FieldType.QUALIFICATIONS: frozenset(),
}

GROUP_KEYS = {"all": "all", "全部": "all", "同时满足": "all", "any": "any", "任一": "any", "满足其一": "any"}
NOT_KEYS = {"not", "非", "不满足"}
FIELD_KEYS = ("field", "字段")
QUAL_KEYS = {
    "qualification": "kind",
    "资质": "kind",
    "level": "levels",
    "层级": "levels",
    "certified_within": "certified_within",
    "认定日期在": "certified_within",
    "first_certified_within": "first_certified_within",
    "首次认定日期在": "first_certified_within",
    "valid_on": "valid_on",
    "有效于": "valid_on",
}
POLICY_WINDOW_WORDS = frozenset(
    {"policy_validity", "本政策有效期", "本政策有效期内", "政策有效期", "政策有效期内"}
)
AS_OF_WORDS = frozenset({"as_of", "evaluation_date", "评估日", "评估日期", "测算日"})
_LIST_SPLIT = re.compile(r"\s*[、,，;；/]\s*")
_RANGE_SPLIT = re.compile(r"\s*(?:至|到|~|～)\s*")


def fail(code: str, message: str) -> RuleSyntaxError:
    return RuleSyntaxError(code, message)


def unknown_field_error(name: object) -> RuleSyntaxError:
    options = suggest_fields(str(name))
    hint = f"，可选：{'、'.join(options)}" if options else "，请查看字段表"
    return fail("field.unknown", f"字段“{name}”不存在{hint}")


def resolve_field(name: object) -> Field:
    found = lookup_field(str(name)) if isinstance(name, str | int) else None
    if found is None:
        raise unknown_field_error(name)
    return found


# --- values ---------------------------------------------------------------------------------------


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] + text[-1] in ('""', "''", "“”", "「」"):
        return text[1:-1]
    return text


def _looks_numeric(raw: object) -> bool:
    return as_decimal(raw) is not None or (isinstance(raw, str) and bool(re.match(r"^\s*[0-9.]+", raw)))


def typed_value(f: Field, raw: object) -> ast.Value:
    """A rule value converted to the field's type, or a Chinese error naming the field."""
    if raw is None:
        raise fail("value.missing", f"“{f.label}”缺少比较的值")
    if f.type is FieldType.INT:
        if isinstance(raw, str) and f.unit and raw.strip().endswith(f.unit):
            raw = raw.strip()[: -len(f.unit)]
        if as_decimal(raw) is None:
            raise fail("value.type", f"“{f.label}”是整数（{f.unit or '个'}），值“{raw}”不是数字")
        return parse_int(raw, f"“{f.label}”")
    if f.type is FieldType.MONEY:
        if as_decimal(raw) is None and not _looks_numeric(raw):
            raise fail("value.type", f"“{f.label}”是金额，值“{raw}”不是金额")
        return parse_money(raw)
    if f.type is FieldType.PERCENT:
        return parse_percent(raw)
    if f.type is FieldType.DATE:
        return parse_date(raw)
    if f.type is FieldType.BOOL:
        return parse_bool(raw, f"“{f.label}”")
    if f.type is FieldType.ENUM:
        code = f.choice_code(str(raw))
        if code is None:
            options = "、".join(label for _, label in f.choices)
            raise fail("value.choice", f"“{f.label}”没有选项“{raw}”，可选：{options}")
        return code
    if isinstance(raw, bool | dt.date | Decimal):
        raise fail("value.type", f"“{f.label}”是文本，值“{raw}”请加引号写成文字")
    return _strip_quotes(str(raw))


def _as_list(raw: object) -> list[object]:
    if isinstance(raw, list):
        return list(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return [part for part in _LIST_SPLIT.split(text) if part]
    return [raw]


def parse_window(raw: object) -> ast.Window:
    """`policy_validity`, [start, end], {from, to} or "start 至 end"; a None bound is open."""
    if isinstance(raw, str) and raw.strip() in POLICY_WINDOW_WORDS:
        return ast.Window(policy=True)
    if isinstance(raw, dict):
        unknown = set(raw) - {"from", "to", "起", "止"}
        if unknown:
            raise fail(
                "window.syntax", f"日期区间中的“{'、'.join(map(str, unknown))}”无法识别，请用 from / to"
            )
        bounds = [raw.get("from", raw.get("起")), raw.get("to", raw.get("止"))]
    elif isinstance(raw, list):
        bounds = list(raw)
    elif isinstance(raw, str) and _RANGE_SPLIT.search(raw):
        text = raw.strip().removesuffix("之间").strip()
        bounds = [part or None for part in _RANGE_SPLIT.split(text, maxsplit=1)]
    else:
        raise fail(
            "window.syntax",
            f"日期区间“{raw}”无法识别，请写成“policy_validity”（本政策有效期）或 [开始日期, 结束日期]",
        )
    if len(bounds) != 2:
        raise fail("window.syntax", f"日期区间“{raw}”应正好有开始和结束两个日期")
    start, end = (None if b in (None, "", "不限") else parse_date(b) for b in bounds)
    if start is None and end is None:
        raise fail("window.open", "日期区间的开始和结束不能都不限")
    check_window_order(start, end)
    return ast.Window(start, end)


def check_window_order(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise fail(
            "window.reversed",
            f"日期区间“{format_date(start)}至{format_date(end)}”起止颠倒：开始日期晚于结束日期",
        )


def _years(raw: object) -> int:
    text = str(raw).strip().removesuffix("年").strip() if isinstance(raw, str) else raw
    years = parse_int(text, "年数")
    if years < 0:
        raise fail("value.range", f"年数“{raw}”不能为负数")
    return years


# --- leaves ---------------------------------------------------------------------------------------


def check_op_fits(f: Field, op: str, raw: object) -> None:
    if f.type is FieldType.QUALIFICATIONS:
        raise fail("op.type", f"“{f.label}”请用“qualification: 资质名称”的写法")
    if op in OPS_FOR_TYPE[f.type]:
        return
    if op in ORDER_OPS and f.type in (FieldType.TEXT, FieldType.ENUM, FieldType.BOOL):
        if _looks_numeric(raw):
            raise fail("op.type", f"“{f.label}”是{f.type.label}，不能与数字比较")
        raise fail("op.type", f"“{f.label}”是{f.type.label}，不能比较大小（“{OP_WORD[op]}”）")
    allowed = "、".join(OP_WORD[o] for o in sorted(OPS_FOR_TYPE[f.type], key=list(OP_WORD).index))
    raise fail("op.type", f"“{f.label}”是{f.type.label}，不能用“{OP_WORD[op]}”，可用：{allowed}")


def build_leaf(f: Field, op: str, raw: object) -> ast.Leaf:
    """One leaf from a resolved field, a canonical operator and the raw value."""
    check_op_fits(f, op, raw)
    if op in ast.COMPARE_OPS:
        return ast.Compare(f.key, op, typed_value(f, raw))
    if op in ("in", "not_in"):
        items = _as_list(raw)
        if not items:
            raise fail("value.missing", f"“{f.label}”的可选值列表不能为空")
        return ast.Member(f.key, tuple(typed_value(f, item) for item in items), negated=op == "not_in")
    if op == "between":
        bounds = _between_bounds(raw)
        low, high = (typed_value(f, b) for b in bounds)
        if low > high:  # type: ignore[operator]
            raise fail("value.range", f"“{f.label}”的区间“{bounds[0]} 至 {bounds[1]}”起止颠倒")
        return ast.Between(f.key, low, high)
    if op == "within":
        return ast.InWindow(f.key, parse_window(raw))
    if op in ("years_at_least", "years_less_than"):
        return ast.YearsSince(f.key, _years(raw), at_least=op == "years_at_least")
    if op == "contains":
        text = _strip_quotes(str(raw))
        if not text:
            raise fail("value.missing", f"“{f.label}”包含的文字不能为空")
        return ast.Contains(f.key, text)
    raise fail("op.unknown", f"运算“{op}”无法识别")  # pragma: no cover - ops come from OP_SPELLINGS


def _between_bounds(raw: object) -> list[object]:
    bounds = list(raw) if isinstance(raw, list) else _RANGE_SPLIT.split(str(raw).strip(), maxsplit=1)
    if len(bounds) != 2:
        raise fail("value.syntax", f"区间“{raw}”应写成“下限 至 上限”或 [下限, 上限]")
    return bounds


def split_compact(text: str) -> tuple[str, str, str]:
    """(field, canonical op, value text) from "从业人数 >= 10"; the split whose left side is a known
    field wins, so an operator word inside a label (所在区县) does not cut it."""
    first: tuple[str, str, str] | None = None
    for i in range(1, len(text)):
        for spelling in _SPELLINGS_LONGEST_FIRST:
            if not text.startswith(spelling, i) or (spelling.isascii() and spelling.isalpha()):
                continue
            name, rest = text[:i].strip(), text[i + len(spelling) :].strip()
            if not name:
                continue
            if lookup_field(name) is not None:
                return name, OP_SPELLINGS[spelling], rest
            first = first or (name, OP_SPELLINGS[spelling], rest)
            break
    if first is not None:
        raise unknown_field_error(first[0])
    raise fail("syntax.compact", f"无法识别条件“{text}”，应写成“字段 运算符 值”，如“从业人数 >= 10”")


def read_compact(text: str) -> ast.Leaf:
    name, op, rest = split_compact(text.strip())
    f = resolve_field(name)
    if op == "within":
        rest = rest.removesuffix("之间").strip()
    if not rest:
        raise fail("value.missing", f"条件“{text}”缺少值")
    return build_leaf(f, op, rest)


def read_field_mapping(raw: dict) -> ast.Leaf:
    name = next(raw[k] for k in FIELD_KEYS if k in raw)
    f = resolve_field(name)
    rest = {k: v for k, v in raw.items() if k not in FIELD_KEYS}
    if set(rest) == {"op", "value"}:
        op_name, value = rest["op"], rest["value"]
    elif len(rest) == 1:
        op_name, value = next(iter(rest.items()))
    else:
        raise fail(
            "syntax.mapping",
            f"“{f.label}”的条件应有且只有一个运算，如 {{field: {f.label}, ge: 10}} 或 op/value，收到："
            + "、".join(map(str, rest)),
        )
    op = OP_SPELLINGS.get(str(op_name).strip())
    if op is None:
        raise fail("op.unknown", f"运算“{op_name}”无法识别，可用：{'、'.join(OP_WORD.values())}")
    return build_leaf(f, op, value)


def _kind_or_error(name: object) -> QualificationKind:
    kind = lookup_kind(str(name)) if name is not None else None
    if kind is None:
        options = suggest_kinds(str(name))
        hint = f"，可选：{'、'.join(options)}" if options else "，请查看资质类型表"
        raise fail("qualification.unknown", f"资质类型“{name}”不存在{hint}")
    return kind


def _levels_for(kind: QualificationKind, raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not kind.levels:
        raise fail("qualification.level", f"“{kind.label}”不分层级，请去掉层级")
    levels: list[str] = []
    for item in _as_list(raw):
        code = lookup_level(str(item))
        if code is None:
            raise fail("qualification.level", f"认定层级“{item}”无法识别，可选：国家、省、市、区")
        if code not in kind.levels:
            allowed = "、".join(level_label(c) + "级" for c in kind.levels)
            raise fail("qualification.level", f"“{kind.label}”没有{level_label(code)}级认定，可选：{allowed}")
        levels.append(code)
    return tuple(dict.fromkeys(levels))


def _valid_on(raw: object) -> dt.date | Literal["as_of"] | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip() in AS_OF_WORDS:
        return ast.AS_OF
    return parse_date(raw)


def read_qualification(raw: dict) -> ast.HasQualification:
    unknown = [k for k in raw if k not in QUAL_KEYS]
    if unknown:
        raise fail(
            "syntax.mapping",
            f"资质条件中的“{'、'.join(map(str, unknown))}”无法识别，可用：qualification、level、"
            "certified_within、first_certified_within、valid_on",
        )
    spec = {QUAL_KEYS[k]: v for k, v in raw.items()}
    kind = _kind_or_error(spec.get("kind"))
    windows = {
        name: parse_window(spec[name]) if spec.get(name) is not None else None
        for name in ("certified_within", "first_certified_within")
    }
    return ast.HasQualification(
        kind.code,
        _levels_for(kind, spec.get("levels")),
        windows["certified_within"],
        windows["first_certified_within"],
        _valid_on(spec.get("valid_on")),
    )


# --- trees ----------------------------------------------------------------------------------------


@dataclass
class ConditionReader:
    """Reads one item's `conditions`, collecting every error with its place."""

    place: Place
    errors: list[RuleError] = field(default_factory=list)

    def read(self, raw: object, line: int | None = None) -> ast.Node | None:
        if raw is None:
            return ast.AllOf(())
        if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in GROUP_KEYS:
            key = next(iter(raw))
            return self._group(GROUP_KEYS[key], raw[key], self.place, line_of(raw, key), top=True)
        if isinstance(raw, list):
            return self._group("all", raw, self.place, line_of(raw), top=True)
        return self._group("all", LineList([raw]), self.place, line, top=True)

    def _note(self, exc: RuleSyntaxError, place: Place, line: int | None) -> None:
        self.errors.append(RuleError(exc.code, exc.message, place.at_line(exc.line or line)))

    def _group(
        self, kind: str, raw: object, place: Place, line: int | None, top: bool = False
    ) -> ast.Node | None:
        if not isinstance(raw, list) or not raw:
            self._note(fail("syntax.group", "条件组应是非空的列表（每行一条，以“- ”开头）"), place, line)
            return None
        children = [
            self._node(child, place.within(f"第{i}条条件" if top else f"第{i}条"), line_of(raw, i - 1))
            for i, child in enumerate(raw, start=1)
        ]
        if any(child is None for child in children):
            return None
        return (ast.AllOf if kind == "all" else ast.AnyOf)(tuple(children))  # type: ignore[arg-type]

    def _node(self, raw: object, place: Place, line: int | None) -> ast.Node | None:
        try:
            return self._node_or_raise(raw, place, line)
        except RuleSyntaxError as exc:
            self._note(exc, place, line)
            return None

    def _node_or_raise(self, raw: object, place: Place, line: int | None) -> ast.Node | None:
        if isinstance(raw, str):
            return read_compact(raw)
        if not isinstance(raw, dict) or not raw:
            raise fail("syntax.condition", f"无法识别的条件“{raw}”，应写成“字段 运算符 值”或映射")
        keys = set(raw)
        if len(keys) == 1 and keys <= set(GROUP_KEYS):
            key = next(iter(raw))
            return self._group(GROUP_KEYS[key], raw[key], place, line_of(raw, key))
        if len(keys) == 1 and keys <= NOT_KEYS:
            key = next(iter(raw))
            inner = raw[key]
            child = (
                self._group("all", inner, place, line_of(raw, key))
                if isinstance(inner, list)
                else self._node(inner, place, line_of(raw, key))
            )
            return ast.Not(child) if child is not None else None
        if keys & {"qualification", "资质"}:
            return read_qualification(raw)
        if keys & set(FIELD_KEYS):
            return read_field_mapping(raw)
        raise fail(
            "syntax.condition",
            f"条件中的“{'、'.join(map(str, raw))}”无法识别：需要 field（字段）、qualification（资质）"
            "或 all / any / not",
        )


def read_conditions(
    raw: object, place: Place, line: int | None = None
) -> tuple[ast.Node | None, list[RuleError]]:
    reader = ConditionReader(place)
    node = reader.read(raw, line)
    return (node if not reader.errors else None), reader.errors
