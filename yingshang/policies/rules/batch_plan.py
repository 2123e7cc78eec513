"""Compiling packs into Polars column expressions for batch matching (see docs/rules.md, "Batch mapping").

PASS/FAIL/UNKNOWN are true/false/null; Polars' `&`, `|`, `~`, `all_horizontal` and `any_horizontal`
follow Kleene's logic on nulls, so a compiled tree computes exactly what `evaluate()` computes, one
column at a time instead of one enterprise at a time.

A plan is per (packs, evaluation date): windows, `years_cutoff` and `valid_on` are resolved to
constants. Distinct leaves are compiled once and shared by every item that uses them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

import numpy as np
import polars as pl

from yingshang.policies.rules import ast
from yingshang.policies.rules.amounts import compute_amount
from yingshang.policies.rules.evaluate import Status, reason_code, years_cutoff
from yingshang.policies.rules.fields import FieldType, field_registry, qualification_kinds
from yingshang.policies.rules.model import Item, Pack, Policy, Verdict
from yingshang.policies.rules.profile import Profile
from yingshang.policies.rules.render import leaf_sentence

PERCENT_SCALE = 6  # percentage points are held as Decimal(18, 6) in a snapshot
MAX_LEAVES = 31  # leaf statuses are packed two bits each into one int64

# Packed leaf status, two bits per outcome in the item's reading order (target first).
STATE_FAIL, STATE_UNKNOWN, STATE_PASS = 0, 1, 2  # the leaf codes below use the same numbers
STATE_STATUS = {STATE_FAIL: Status.FAIL, STATE_PASS: Status.PASS, STATE_UNKNOWN: Status.UNKNOWN}

VERDICT_CODES = {Verdict.ELIGIBLE: 0, Verdict.NEEDS_CONFIRMATION: 1, Verdict.NOT_ELIGIBLE: 2}
QUALIFICATIONS = "qualifications"
CONFIRMED = "qualification_kinds_confirmed"
RECORD_FIELDS = ("kind", "level", "certified_on", "expires_on", "first_certified_on")


def outcome_leaves(item: Item) -> list[tuple[ast.Leaf, bool]]:
    """The leaves the calculator reports as outcomes, in its order, each with its NOT parity."""
    out: list[tuple[ast.Leaf, bool]] = []

    def walk(node: ast.Node, negated: bool) -> None:
        if isinstance(node, ast.AllOf | ast.AnyOf):
            for child in node.children:
                walk(child, negated)
        elif isinstance(node, ast.Not):
            walk(node.child, not negated)
        else:
            out.append((node, negated))

    out.extend((leaf, False) for leaf in item.gate_leaves())
    walk(item.conditions, False)
    return out


@dataclass(frozen=True)
class ItemReasons:
    """What decodes an item's packed leaf states: one code and one to-confirm sentence per outcome."""

    codes: tuple[dict[int, str], ...]  # per outcome: packed state → reason code
    sentences: tuple[str, ...]
    amount_missing: str  # the amount's explanation when its input is unknown ("" for a fixed amount)

    def reason_codes(self, state: int) -> list[str]:
        return [codes[(state >> (2 * j)) & 3] for j, codes in enumerate(self.codes)]

    def to_confirm(self, state: int, amount_known: bool) -> list[str]:
        unknown = [s for j, s in enumerate(self.sentences) if (state >> (2 * j)) & 3 == STATE_UNKNOWN]
        if not amount_known:
            unknown.append(self.amount_missing)
        return list(dict.fromkeys(unknown))


def item_reasons(item: Item) -> ItemReasons:
    leaves = outcome_leaves(item)
    codes = tuple({s: reason_code(leaf, STATE_STATUS[s]) for s in STATE_STATUS} for leaf, _ in leaves)
    sentences = tuple(
        f"不满足“{leaf_sentence(leaf)}”" if neg else leaf_sentence(leaf) for leaf, neg in leaves
    )
    missing = (
        "" if isinstance(item.amount, ast.Fixed) else compute_amount(item.amount, EMPTY, _CTX).explanation
    )
    return ItemReasons(codes, sentences, missing)


EMPTY = Profile({})
_CTX = ast.Context(dt.date(2000, 1, 1))


# --- scalar leaves --------------------------------------------------------------------------------


def _percent_bound(value: Decimal, up: bool) -> Decimal:
    step = Decimal(1).scaleb(-PERCENT_SCALE)
    return value.quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR)


def _literal(f_type: FieldType, value: ast.Value) -> pl.Expr:
    if f_type is FieldType.PERCENT:
        return pl.lit(value, dtype=pl.Decimal(38, PERCENT_SCALE))
    return pl.lit(value)


def _percent_compare(c: pl.Expr, op: str, value: Decimal) -> pl.Expr:
    """Exact comparison of a Decimal(·, 6) column with a rule value that may have more decimals."""
    low, high = _percent_bound(value, up=True), _percent_bound(value, up=False)
    exact = low == high
    lit_low, lit_high = _literal(FieldType.PERCENT, low), _literal(FieldType.PERCENT, high)
    if op in ("ge", "gt") and not exact:
        return c >= lit_low
    if op in ("le", "lt") and not exact:
        return c <= lit_high
    if op in ("eq", "ne") and not exact:
        return pl.when(c.is_not_null()).then(pl.lit(op == "ne"))
    return _compare(c, op, lit_low)


def _compare(c: pl.Expr, op: str, value: pl.Expr) -> pl.Expr:
    return {
        "eq": c.__eq__,
        "ne": c.__ne__,
        "gt": c.__gt__,
        "ge": c.__ge__,
        "lt": c.__lt__,
        "le": c.__le__,
    }[op](value)


def _date_window(c: pl.Expr, start: dt.date | None, end: dt.date | None) -> pl.Expr:
    parts = [c >= start] if start else []
    parts += [c <= end] if end else []
    if not parts:
        return pl.when(c.is_not_null()).then(pl.lit(True))
    return pl.all_horizontal(parts) if len(parts) > 1 else parts[0]


def scalar_leaf_expr(leaf: ast.Leaf, ctx: ast.Context) -> pl.Expr:
    """true/false/null for one non-qualification leaf, over the field's column."""
    f = field_registry()[leaf.field]
    c = pl.col(leaf.field)
    if isinstance(leaf, ast.Compare):
        if f.type is FieldType.PERCENT:
            return _percent_compare(c, leaf.op, leaf.value)  # type: ignore[arg-type]
        return _compare(c, leaf.op, pl.lit(leaf.value))
    if isinstance(leaf, ast.Member):
        member = c.is_in(list(leaf.values))
        return ~member if leaf.negated else member
    if isinstance(leaf, ast.Between):
        if f.type is FieldType.PERCENT:
            return _percent_compare(c, "ge", leaf.low) & _percent_compare(c, "le", leaf.high)  # type: ignore[arg-type]
        return (c >= pl.lit(leaf.low)) & (c <= pl.lit(leaf.high))
    if isinstance(leaf, ast.InWindow):
        return _date_window(c, *ctx.window(leaf.window))
    if isinstance(leaf, ast.YearsSince):
        enough = c <= years_cutoff(ctx.as_of, leaf.years)
        return enough if leaf.at_least else ~enough
    if isinstance(leaf, ast.Contains):
        return c.str.contains(leaf.text, literal=True)
    raise TypeError(leaf)  # pragma: no cover


# --- qualification leaves -------------------------------------------------------------------------


def record_expr(leaf: ast.HasQualification, ctx: ast.Context) -> pl.Expr:
    """Per qualification record (exploded rows): Kleene AND of the leaf's filters; false for other kinds."""
    checks: list[pl.Expr] = []
    if leaf.levels:
        checks.append(pl.col("level").is_in(list(leaf.levels)))  # null level → null
    if leaf.certified_within:
        checks.append(_date_window(pl.col("certified_on"), *ctx.window(leaf.certified_within)))
    if leaf.first_certified_within:
        checks.append(_date_window(pl.col("first_certified_on"), *ctx.window(leaf.first_certified_within)))
    if leaf.valid_on is not None:
        day = ctx.as_of if leaf.valid_on == ast.AS_OF else leaf.valid_on
        started = pl.col("certified_on") <= day
        checks.append(started & (pl.col("expires_on") >= day).fill_null(True))
    meets = pl.all_horizontal(checks) if checks else pl.lit(True)
    return (pl.col("kind") == leaf.kind) & meets  # Kleene: false for other kinds, else the filters


def or_column(slot: int) -> str:
    """A tiered amount's column: some record passes the slot's filters at that level."""
    return f"__R{slot}"


def slot_column(slot: int) -> str:
    """Per exploded record: one record filter's code."""
    return f"__s{slot}"


# --- plans ----------------------------------------------------------------------------------------
#
# Leaves are computed by Polars over the whole snapshot and handed over as one uint8 code per
# enterprise: 0 fail, 1 unknown, 2 pass. In that order Kleene's AND is the minimum, OR the maximum and
# NOT is 2 − x, so an item's status is a few element-wise numpy operations on those codes; each item
# then keeps only its rows and builds its result columns for them alone.

CODE_FAIL, CODE_UNKNOWN, CODE_PASS = 0, 1, 2

Tree = str | tuple  # a leaf column, or ("all" | "any", children) / ("not", child)
Columns = Mapping[str, np.ndarray]


def leaf_code_expr(expr: pl.Expr) -> pl.Expr:
    """true/false/null → 2/0/1 as UInt8 (the form the per-item numpy stage reads)."""
    return (expr.cast(pl.UInt8) * 2).fill_null(CODE_UNKNOWN)


def tree_codes(tree: Tree, columns: Columns, size: int) -> np.ndarray:
    if isinstance(tree, str):
        return columns[tree]
    kind, children = tree
    if kind == "not":
        return CODE_PASS - tree_codes(children, columns, size)
    if not children:  # empty AND is PASS, empty OR is FAIL
        return np.full(size, CODE_PASS if kind == "all" else CODE_FAIL, dtype=np.uint8)
    combine = np.minimum if kind == "all" else np.maximum
    return functools.reduce(combine, (tree_codes(c, columns, size) for c in children))


@dataclass(frozen=True)
class AmountPlan:
    """An amount over numpy columns: whether it is known, whether it is zero (cheap, over every
    enterprise, to decide verdicts) and its value (for the kept rows only)."""

    kind: str  # fixed / tiered / percent / per_unit
    fen: int = 0  # fixed
    tiers: tuple[tuple[str, int], ...] = ()  # tiered: (column "some record passes at this level", fen)
    field: str = ""  # percent / per_unit input
    numerator: int = 0  # percent: rate / 100 as a fraction
    denominator: int = 1
    each_fen: int = 0
    max_units: int | None = None
    cap_fen: int | None = None

    @property
    def fixed_fen(self) -> int | None:
        return self.fen if self.kind == "fixed" else None

    def known(self, columns: Columns) -> np.ndarray | None:
        """None: always known."""
        if self.kind == "fixed":
            return None
        if self.kind == "tiered":
            return functools.reduce(np.logical_or, (columns[c] for c, _ in self.tiers))
        return columns[known_column(self.field)]

    def zero(self, columns: Columns) -> np.ndarray | None:
        """None: never zero. Meaningful only where the amount is known."""
        if self.kind == "fixed":
            return np.True_ if self.fen == 0 else None  # type: ignore[return-value]
        if self.kind == "tiered":
            return None  # tiers are positive
        value = columns[value_column(self.field)]
        if self.kind == "percent":
            return value < -(-self.denominator // self.numerator)  # value × n < d
        return value == 0

    def values(self, columns: Columns, rows: np.ndarray) -> np.ndarray:
        """int64 fen for `rows` (garbage where unknown)."""
        if self.kind == "fixed":
            return np.full(len(rows), self.fen, dtype=np.int64)
        if self.kind == "tiered":
            fen = np.zeros(len(rows), dtype=np.int64)
            for column, tier_fen in sorted(self.tiers, key=lambda tier: tier[1]):  # the highest wins
                fen[np.take(columns[column], rows)] = tier_fen
            return fen
        value = np.take(columns[value_column(self.field)], rows)
        if self.kind == "percent":
            # floor(value × n / d) without overflow: whole multiples of d first, then the remainder.
            n, d = self.numerator, self.denominator
            fen = (value // d) * n + ((value % d) * n) // d
        else:
            fen = value if self.max_units is None else np.minimum(value, self.max_units)
            fen = fen * self.each_fen
        return fen if self.cap_fen is None else np.minimum(fen, self.cap_fen)


def value_column(field_key: str) -> str:
    return f"__v_{field_key}"


def known_column(field_key: str) -> str:
    return f"__k_{field_key}"


@dataclass
class Masks:
    """One item's verdict over every enterprise."""

    eligible: np.ndarray
    not_eligible: np.ndarray


@dataclass
class ItemPlan:
    index: int  # position among the plan's items (pack order)
    pack_index: int
    policy: Policy
    item: Item
    tree: Tree  # targets AND conditions, over leaf code columns
    amount: AmountPlan
    outcomes: list[tuple[str, bool]]  # (leaf column, negated) per calculator outcome
    group: int | None = None  # index into BatchPlan.groups
    group_position: int = 0

    def masks(self, columns: Columns, size: int) -> Masks:
        status = tree_codes(self.tree, columns, size)
        known, zero = self.amount.known(columns), self.amount.zero(columns)
        eligible = status == CODE_PASS
        not_eligible = status == CODE_FAIL
        if known is not None:
            eligible &= known
        if zero is not None:
            eligible &= ~zero
            not_eligible |= zero if known is None else (known & zero)
        return Masks(eligible, not_eligible)

    def leaf_states(self, columns: Columns, rows: np.ndarray, size: int) -> np.ndarray:
        """Outcome statuses packed two bits each (STATE_*, the leaf codes themselves; 2 − code under an
        odd number of NOTs), in the calculator's outcome order: packed over every enterprise in the
        narrowest integer that holds them (cheap whole-array operations), then gathered for `rows`."""
        width = len(self.outcomes)
        if not width:
            return np.zeros(len(rows), dtype=np.int64)
        dtype: type[np.integer] = (
            np.uint8 if width <= 4 else np.uint16 if width <= 8 else np.uint32 if width <= 16 else np.int64
        )
        states: np.ndarray | None = None
        for j, (column, negated) in enumerate(self.outcomes):
            code = columns[column]
            code = CODE_PASS - code if negated else code
            if states is None:
                states = code.astype(dtype)
            else:  # a multiplication: numpy's shifts are several times slower
                states += code.astype(dtype, copy=False) * dtype(1 << (2 * j))
        return np.take(states, rows).astype(np.int64)  # type: ignore[arg-type]


@dataclass
class BatchPlan:
    as_of: dt.date
    items: list[ItemPlan] = field(default_factory=list)
    scalar_leaves: dict[str, pl.Expr] = field(default_factory=dict)  # column → expression over fields
    record_leaves: dict[str, tuple[int, pl.Expr]] = field(default_factory=dict)  # name → (slot, per record)
    # column → (slot, the kind when untracked): Kleene's OR over records, OR unknown when unconfirmed
    qualification_leaves: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    unconfirmed_kinds: set[str] = field(default_factory=set)  # untracked kinds asked for
    pass_only_slots: set[int] = field(default_factory=set)  # slots read by tiered amounts
    groups: list[list[int]] = field(default_factory=list)  # item indexes per exclusivity group
    fields: set[str] = field(default_factory=set)  # profile columns the plan reads
    amount_fields: set[str] = field(default_factory=set)  # columns percentage/per-unit amounts read
    enum_fields: set[str] = field(default_factory=set)  # enum columns compared (read as pl.Enum)
    _leaf_names: dict[object, str] = field(default_factory=dict)

    def _name(self, key: object, prefix: str) -> tuple[str, bool]:
        name = self._leaf_names.get(key)
        if name is not None:
            return name, False
        name = self._leaf_names[key] = f"{prefix}{len(self._leaf_names)}"
        return name, True

    def leaf_column(self, leaf: ast.Leaf, ctx: ast.Context) -> str:
        name, new = self._name((leaf, ctx.policy_start, ctx.policy_end), "__l")
        if not new:
            return name
        if isinstance(leaf, ast.HasQualification):
            slot = self.record_slot(leaf, ctx, pass_only=False)
            untracked = not qualification_kinds()[leaf.kind].tracked
            self.qualification_leaves[name] = (slot, leaf.kind if untracked else None)
            if untracked:
                self.fields.add(CONFIRMED)
                self.unconfirmed_kinds.add(leaf.kind)
        else:
            self.scalar_leaves[name] = scalar_leaf_expr(leaf, ctx)
            self.fields.add(leaf.field)
            if field_registry()[leaf.field].type is FieldType.ENUM:
                self.enum_fields.add(leaf.field)
        return name

    def record_slot(self, leaf: ast.HasQualification, ctx: ast.Context, pass_only: bool) -> int:
        """A record filter's slot: one code per record, OR'ed per enterprise (see batch._per_enterprise);
        pass_only: whether a record passes (for tiered amounts)."""
        name, new = self._name(("records", leaf, ctx.policy_start, ctx.policy_end, pass_only), "__r")
        if new:
            record = record_expr(leaf, ctx)
            slot = len(self.record_leaves)
            self.record_leaves[name] = (slot, record.fill_null(False) if pass_only else record)
            if pass_only:
                self.pass_only_slots.add(slot)
            self.fields.add(QUALIFICATIONS)
        return self.record_leaves[name][0]

    @functools.cached_property
    def column_exprs(self) -> dict[str, pl.Expr]:
        """What the numpy stage reads from the snapshot columns, as Polars expressions (qualification
        leaves and tiers come from the records, see `batch._qualification_codes`)."""
        columns = {name: leaf_code_expr(expr) for name, expr in self.scalar_leaves.items()}
        for key in sorted(self.amount_fields):
            columns[value_column(key)] = pl.col(key).fill_null(0).cast(pl.Int64)
            columns[known_column(key)] = pl.col(key).is_not_null()
        return columns

    def node_tree(self, node: ast.Node, ctx: ast.Context) -> Tree:
        if isinstance(node, ast.AllOf | ast.AnyOf):
            kind = "all" if isinstance(node, ast.AllOf) else "any"
            return (kind, tuple(self.node_tree(c, ctx) for c in node.children))
        if isinstance(node, ast.Not):
            return ("not", self.node_tree(node.child, ctx))
        return self.leaf_column(node, ctx)

    def amount_plan(self, amount: ast.Amount, ctx: ast.Context) -> AmountPlan:
        if isinstance(amount, ast.Fixed):
            return AmountPlan("fixed", fen=amount.fen)
        if isinstance(amount, ast.Tiered):
            tiers = []
            for level, fen in amount.tiers:
                one_level = dataclasses.replace(amount.qualification, levels=(level,))
                tiers.append((or_column(self.record_slot(one_level, ctx, pass_only=True)), fen))
            return AmountPlan("tiered", tiers=tuple(tiers))
        self.fields.add(amount.field)
        self.amount_fields.add(amount.field)
        if isinstance(amount, ast.Percentage):
            rate = Fraction(amount.rate) / 100
            return AmountPlan(
                "percent",
                field=amount.field,
                numerator=rate.numerator,
                denominator=rate.denominator,
                cap_fen=amount.cap_fen,
            )
        return AmountPlan(
            "per_unit",
            field=amount.field,
            each_fen=amount.each_fen,
            max_units=amount.max_units,
            cap_fen=amount.cap_fen,
        )

    def add_item(self, pack_index: int, policy: Policy, item: Item) -> ItemPlan:
        ctx = policy.context(self.as_of)
        conditions = self.node_tree(item.conditions, ctx)
        gates = tuple(self.leaf_column(leaf, ctx) for leaf in item.gate_leaves())
        tree: Tree = ("all", (*gates, conditions)) if gates else conditions
        outcomes = [(self.leaf_column(leaf, ctx), neg) for leaf, neg in outcome_leaves(item)]
        if len(outcomes) > MAX_LEAVES:
            raise ValueError(f"奖励项“{item.title}”的条件超过 {MAX_LEAVES} 条，批量匹配不支持")
        plan = ItemPlan(
            len(self.items), pack_index, policy, item, tree, self.amount_plan(item.amount, ctx), outcomes
        )
        self.items.append(plan)
        return plan

    def group_winner(self, group: int, columns: Columns, masks: Mapping[int, Masks], size: int) -> np.ndarray:
        """Per enterprise, the position in the group of the item paid under 不重复奖 (highest eligible
        amount, the first in pack order on a tie); -1 where no member is eligible. Amounts are only
        computed on the (few) rows where some member is eligible."""
        members = [self.items[i] for i in self.groups[group]]
        winner = np.full(size, -1, dtype=np.int16)
        eligible = [masks[m.index].eligible for m in members]
        rows = np.flatnonzero(functools.reduce(np.logical_or, eligible))
        if len(rows):
            offered = np.stack(
                [
                    np.where(e[rows], m.amount.values(columns, rows), -1)
                    for m, e in zip(members, eligible, strict=True)
                ]
            )
            winner[rows] = np.argmax(offered, axis=0)  # the first maximum: pack order breaks ties
        return winner


def compile_plan(packs: tuple[Pack, ...], as_of: dt.date) -> BatchPlan:
    plan = BatchPlan(as_of)
    for pack_index, pack in enumerate(packs):
        groups: dict[str, list[ItemPlan]] = {}
        for policy, item in pack.items():
            if not item.is_current(as_of):
                continue
            compiled = plan.add_item(pack_index, policy, item)
            if item.exclusivity_group:
                groups.setdefault(item.exclusivity_group, []).append(compiled)
        for members in groups.values():
            for position, member in enumerate(members):
                member.group, member.group_position = len(plan.groups), position
            plan.groups.append([m.index for m in members])
    return plan
