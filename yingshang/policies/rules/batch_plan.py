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
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cached_property

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
STATE_FAIL, STATE_PASS, STATE_UNKNOWN = 0, 1, 2
STATE_STATUS = {STATE_FAIL: Status.FAIL, STATE_PASS: Status.PASS, STATE_UNKNOWN: Status.UNKNOWN}

VERDICT_CODES = {Verdict.ELIGIBLE: 0, Verdict.NEEDS_CONFIRMATION: 1, Verdict.NOT_ELIGIBLE: 2}
QUALIFICATIONS = "qualifications"
CONFIRMED = "qualification_kinds_confirmed"
KNOWN = "__known"  # per enterprise: its qualification list is known (not null)
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

    if item.target_leaf is not None:
        out.append((item.target_leaf, False))
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


# Per record, each record filter is two bits of a UInt64 word: bit b "true", bit 32+b "unknown". An OR of
# the words over an enterprise's records gives, per filter, "some record passes" and "some record is
# unknown": Kleene's OR over records for 32 filters at once, with a single bitwise aggregation.
SLOTS_PER_WORD = 32


def word_column(slot: int) -> str:
    return f"__rw{slot // SLOTS_PER_WORD}"


def slot_bits(slot: int) -> tuple[pl.Expr, pl.Expr]:
    """Over the aggregated words: (some record passes, some record is unknown)."""
    bit = slot % SLOTS_PER_WORD
    word = pl.col(word_column(slot))
    passes = (word & pl.lit(1 << bit, pl.UInt64)) != 0
    unknown = (word & pl.lit(1 << (SLOTS_PER_WORD + bit), pl.UInt64)) != 0
    return passes, unknown


def records_or(slot: int) -> pl.Expr:
    """Over the aggregated words: Kleene's OR over the enterprise's records for one slot."""
    passes, unknown = slot_bits(slot)
    return pl.when(passes).then(pl.lit(True)).when(~unknown).then(pl.lit(False))


def or_column(slot: int) -> str:
    """Full-length column: the slot's OR over records; false without records when the list is known
    (null when it is not), so that it is the leaf itself for a tracked kind."""
    return f"__R{slot}"


def unconfirmed_column(kind: str) -> str:
    """Full-length column: false where the enterprise confirmed its complete list of `kind`, else null."""
    return f"__nc_{kind}"


def slot_column(slot: int) -> str:
    return f"__s{slot}"


def record_word(slots: list[int]) -> pl.Expr:
    """Packs the per-record slot columns (true/false/null) of one word into a UInt64."""
    word: pl.Expr | None = None
    for slot in slots:
        bit, column = slot % SLOTS_PER_WORD, pl.col(slot_column(slot))
        part = column.fill_null(False).cast(pl.UInt64) * (1 << bit) + column.is_null().cast(pl.UInt64) * (
            1 << (SLOTS_PER_WORD + bit)
        )
        word = part if word is None else word + part
    return word  # type: ignore[return-value]


CONFIRMED_WORD = "__cw"


def confirmed_bit(kind: str) -> int:
    return list(qualification_kinds()).index(kind)


def qualification_leaf_expr(leaf: ast.HasQualification, slot: int) -> pl.Expr:
    """OR over the enterprise's records (unknown when its list is unknown); for an untracked kind the
    enterprise has not confirmed, a record we do not hold could exist: OR unknown."""
    records = pl.col(or_column(slot))
    if qualification_kinds()[leaf.kind].tracked:
        return records
    return records | pl.col(unconfirmed_column(leaf.kind))


# --- plans ----------------------------------------------------------------------------------------


@dataclass
class AmountPlan:
    """An amount as expressions: its value, and cheap tests for "unknown" and "zero" used to decide
    verdicts over every enterprise before the value itself is computed for the kept pairs only."""

    value: pl.Expr  # Int64 fen, null when an input is unknown
    unknown: pl.Expr
    zero: pl.Expr  # null when unknown
    fixed_fen: int | None = None


@dataclass
class ItemPlan:
    index: int  # position among the plan's items (pack order)
    pack_index: int
    policy: Policy
    item: Item
    status: pl.Expr  # Kleene truth of targets AND conditions over leaf columns
    amount: AmountPlan
    outcomes: list[tuple[str, bool]]  # (leaf column, negated) per calculator outcome
    group: int | None = None  # index into BatchPlan.groups
    group_position: int = 0

    @cached_property
    def eligible(self) -> pl.Expr:
        return (self.status & ~self.amount.unknown & ~self.amount.zero).fill_null(False)

    @cached_property
    def not_eligible(self) -> pl.Expr:
        return (~self.status | self.amount.zero).fill_null(False)

    @cached_property
    def verdict(self) -> pl.Expr:
        codes = VERDICT_CODES
        return (
            pl.when(self.eligible)
            .then(pl.lit(codes[Verdict.ELIGIBLE], pl.Int8))
            .when(self.not_eligible)
            .then(pl.lit(codes[Verdict.NOT_ELIGIBLE], pl.Int8))
            .otherwise(pl.lit(codes[Verdict.NEEDS_CONFIRMATION], pl.Int8))
        )

    @cached_property
    def leaf_states(self) -> pl.Expr:
        """Outcome statuses packed two bits each (see STATE_*), in the calculator's outcome order;
        computed in the narrowest integer that holds them, then widened once."""
        if not self.outcomes:
            return pl.lit(0, pl.Int64)
        width = len(self.outcomes)
        dtype = (
            pl.UInt8 if width <= 4 else pl.UInt16 if width <= 8 else pl.UInt32 if width <= 16 else pl.Int64
        )
        states: pl.Expr | None = None
        for j, (column, negated) in enumerate(self.outcomes):
            status = ~pl.col(column) if negated else pl.col(column)
            code = status.cast(dtype).fill_null(STATE_UNKNOWN)  # true 1 (pass), false 0, null 2
            part = code if j == 0 else code * (1 << (2 * j))
            states = part if states is None else states + part
        return states.cast(pl.Int64)  # type: ignore[union-attr]


@dataclass
class BatchPlan:
    as_of: dt.date
    items: list[ItemPlan] = field(default_factory=list)
    scalar_leaves: dict[str, pl.Expr] = field(default_factory=dict)  # column → expression over fields
    record_leaves: dict[str, tuple[int, pl.Expr]] = field(default_factory=dict)  # name → (slot, per record)
    qualification_leaves: dict[str, pl.Expr] = field(default_factory=dict)  # column → leaf from records
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
            self.qualification_leaves[name] = qualification_leaf_expr(leaf, slot)
            if not qualification_kinds()[leaf.kind].tracked:
                self.fields.add(CONFIRMED)
                self.unconfirmed_kinds.add(leaf.kind)
        else:
            self.scalar_leaves[name] = scalar_leaf_expr(leaf, ctx)
            self.fields.add(leaf.field)
            if field_registry()[leaf.field].type is FieldType.ENUM:
                self.enum_fields.add(leaf.field)
        return name

    def record_slot(self, leaf: ast.HasQualification, ctx: ast.Context, pass_only: bool) -> int:
        """A record filter's slot (see SLOTS_PER_WORD); pass_only: a record passes (for tiered amounts)."""
        name, new = self._name(("records", leaf, ctx.policy_start, ctx.policy_end, pass_only), "__r")
        if new:
            record = record_expr(leaf, ctx)
            slot = len(self.record_leaves)
            self.record_leaves[name] = (slot, record.fill_null(False) if pass_only else record)
            if pass_only:
                self.pass_only_slots.add(slot)
            self.fields.add(QUALIFICATIONS)
        return self.record_leaves[name][0]

    def record_slots(self) -> dict[str, pl.Expr]:
        """Per exploded record: every record filter, one column per slot."""
        return {slot_column(slot): expr for slot, expr in self.record_leaves.values()}

    def record_words(self) -> dict[str, pl.Expr]:
        """Per exploded record: the slot columns packed into words."""
        words: dict[str, list[int]] = {}
        for slot, _ in self.record_leaves.values():
            words.setdefault(word_column(slot), []).append(slot)
        return {name: record_word(slots) for name, slots in words.items()}

    def node_expr(self, node: ast.Node, ctx: ast.Context) -> pl.Expr:
        if isinstance(node, ast.AllOf):
            children = [self.node_expr(c, ctx) for c in node.children]
            return pl.all_horizontal(children) if children else pl.lit(True)
        if isinstance(node, ast.AnyOf):
            children = [self.node_expr(c, ctx) for c in node.children]
            return pl.any_horizontal(children) if children else pl.lit(False)
        if isinstance(node, ast.Not):
            return ~self.node_expr(node.child, ctx)
        return pl.col(self.leaf_column(node, ctx))

    def amount_plan(self, amount: ast.Amount, ctx: ast.Context) -> AmountPlan:
        if isinstance(amount, ast.Fixed):
            return AmountPlan(
                pl.lit(amount.fen, pl.Int64), pl.lit(False), pl.lit(amount.fen == 0), amount.fen
            )
        if isinstance(amount, ast.Tiered):
            # The highest-paying level with a passing record: a when-chain from the top tier down.
            tiers = sorted(amount.tiers, key=lambda tier: -tier[1])
            chain: pl.Expr | pl.When | pl.Then | None = None
            held = []
            for level, fen in tiers:
                one_level = dataclasses.replace(amount.qualification, levels=(level,))
                column = pl.col(or_column(self.record_slot(one_level, ctx, pass_only=True)))
                held.append(column)
                chain = (pl.when(column) if chain is None else chain.when(column)).then(pl.lit(fen, pl.Int64))  # type: ignore[union-attr]
            unknown = ~pl.any_horizontal(held)
            return AmountPlan(chain, unknown, pl.when(~unknown).then(pl.lit(False)))  # type: ignore[arg-type]
        self.fields.add(amount.field)
        self.amount_fields.add(amount.field)
        value = pl.col(amount.field)
        if isinstance(amount, ast.Percentage):
            # floor(value × n / d) without overflow: whole multiples of d first, then the remainder.
            rate = Fraction(amount.rate) / 100
            n, d = rate.numerator, rate.denominator
            fen = (value // d) * n + ((value % d) * n) // d
            zero = value < -(-d // n)  # value × n < d
        else:
            counted = value if amount.max_units is None else value.clip(upper_bound=amount.max_units)
            fen = counted * amount.each_fen
            zero = value == 0
        fen = fen if amount.cap_fen is None else fen.clip(upper_bound=amount.cap_fen)
        return AmountPlan(fen.cast(pl.Int64), value.is_null(), zero)

    def add_item(self, pack_index: int, policy: Policy, item: Item) -> ItemPlan:
        ctx = policy.context(self.as_of)
        conditions = self.node_expr(item.conditions, ctx)
        parts = [pl.col(self.leaf_column(item.target_leaf, ctx))] if item.target_leaf else []
        status = pl.all_horizontal([*parts, conditions])
        outcomes = [(self.leaf_column(leaf, ctx), neg) for leaf, neg in outcome_leaves(item)]
        if len(outcomes) > MAX_LEAVES:
            raise ValueError(f"奖励项“{item.title}”的条件超过 {MAX_LEAVES} 条，批量匹配不支持")
        plan = ItemPlan(
            len(self.items), pack_index, policy, item, status, self.amount_plan(item.amount, ctx), outcomes
        )
        self.items.append(plan)
        return plan

    def any_eligible(self, group: int) -> pl.Expr:
        return pl.any_horizontal([self.items[i].eligible for i in self.groups[group]])

    def group_winner(self, group: int) -> pl.Expr:
        """Position in the group of the item paid under 不重复奖 (highest eligible amount, the first in
        pack order on a tie); null where no member is eligible. Meant for the (few) rows where some
        member is eligible."""
        members = [self.items[i] for i in self.groups[group]]
        chain: pl.When | pl.Then | None = None
        if all(m.amount.fixed_fen is not None for m in members):
            # Fixed amounts: the first eligible member in (amount descending, pack order).
            ranked = sorted(members, key=lambda m: (-m.amount.fixed_fen, m.group_position))  # type: ignore[operator]
            for m in ranked:
                chain = (pl.when(m.eligible) if chain is None else chain.when(m.eligible)).then(  # type: ignore[union-attr]
                    pl.lit(m.group_position, pl.Int16)
                )
            return chain  # type: ignore[return-value]
        offered = [pl.when(m.eligible).then(m.amount.value) for m in members]
        best = pl.max_horizontal(offered)
        for m, amount in zip(members, offered, strict=True):
            hit = amount == best
            chain = (pl.when(hit) if chain is None else chain.when(hit)).then(
                pl.lit(m.group_position, pl.Int16)
            )  # type: ignore[union-attr]
        return chain  # type: ignore[return-value]


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
