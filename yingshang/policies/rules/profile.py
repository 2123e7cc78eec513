"""An enterprise's profile as rules see it: field key → typed value, plus qualification records.

Input is a plain dict (from the registry, a form, or a YAML test case). Keys may be field keys or
Chinese labels. A key that is absent or None is *unknown*, never zero or false. Money is integer
fen (or text with a unit such as "500万元"); percentages are percentage points (4.5 or "4.5%").

`qualifications`: a list of {kind, level, certified_on, expires_on, first_certified_on}. When the
key is absent the platform knows nothing about the enterprise's qualifications. When present, the
list is complete for tracked kinds (the registry imports those rolls); for untracked kinds it is
complete only for the kinds listed under `qualification_kinds_confirmed` (the enterprise said so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from yingshang.core.errors import UserError
from yingshang.policies.rules.ast import Value
from yingshang.policies.rules.errors import Place, RuleError, RuleSyntaxError
from yingshang.policies.rules.fields import (
    Field,
    FieldType,
    QualificationKind,
    lookup_field,
    lookup_kind,
    lookup_level,
    suggest_fields,
)
from yingshang.policies.rules.parser import typed_value
from yingshang.policies.rules.values import as_decimal, parse_date, parse_int, parse_money

QUALIFICATION_KEYS = ("qualifications", "资质认定", "资质")
CONFIRMED_KEYS = ("qualification_kinds_confirmed", "已确认资质类型")
RECORD_KEYS = {
    "kind": "kind",
    "资质": "kind",
    "类型": "kind",
    "level": "level",
    "层级": "level",
    "certified_on": "certified_on",
    "认定日期": "certified_on",
    "expires_on": "expires_on",
    "有效期至": "expires_on",
    "first_certified_on": "first_certified_on",
    "首次认定日期": "first_certified_on",
}


@dataclass(frozen=True)
class QualRecord:
    kind: str
    level: str | None
    certified_on: dt.date
    expires_on: dt.date | None = None
    first_certified_on: dt.date | None = None


@dataclass(frozen=True)
class Profile:
    values: Mapping[str, Value]
    qualifications: tuple[QualRecord, ...] | None = None
    confirmed_kinds: frozenset[str] = frozenset()

    def get(self, key: str) -> Value | None:
        return self.values.get(key)

    def knows_all_of(self, kind: QualificationKind) -> bool:
        """Whether a missing record of `kind` means the enterprise does not hold it."""
        return self.qualifications is not None and (kind.tracked or kind.code in self.confirmed_kinds)


class ProfileError(UserError, ValueError):
    """A profile with problems; `errors` are RuleErrors with their places."""

    def __init__(self, errors: list[RuleError]) -> None:
        super().__init__("；".join(str(e) for e in errors))
        self.errors = errors


def profile_value(f: Field, raw: object) -> Value:
    """A profile value in the field's type. Programs hand in fen and percentage points as numbers."""
    if f.type is FieldType.MONEY and not isinstance(raw, str):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise RuleSyntaxError(
                "profile.money", f"“{f.label}”应为整数分或带单位的金额（如“500万元”），收到“{raw}”"
            )
        if raw < 0:
            raise RuleSyntaxError("profile.money", f"“{f.label}”不能为负数")
        return raw
    if f.type is FieldType.MONEY:
        return parse_money(raw)
    if f.type is FieldType.PERCENT:
        points = as_decimal(raw.strip().rstrip("%％") if isinstance(raw, str) else raw)
        if points is None:
            raise RuleSyntaxError(
                "profile.percent", f"“{f.label}”应为百分点数值（4.5 表示 4.5%），收到“{raw}”"
            )
        return points
    if f.type is FieldType.INT:
        if isinstance(raw, str) and f.unit:
            raw = raw.strip().removesuffix(f.unit)
        value = parse_int(raw, f"“{f.label}”")
        if value < 0:
            raise RuleSyntaxError("profile.int", f"“{f.label}”不能为负数")
        return value
    return typed_value(f, raw)


def _record(raw: object) -> QualRecord:
    if not isinstance(raw, Mapping):
        raise RuleSyntaxError(
            "profile.qualification", f"资质记录“{raw}”应是包含 kind、level、certified_on 的映射"
        )
    unknown = [k for k in raw if k not in RECORD_KEYS]
    if unknown:
        raise RuleSyntaxError(
            "profile.qualification", f"资质记录中的“{'、'.join(map(str, unknown))}”无法识别"
        )
    spec = {RECORD_KEYS[k]: v for k, v in raw.items()}
    kind = lookup_kind(str(spec.get("kind")))
    if kind is None:
        raise RuleSyntaxError("profile.qualification", f"资质类型“{spec.get('kind')}”不存在")
    level = None
    if spec.get("level") not in (None, ""):
        level = lookup_level(str(spec["level"]))
        if level is None:
            raise RuleSyntaxError("profile.qualification", f"认定层级“{spec['level']}”无法识别")
    if spec.get("certified_on") is None:
        raise RuleSyntaxError("profile.qualification", f"“{kind.label}”记录缺少认定日期")
    dates = {
        k: parse_date(spec[k]) if spec.get(k) is not None else None
        for k in ("expires_on", "first_certified_on")
    }
    return QualRecord(kind.code, level, parse_date(spec["certified_on"]), **dates)


def _confirmed(raw: object) -> frozenset[str]:
    kinds = []
    for name in raw if isinstance(raw, list | tuple | set | frozenset) else [raw]:
        kind = lookup_kind(str(name))
        if kind is None:
            raise RuleSyntaxError("profile.qualification", f"已确认资质类型中的“{name}”不存在")
        kinds.append(kind.code)
    return frozenset(kinds)


def read_profile(
    raw: Mapping[str, object], place: Place | None = None
) -> tuple[Profile | None, list[RuleError]]:
    place = place or Place()
    values: dict[str, Value] = {}
    records: tuple[QualRecord, ...] | None = None
    confirmed: frozenset[str] = frozenset()
    errors: list[RuleError] = []
    for key, value in raw.items():
        try:
            if key in QUALIFICATION_KEYS:
                if value is not None and not isinstance(value, list | tuple):
                    raise RuleSyntaxError("profile.qualification", "资质认定应是资质记录的列表")
                # None is unknown like any other value; [] is "holds none of the tracked kinds".
                records = None if value is None else tuple(_record(r) for r in value)
            elif key in CONFIRMED_KEYS:
                confirmed = _confirmed(value) if value is not None else frozenset()
            else:
                f = lookup_field(str(key))
                if f is None:
                    options = suggest_fields(str(key))
                    hint = f"，可选：{'、'.join(options)}" if options else ""
                    raise RuleSyntaxError("profile.field", f"企业数据中的字段“{key}”不存在{hint}")
                if value is not None:
                    values[f.key] = profile_value(f, value)
        except RuleSyntaxError as exc:
            errors.append(RuleError(exc.code, exc.message, place.within(f"企业数据“{key}”")))
    if errors:
        return None, errors
    return Profile(values, records, confirmed), []


def profile_from(raw: Mapping[str, object] | Profile) -> Profile:
    """A Profile, or ProfileError carrying every Chinese message."""
    if isinstance(raw, Profile):
        return raw
    profile, errors = read_profile(raw)
    if profile is None:
        raise ProfileError(errors)
    return profile
