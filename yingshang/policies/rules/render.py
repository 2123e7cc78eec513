"""Rule trees back into Chinese sentences: "从业人数不少于 10 人", "持有国家级高新技术企业认定，
且认定日期在本政策有效期内". What staff read on screen is rendered from the tree, not the YAML they
typed, so a reading mistake shows up as a wrong sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yingshang.core.money import format_amount
from yingshang.policies.rules import ast
from yingshang.policies.rules.fields import Field, FieldType, field_registry, level_label, qualification_kinds
from yingshang.policies.rules.values import format_date, format_percent

NUMBER_WORDS = {"eq": "为", "ne": "不为", "gt": "大于", "ge": "不少于", "lt": "少于", "le": "不超过"}
SPACED_TYPES = frozenset({FieldType.INT, FieldType.MONEY, FieldType.PERCENT, FieldType.DATE})
DATE_WORDS = {"eq": "为", "ne": "不为", "gt": "晚于", "ge": "不早于", "lt": "早于", "le": "不晚于"}


def show_value(f: Field, value: object) -> str:
    """A typed value as it reads in a sentence: "10 人", "500万元", "5.5%", "2024年1月1日", "企业"."""
    if f.type is FieldType.INT:
        return f"{value} {f.unit}" if f.unit else str(value)
    if f.type is FieldType.MONEY:
        return format_amount(int(value))  # type: ignore[call-overload]
    if f.type is FieldType.PERCENT:
        return format_percent(Decimal(value))  # type: ignore[arg-type]
    if f.type is FieldType.DATE:
        return format_date(value)  # type: ignore[arg-type]
    if f.type is FieldType.ENUM:
        return f.choice_label(str(value))
    if f.type is FieldType.BOOL:
        return "是" if value else "否"
    return f"“{value}”"


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "或" + words[-1]


def window_phrase(window: ast.Window) -> str:
    if window.policy:
        return "在本政策有效期内"
    if window.start and window.end:
        return f"在 {format_date(window.start)} 至 {format_date(window.end)} 之间"
    if window.start:
        return f"不早于 {format_date(window.start)}"
    return f"不晚于 {format_date(window.end)}"  # type: ignore[arg-type]


def predicate(leaf: ast.Leaf) -> str:
    """What a leaf requires of its field, without the field's label: "不少于 10 人"."""
    if isinstance(leaf, ast.HasQualification):
        return qualification_sentence(leaf)
    f = field_registry()[leaf.field]
    if isinstance(leaf, ast.Compare):
        words = DATE_WORDS if f.type is FieldType.DATE else NUMBER_WORDS
        gap = " " if f.type in SPACED_TYPES else ""
        return f"{words[leaf.op]}{gap}{show_value(f, leaf.value)}"
    if isinstance(leaf, ast.Member):
        shown = [show_value(f, v) for v in leaf.values]
        if leaf.negated:
            return f"不为{shown[0]}" if len(shown) == 1 else f"不属于{'、'.join(shown)}"
        return f"为{_or_list(shown)}"
    if isinstance(leaf, ast.Between):
        return f"在 {show_value(f, leaf.low)} 至 {show_value(f, leaf.high)} 之间（含两端）"
    if isinstance(leaf, ast.InWindow):
        return window_phrase(leaf.window)
    if isinstance(leaf, ast.YearsSince):
        return f"距评估日{'满' if leaf.at_least else '未满'} {leaf.years} 年"
    if isinstance(leaf, ast.Contains):
        return f"包含“{leaf.text}”"
    raise TypeError(leaf)  # pragma: no cover


def qualification_subject(leaf: ast.HasQualification) -> str:
    kind = qualification_kinds()[leaf.kind]
    levels = _or_list([level_label(code) + "级" for code in leaf.levels]) if leaf.levels else ""
    if kind.category == "上市进程":
        return f"上市进程已到达“{kind.label}”节点"
    return f"持有{levels}{kind.label}认定"


def qualification_filters(leaf: ast.HasQualification) -> list[str]:
    milestone = qualification_kinds()[leaf.kind].category == "上市进程"
    dated = "日期" if milestone else "认定日期"
    phrases = []
    if leaf.certified_within:
        phrases.append(f"{dated}{window_phrase(leaf.certified_within)}")
    if leaf.first_certified_within:
        phrases.append(f"首次认定日期{window_phrase(leaf.first_certified_within)}")
    if leaf.valid_on == ast.AS_OF:
        phrases.append("在评估日仍在有效期内")
    elif isinstance(leaf.valid_on, dt.date):
        phrases.append(f"在 {format_date(leaf.valid_on)} 仍在有效期内")
    return phrases


def qualification_sentence(leaf: ast.HasQualification) -> str:
    return "，且".join([qualification_subject(leaf), *qualification_filters(leaf)])


def leaf_sentence(leaf: ast.Leaf) -> str:
    if isinstance(leaf, ast.HasQualification):
        return qualification_sentence(leaf)
    return field_registry()[leaf.field].label + predicate(leaf)


def _wrapped(node: ast.Node) -> str:
    text = sentence(node)
    is_group = isinstance(node, ast.AllOf | ast.AnyOf) and len(node.children) > 1
    return f"（{text}）" if is_group else text


def sentence(node: ast.Node) -> str:
    """The whole condition tree as one Chinese sentence."""
    if isinstance(node, ast.AllOf):
        return "，且".join(_wrapped(c) for c in node.children) if node.children else "无附加条件"
    if isinstance(node, ast.AnyOf):
        return "，或".join(_wrapped(c) for c in node.children)
    if isinstance(node, ast.Not):
        return f"不满足“{sentence(node.child)}”"
    return leaf_sentence(node)


def amount_sentence(amount: ast.Amount) -> str:
    if isinstance(amount, ast.Fixed):
        return f"奖励 {format_amount(amount.fen)}"
    if isinstance(amount, ast.Tiered):
        kind = qualification_kinds()[amount.qualification.kind]
        tiers = "，".join(f"{level_label(level)}级 {format_amount(fen)}" for level, fen in amount.tiers)
        return f"按{kind.label}认定层级奖励：{tiers}"
    label = field_registry()[amount.field].label
    cap = f"，最高 {format_amount(amount.cap_fen)}" if amount.cap_fen is not None else ""
    if isinstance(amount, ast.Percentage):
        return f"按{label}的 {format_percent(amount.rate)} 计算（不足一分的部分舍去）{cap}"
    unit = field_registry()[amount.field].unit or "个"
    most = f"，最多计 {amount.max_units} {unit}" if amount.max_units is not None else ""
    return f"按{label}每{unit} {format_amount(amount.each_fen)} 计算{most}{cap}"
