"""Three-valued evaluation of a condition tree for one enterprise.

Every leaf ends PASS, FAIL or UNKNOWN (the enterprise's value is missing); groups combine them by
Kleene's strong logic: AND is FAIL if any child fails, PASS if all pass, else UNKNOWN; OR is the
dual; NOT swaps PASS and FAIL and keeps UNKNOWN. So a missing value can only make a result
UNKNOWN ("needs confirmation"), never silently FAIL.

Each leaf also yields an Outcome with the enterprise's own value and a Chinese reason
("从业人数 8 人，要求不少于 10 人：不满足") and a stable code ("employees.ge.fail") for batch storage.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from typing import Any, TypeVar

from yingshang.policies.rules import ast
from yingshang.policies.rules.fields import field_registry, level_label, qualification_kinds
from yingshang.policies.rules.profile import Profile, QualRecord
from yingshang.policies.rules.render import leaf_sentence, predicate, qualification_sentence, show_value
from yingshang.policies.rules.values import format_date

T = TypeVar("T")


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {Status.PASS: "满足", Status.FAIL: "不满足", Status.UNKNOWN: "待确认"}


def k_and(statuses: Iterable[Status]) -> Status:
    unknown = False
    for status in statuses:
        if status is Status.FAIL:
            return Status.FAIL
        unknown = unknown or status is Status.UNKNOWN
    return Status.UNKNOWN if unknown else Status.PASS


def k_or(statuses: Iterable[Status]) -> Status:
    unknown = False
    for status in statuses:
        if status is Status.PASS:
            return Status.PASS
        unknown = unknown or status is Status.UNKNOWN
    return Status.UNKNOWN if unknown else Status.FAIL


def k_not(status: Status) -> Status:
    if status is Status.UNKNOWN:
        return status
    return Status.FAIL if status is Status.PASS else Status.PASS


def of_bool(value: bool) -> Status:
    return Status.PASS if value else Status.FAIL


@dataclass(frozen=True)
class Outcome:
    """One leaf's result for one enterprise, as shown in the 政策计算器."""

    path: str  # position in the tree: "2", "3.1"
    sentence: str  # what the rule asks, as staff read it
    status: Status  # the leaf's contribution (already flipped under an odd number of NOTs)
    actual: str  # the enterprise's own value as text, "" when unknown
    reason: str
    code: str
    field: str
    machine_checkable: bool


def fast_constructor(cls: type[T]) -> Callable[..., T]:
    """Builds instances of a frozen dataclass without its generated __init__, which sets each field
    through object.__setattr__ and costs about five times a plain one; the calculator builds hundreds
    of outcomes and results per enterprise. Takes every field by keyword; defaults apply."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}  # type: ignore[arg-type]
    new = object.__new__

    def make(**values: object) -> T:
        instance = new(cls)
        instance.__dict__.update(defaults, **values)
        return instance

    make.__doc__ = f"{cls.__name__}({', '.join(names)})"

    return make


@dataclass(frozen=True)
class TreeResult:
    status: Status
    outcomes: tuple[Outcome, ...]


_outcome = fast_constructor(Outcome)


# --- leaves ---------------------------------------------------------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def full_years(since: dt.date, as_of: dt.date) -> int:
    """Completed years; a 29 February start completes its years on 1 March in common years."""
    return as_of.year - since.year - ((as_of.month, as_of.day) < (since.month, since.day))


def years_cutoff(as_of: dt.date, years: int) -> dt.date:
    """The latest start date with at least `years` completed years on `as_of`.

    `full_years(since, as_of) >= years` exactly when `since <= years_cutoff(as_of, years)`, so a batch
    evaluator can compare a date column with one constant. 29 February falls back to 28 February.
    """
    year = as_of.year - years
    if as_of.month == 2 and as_of.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return as_of.replace(year=year)


def in_window(day: dt.date, bounds: tuple[dt.date | None, dt.date | None]) -> bool:
    start, end = bounds
    return (start is None or start <= day) and (end is None or day <= end)


def value_status(leaf: ast.Leaf, value: object, ctx: ast.Context) -> Status:
    """PASS/FAIL for a known value (UNKNOWN is decided before this is called)."""
    if isinstance(leaf, ast.Compare):
        return of_bool(_COMPARE[leaf.op](value, leaf.value))
    if isinstance(leaf, ast.Member):
        return of_bool((value in leaf.values) != leaf.negated)
    if isinstance(leaf, ast.Between):
        return of_bool(leaf.low <= value <= leaf.high)  # type: ignore[operator]
    if isinstance(leaf, ast.InWindow):
        return of_bool(in_window(value, ctx.window(leaf.window)))  # type: ignore[arg-type]
    if isinstance(leaf, ast.YearsSince):
        years = full_years(value, ctx.as_of)  # type: ignore[arg-type]
        return of_bool(years >= leaf.years if leaf.at_least else years < leaf.years)
    if isinstance(leaf, ast.Contains):
        return of_bool(leaf.text in str(value))
    raise TypeError(leaf)  # pragma: no cover


def record_status(leaf: ast.HasQualification, record: QualRecord, ctx: ast.Context) -> Status:
    """Whether one record of the right kind meets every filter of the leaf."""
    checks: list[Status] = []
    if leaf.levels:
        checks.append(Status.UNKNOWN if record.level is None else of_bool(record.level in leaf.levels))
    if leaf.certified_within:
        checks.append(of_bool(in_window(record.certified_on, ctx.window(leaf.certified_within))))
    if leaf.first_certified_within:
        first = record.first_certified_on
        checks.append(
            Status.UNKNOWN
            if first is None
            else of_bool(in_window(first, ctx.window(leaf.first_certified_within)))
        )
    if leaf.valid_on is not None:
        day = ctx.as_of if leaf.valid_on == ast.AS_OF else leaf.valid_on
        checks.append(of_bool(in_window(day, (record.certified_on, record.expires_on))))
    return k_and(checks)


def matching_records(
    leaf: ast.HasQualification, profile: Profile, ctx: ast.Context
) -> list[tuple[QualRecord, Status]]:
    records = profile.qualifications or ()
    return [(r, record_status(leaf, r, ctx)) for r in records if r.kind == leaf.kind]


def qualification_status(leaf: ast.HasQualification, profile: Profile, ctx: ast.Context) -> Status:
    statuses = [status for _, status in matching_records(leaf, profile, ctx)]
    if not profile.knows_all_of(qualification_kinds()[leaf.kind]):
        statuses.append(Status.UNKNOWN)  # a record we do not hold could still exist
    return k_or(statuses)


def leaf_status(leaf: ast.Leaf, profile: Profile, ctx: ast.Context) -> Status:
    if isinstance(leaf, ast.HasQualification):
        return qualification_status(leaf, profile, ctx)
    value = profile.get(leaf.field)
    return Status.UNKNOWN if value is None else value_status(leaf, value, ctx)


def is_machine_checkable(leaf: ast.Leaf) -> bool:
    if isinstance(leaf, ast.HasQualification):
        return qualification_kinds()[leaf.kind].tracked
    return field_registry()[leaf.field].machine_checkable


# --- reasons --------------------------------------------------------------------------------------


def op_code(leaf: ast.Leaf) -> str:
    if isinstance(leaf, ast.Compare):
        return leaf.op
    if isinstance(leaf, ast.Member):
        return "not_in" if leaf.negated else "in"
    if isinstance(leaf, ast.YearsSince):
        return "years_at_least" if leaf.at_least else "years_less_than"
    return {ast.Between: "between", ast.InWindow: "within", ast.Contains: "contains"}[type(leaf)]


def reason_code(leaf: ast.Leaf, status: Status) -> str:
    if isinstance(leaf, ast.HasQualification):
        return f"qual.{leaf.kind}.{status.value}"
    return f"{leaf.field}.{op_code(leaf)}.{status.value}"


def record_text(record: QualRecord) -> str:
    kind = qualification_kinds()[record.kind]
    level = f"{level_label(record.level)}级" if record.level else ""
    expiry = f"，有效期至{format_date(record.expires_on)}" if record.expires_on else ""
    return f"{level}{kind.label}（{format_date(record.certified_on)}认定{expiry}）"


def actual_text(leaf: ast.Leaf, profile: Profile, ctx: ast.Context) -> str:
    if isinstance(leaf, ast.HasQualification):
        records = [r for r, _ in matching_records(leaf, profile, ctx)]
        if records:
            return "；".join(record_text(r) for r in records)
        return f"无{qualification_kinds()[leaf.kind].label}记录"
    value = profile.get(leaf.field)
    if value is None:
        return ""
    shown = show_value(field_registry()[leaf.field], value).strip("“”")
    if isinstance(leaf, ast.YearsSince):
        return f"{shown}（距评估日满 {max(full_years(value, ctx.as_of), 0)} 年）"  # type: ignore[arg-type]
    return shown


def requirement_text(leaf: ast.Leaf, ctx: ast.Context, negated: bool = False) -> str:
    """What the rule asks, for a reason line: "不少于 10 人"; under NOT, "不满足“…”" with the label."""
    if negated:
        text = f"不满足“{leaf_sentence(leaf)}”"
    else:
        text = qualification_sentence(leaf) if isinstance(leaf, ast.HasQualification) else predicate(leaf)
    windows = [getattr(leaf, name, None) for name in ("window", "certified_within", "first_certified_within")]
    if any(isinstance(w, ast.Window) and w.policy for w in windows):
        start, end = ctx.policy_start, ctx.policy_end
        span = f"{format_date(start) if start else '不限'}至{format_date(end) if end else '今'}"
        text += f"（本政策有效期：{span}）"
    return text


def subject(leaf: ast.Leaf) -> str:
    if isinstance(leaf, ast.HasQualification):
        return f"{qualification_kinds()[leaf.kind].label}认定"
    return field_registry()[leaf.field].label


def has_data(leaf: ast.Leaf, profile: Profile, ctx: ast.Context) -> bool:
    if isinstance(leaf, ast.HasQualification):
        return bool(matching_records(leaf, profile, ctx))
    return profile.get(leaf.field) is not None


def reason_text(
    leaf: ast.Leaf, status: Status, actual: str, ctx: ast.Context, negated: bool, known: bool
) -> str:
    if status is Status.UNKNOWN and not known:
        return f"{subject(leaf)}：暂无数据，需企业确认"
    requirement = requirement_text(leaf, ctx, negated)
    who = "资质认定" if isinstance(leaf, ast.HasQualification) else subject(leaf)
    return f"{who} {actual}，要求{requirement}：{status.label}"


# --- trees ----------------------------------------------------------------------------------------
#
# The 政策计算器 evaluates every item for one enterprise with explanations, so what does not depend on
# the enterprise (sentences, requirements, codes, how to test a value) is compiled once per condition
# tree and policy window and reused: per enterprise only statuses, its own values and reasons are built.


@functools.lru_cache(maxsize=8192)
def _shown(field: str, value_type: type, value: object) -> str:
    return show_value(field_registry()[field], value).strip("“”")


@functools.lru_cache(maxsize=8192)
def _record_text(record: QualRecord) -> str:
    return record_text(record)


def _value_test(leaf: ast.Leaf, ctx: ast.Context) -> Callable[[object, ast.Context], bool]:
    """How a known value is tested, with the leaf's constants bound (windows resolved for this policy)."""
    if isinstance(leaf, ast.Compare):
        op, target = _COMPARE[leaf.op], leaf.value
        return lambda value, _: op(value, target)
    if isinstance(leaf, ast.Member):
        values, negated = frozenset(leaf.values), leaf.negated
        return lambda value, _: (value in values) != negated
    if isinstance(leaf, ast.Between):
        low, high = leaf.low, leaf.high
        return lambda value, _: low <= value <= high  # type: ignore[operator]
    if isinstance(leaf, ast.InWindow):
        bounds = ctx.window(leaf.window)
        return lambda value, _: in_window(value, bounds)  # type: ignore[arg-type]
    if isinstance(leaf, ast.YearsSince):
        years, at_least = leaf.years, leaf.at_least
        return lambda value, c: (full_years(value, c.as_of) >= years) == at_least  # type: ignore[arg-type]
    if isinstance(leaf, ast.Contains):
        text = leaf.text
        return lambda value, _: text in str(value)
    raise TypeError(leaf)  # pragma: no cover


@dataclass(frozen=True)
class _LeafPlan:
    leaf: ast.Leaf
    path: str
    negated: bool
    sentence: str
    requirement: str
    who: str
    unknown_reason: str
    codes: tuple[str, str, str]  # for the outcome's (already flipped) status: pass, fail, unknown
    machine_checkable: bool
    test: Callable[[object, ast.Context], bool] | None  # None for a qualification leaf
    counts_years: bool

    def outcome(self, profile: Profile, ctx: ast.Context) -> tuple[Status, Outcome]:
        """(the leaf's own status, its outcome as shown). Statuses are compared by identity: an Enum's
        hash is a Python call, and this runs for every leaf of every item of every enterprise."""
        leaf = self.leaf
        if self.test is None:
            raw, actual, known = self._qualification(profile, ctx)
        else:
            value = profile.values.get(leaf.field)
            known = value is not None
            if value is None:
                raw, actual = _UNKNOWN, ""
            else:
                raw = _PASS if self.test(value, ctx) else _FAIL
                value_type: type = type(value)  # a plain `type`: mypy takes a class object for unhashable
                actual = _shown(leaf.field, value_type, value)
                if self.counts_years:
                    actual += f"（距评估日满 {max(full_years(value, ctx.as_of), 0)} 年）"  # type: ignore[arg-type]
        status = raw
        if self.negated and raw is not _UNKNOWN:
            status = _FAIL if raw is _PASS else _PASS
        index = 0 if status is _PASS else 1 if status is _FAIL else 2
        if index == 2 and not known:
            reason = self.unknown_reason
        else:
            reason = f"{self.who} {actual}，要求{self.requirement}：{_LABELS[index]}"
        outcome = _outcome(
            path=self.path,
            sentence=self.sentence,
            status=status,
            actual=actual,
            reason=reason,
            code=self.codes[index],
            field=leaf.field,
            machine_checkable=self.machine_checkable,
        )
        return raw, outcome

    def _qualification(self, profile: Profile, ctx: ast.Context) -> tuple[Status, str, bool]:
        leaf: ast.HasQualification = self.leaf  # type: ignore[assignment]
        records = matching_records(leaf, profile, ctx)
        statuses = [status for _, status in records]
        if not profile.knows_all_of(qualification_kinds()[leaf.kind]):
            statuses.append(_UNKNOWN)
        if records:
            actual = "；".join(_record_text(r) for r, _ in records)
        else:
            actual = f"无{qualification_kinds()[leaf.kind].label}记录"
        return k_or(statuses), actual, bool(records)


_PASS, _FAIL, _UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
_LABELS = (_STATUS_LABELS[_PASS], _STATUS_LABELS[_FAIL], _STATUS_LABELS[_UNKNOWN])


def _compile_leaf(leaf: ast.Leaf, path: str, negated: bool, ctx: ast.Context) -> _LeafPlan:
    return _LeafPlan(
        leaf=leaf,
        path=path,
        negated=negated,
        sentence=f"不满足“{leaf_sentence(leaf)}”" if negated else leaf_sentence(leaf),
        requirement=requirement_text(leaf, ctx, negated),
        who="资质认定" if isinstance(leaf, ast.HasQualification) else subject(leaf),
        unknown_reason=f"{subject(leaf)}：暂无数据，需企业确认",
        codes=(reason_code(leaf, _PASS), reason_code(leaf, _FAIL), reason_code(leaf, _UNKNOWN)),
        machine_checkable=is_machine_checkable(leaf),
        test=None if isinstance(leaf, ast.HasQualification) else _value_test(leaf, ctx),
        counts_years=isinstance(leaf, ast.YearsSince),
    )


_Plan = tuple  # ("all" | "any", children) / ("not", child) / _LeafPlan


def _compile(node: ast.Node, path: str, negated: bool, ctx: ast.Context) -> _Plan | _LeafPlan:
    if isinstance(node, ast.AllOf | ast.AnyOf):
        prefix = f"{path}." if path else ""
        children = tuple(
            _compile(c, f"{prefix}{i}", negated, ctx) for i, c in enumerate(node.children, start=1)
        )
        return ("all" if isinstance(node, ast.AllOf) else "any", children)
    if isinstance(node, ast.Not):
        return ("not", _compile(node.child, path, not negated, ctx))
    return _compile_leaf(node, path or "1", negated, ctx)


def _run(plan: _Plan | _LeafPlan, profile: Profile, ctx: ast.Context, out: list[Outcome]) -> Status:
    if isinstance(plan, _LeafPlan):
        raw, outcome = plan.outcome(profile, ctx)
        out.append(outcome)
        return raw
    kind, children = plan
    if kind == "not":
        return k_not(_run(children, profile, ctx, out))
    statuses = [_run(child, profile, ctx, out) for child in children]
    return k_and(statuses) if kind == "all" else k_or(statuses)


_PLANS: dict[tuple[int, dt.date | None, dt.date | None, str], tuple[ast.Node, _Plan | _LeafPlan]] = {}


def _plan(node: ast.Node, ctx: ast.Context, path: str) -> _Plan | _LeafPlan:
    """The compiled tree, cached per tree object, policy window and path."""
    key = (id(node), ctx.policy_start, ctx.policy_end, path)
    cached = _PLANS.get(key)
    if cached is None or cached[0] is not node:  # an id can be reused once a tree is gone
        if len(_PLANS) > 20_000:
            _PLANS.clear()
        cached = _PLANS[key] = (node, _compile(node, path, False, ctx))
    return cached[1]


def evaluate(node: ast.Node, profile: Profile, ctx: ast.Context, path: str = "") -> TreeResult:
    """The tree's status plus one Outcome per leaf, in reading order."""
    outcomes: list[Outcome] = []
    status = _run(_plan(node, ctx, path), profile, ctx, outcomes)
    return TreeResult(status, tuple(outcomes))


def evaluate_into(
    node: ast.Node, profile: Profile, ctx: ast.Context, path: str, out: list[Outcome]
) -> Status:
    """`evaluate` appending the outcomes to `out` (the calculator's path, without a TreeResult per tree)."""
    return _run(_plan(node, ctx, path), profile, ctx, out)
