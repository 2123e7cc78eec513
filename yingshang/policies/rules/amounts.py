"""Amount rules: reading them from a pack and computing them for one enterprise, in integer fen.

Four kinds:

    amount: 5万元                                   # fixed
    amount: {fixed: 5.5, unit: 万元}                # fixed, number and unit apart (exact decimals only)
    amount:
      by_level: {qualification: 科技领军企业, certified_within: policy_validity,
                 tiers: {国家: 100万元, 省: 30万元, 市: 10万元}}
    amount: {percent_of: 研发费用, rate: 10%, cap: 50万元}
    amount: {per_unit: 新增就业人数, each: 1000元, max_units: 50, cap: 5万元}

Rounding: a percentage is rounded *down* to the fen (the payer never pays a fraction of a fen
more than the rule says), then the cap applies. Per-unit amounts count at most `max_units`
units, multiply, then the cap applies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from yingshang.core.money import format_amount
from yingshang.policies.rules import ast
from yingshang.policies.rules.errors import RuleSyntaxError
from yingshang.policies.rules.evaluate import Status, matching_records
from yingshang.policies.rules.fields import FieldType, level_label, lookup_level, qualification_kinds
from yingshang.policies.rules.parser import read_qualification, resolve_field
from yingshang.policies.rules.profile import Profile
from yingshang.policies.rules.render import show_value
from yingshang.policies.rules.values import (
    format_percent,
    parse_int,
    parse_money,
    parse_percent,
)

AMOUNT_KEYS = {
    "fixed": "fixed",
    "固定": "fixed",
    "by_level": "by_level",
    "按层级": "by_level",
    "percent_of": "percent_of",
    "按比例": "percent_of",
    "rate": "rate",
    "比例": "rate",
    "per_unit": "per_unit",
    "按数量": "per_unit",
    "each": "each",
    "每": "each",
    "max_units": "max_units",
    "最多数量": "max_units",
    "cap": "cap",
    "上限": "cap",
    "unit": "unit",
    "单位": "unit",
}
KINDS = ("fixed", "by_level", "percent_of", "per_unit")
ALLOWED = {
    "fixed": {"fixed", "unit"},
    "by_level": {"by_level", "unit"},
    "percent_of": {"percent_of", "rate", "cap", "unit"},
    "per_unit": {"per_unit", "each", "max_units", "cap", "unit"},
}


# The engine's own bounds, whatever a deployment configures: one item pays one enterprise at most
# 100亿元 (the configured ceiling, YINGSHANG_ITEM_AMOUNT_CEILING_YUAN, is lower), and a budget is at most
# 10万亿元. Sums over a million enterprises then stay far inside a 64-bit integer of fen, which the batch
# engine and the database columns use: an absurd amount is refused when the pack is read, not met as an
# OverflowError in a batch.
MAX_ITEM_AMOUNT_FEN = 10**12
MAX_BUDGET_FEN = 10**15


def fail(message: str, code: str = "amount.syntax") -> RuleSyntaxError:
    return RuleSyntaxError(code, message)


def _money(raw: object, unit: str | None, what: str) -> int:
    if raw is None:
        raise fail(f"{what}缺少金额")
    return parse_money(raw, unit)


def _positive_money(raw: object, unit: str | None, what: str) -> int:
    fen = _money(raw, unit, what)
    if fen <= 0:
        raise fail(f"{what}“{raw}”应大于 0", "amount.range")
    return fen


def _tiers(spec: dict, unit: str | None) -> ast.Tiered:
    if not isinstance(spec, dict) or not isinstance(spec.get("tiers"), dict) or not spec["tiers"]:
        raise fail(
            "按层级的金额需要 qualification（资质）和 tiers（各层级金额），"
            "如 tiers: {国家: 100万元, 省: 30万元}"
        )
    tiers: list[tuple[str, int]] = []
    for level_name, raw in spec["tiers"].items():
        level = lookup_level(str(level_name))
        if level is None:
            raise fail(f"层级“{level_name}”无法识别，可选：国家、省、市、区", "amount.level")
        tiers.append((level, _positive_money(raw, unit, f"{level_label(level)}级金额")))
    filters = {k: v for k, v in spec.items() if k != "tiers"}
    filters["level"] = [level for level, _ in tiers]
    leaf = read_qualification(filters)
    return ast.Tiered(leaf, tuple(tiers))


def _percentage(spec: dict[str, object], unit: str | None) -> ast.Percentage:
    f = resolve_field(spec["percent_of"])
    if f.type is not FieldType.MONEY:
        raise fail(f"“{f.label}”不是金额，不能按比例计算奖励", "amount.field")
    if spec.get("rate") is None:
        raise fail("按比例的金额缺少比例 rate，如 rate: 10%")
    rate = parse_percent(spec["rate"])
    if not Decimal(0) < rate <= Decimal(100):
        raise fail(f"比例“{spec['rate']}”应大于 0% 且不超过 100%", "amount.range")
    cap = _positive_money(spec["cap"], unit, "上限") if spec.get("cap") is not None else None
    return ast.Percentage(f.key, rate, cap)


def _per_unit(spec: dict[str, object], unit: str | None) -> ast.PerUnit:
    f = resolve_field(spec["per_unit"])
    if f.type is not FieldType.INT:
        raise fail(f"“{f.label}”不是人数或个数，不能按数量计算奖励", "amount.field")
    each = _positive_money(spec.get("each"), unit, "每单位金额")
    max_units = None
    if spec.get("max_units") is not None:
        max_units = parse_int(spec["max_units"], "最多数量")
        if max_units <= 0:
            raise fail(f"最多数量“{spec['max_units']}”应大于 0", "amount.range")
    cap = _positive_money(spec["cap"], unit, "上限") if spec.get("cap") is not None else None
    return ast.PerUnit(f.key, each, max_units, cap)


def read_amount(raw: object) -> ast.Amount:
    """An amount rule from its YAML value, or RuleSyntaxError with a Chinese message."""
    if raw is None:
        raise fail("缺少金额 amount", "amount.missing")
    if not isinstance(raw, dict):
        return ast.Fixed(_positive_money(raw, None, "金额"))
    unknown = [k for k in raw if k not in AMOUNT_KEYS]
    if unknown:
        raise fail(
            f"金额中的“{'、'.join(map(str, unknown))}”无法识别，可用：fixed、by_level、percent_of、per_unit"
        )
    spec = {AMOUNT_KEYS[k]: v for k, v in raw.items()}
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        raise fail("金额应是 fixed（固定）、by_level（按层级）、percent_of（按比例）、per_unit（按数量）之一")
    kind = kinds[0]
    extra = set(spec) - ALLOWED[kind]
    if extra:
        raise fail(f"{kind} 金额不能带“{'、'.join(sorted(extra))}”")
    unit = str(spec["unit"]) if spec.get("unit") is not None else None
    if kind == "fixed":
        return ast.Fixed(_positive_money(spec["fixed"], unit, "金额"))
    if kind == "by_level":
        return _tiers(spec["by_level"], unit)
    if kind == "percent_of":
        return _percentage(spec, unit)
    return _per_unit(spec, unit)


# --- computing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountResult:
    fen: int | None  # None: an input is unknown
    explanation: str


def percent_of(value_fen: int, rate: Decimal) -> int:
    """`rate` percentage points of `value_fen`, rounded down to the fen."""
    return int((Decimal(value_fen) * rate / 100).to_integral_value(rounding=ROUND_FLOOR))


def _capped(fen: int, cap: int | None, text: str) -> AmountResult:
    if cap is not None and fen > cap:
        return AmountResult(cap, f"{text}，超过上限，按最高 {format_amount(cap)}")
    return AmountResult(fen, text)


@functools.lru_cache(maxsize=4096)
def _fixed(amount: ast.Fixed) -> AmountResult:
    return AmountResult(amount.fen, f"定额 {format_amount(amount.fen)}")


@functools.lru_cache(maxsize=4096)
def _tier_result(amount: ast.Tiered, level: str | None) -> AmountResult:
    """The tier paid for the best passing record's level; `level` "" : no record passes."""
    kind = qualification_kinds()[amount.qualification.kind]
    if level == "":
        return AmountResult(None, f"{kind.label}认定层级待确认")
    fen = dict(amount.tiers).get(level or "", 0)
    return AmountResult(fen, f"按{level_label(level or '')}级{kind.label}标准 {format_amount(fen)}")


def _tiered(amount: ast.Tiered, profile: Profile, ctx: ast.Context) -> AmountResult:
    pay = dict(amount.tiers)
    passed = [
        r for r, status in matching_records(amount.qualification, profile, ctx) if status is Status.PASS
    ]
    if not passed:
        return _tier_result(amount, "")
    return _tier_result(amount, max(passed, key=lambda r: pay.get(r.level or "", 0)).level)


def compute_amount(amount: ast.Amount, profile: Profile, ctx: ast.Context) -> AmountResult:
    if isinstance(amount, ast.Fixed):
        return _fixed(amount)
    if isinstance(amount, ast.Tiered):
        return _tiered(amount, profile, ctx)
    f = resolve_field(amount.field)
    value = profile.get(amount.field)
    if value is None:
        return AmountResult(None, f"{f.label}：暂无数据，金额待确认")
    if isinstance(amount, ast.Percentage):
        fen = percent_of(int(value), amount.rate)  # type: ignore[arg-type]
        text = f"{f.label} {show_value(f, value)} × {format_percent(amount.rate)} = {format_amount(fen)}"
        return _capped(fen, amount.cap_fen, text)
    units = int(value)  # type: ignore[arg-type]
    counted = units if amount.max_units is None else min(units, amount.max_units)
    note = f"（最多计 {amount.max_units} {f.unit}）" if counted < units else ""
    fen = counted * amount.each_fen
    text = f"{f.label} {show_value(f, value)}{note} × {format_amount(amount.each_fen)} = {format_amount(fen)}"
    return _capped(fen, amount.cap_fen, text)
