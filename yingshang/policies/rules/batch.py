"""Batch matching (政策找企业): every enterprise of a profile snapshot × every current reward item, in
column operations (Polars for the leaves, numpy per item) over an Arrow table, keeping only the pairs
worth storing. No Python loop runs over enterprises; loops run over items and distinct leaves.

The result agrees with `calculate()` pair by pair (verdict, amount, payable after 不重复奖, mode,
reason codes, what to confirm); tests/test_rules_batch_agreement.py checks that on thousands of
random profiles. The work is a function of one Arrow record batch (exclusivity only compares items
of the same enterprise), so Spark can run it per batch with `mapInArrow` (see `arrow_mapper`).

Snapshot columns (`profile_schema()`): one per field key of the field registry, typed as

    int, money (fen)      int64
    percentage points     decimal128(18, 6)   (4.5 = 4.5%; at most 6 decimals)
    date                  date32
    text, enum code       string (large_string and string_view are accepted)
    yes/no                bool
    qualifications        list<struct<kind, level: string, certified_on, expires_on,
                                      first_certified_on: date32>>  (null = nothing known)
    qualification_kinds_confirmed  list<string>  (untracked kinds the enterprise confirmed in full)

A null is an unknown value, never zero or false. Only the columns the items read are touched.
See docs/rules.md ("Batch matching") for how it runs and how to run it on a cluster.

Result columns (`result_schema()`), one row per kept (enterprise, item) pair, grouped by item:

    uscc, policy_id, item_id, item_version, verdict, mode    strings (dictionary-encoded; `uscc`'s
                                                              indices are the snapshot's row numbers)
    amount_fen     int64, null when an input of the amount is unknown
    payable_fen    int64, after 不重复奖，以最高标准为准 (highest eligible amount, first in pack on a tie)
    leaf_states    int64: the calculator's outcome statuses packed two bits each, in reading order
                   (target first): 0 fail, 1 unknown, 2 pass. `with_reasons()` / `Reasons` decode it
                   into `reason_codes` and `to_confirm` (list<string>), exactly as the calculator
                   gives them; `reasons="lists"` adds those columns directly.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias, cast

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from yingshang.policies.rules.batch_plan import (
    CODE_FAIL,
    CODE_PASS,
    CODE_UNKNOWN,
    CONFIRMED,
    PERCENT_SCALE,
    QUALIFICATIONS,
    RECORD_FIELDS,
    VERDICT_CODES,
    BatchPlan,
    Columns,
    ItemPlan,
    ItemReasons,
    Masks,
    compile_plan,
    item_reasons,
    leaf_code_expr,
    or_column,
    slot_column,
)
from yingshang.policies.rules.fields import Field, FieldType, field_registry, qualification_kinds
from yingshang.policies.rules.model import Pack, Verdict
from yingshang.policies.rules.profile import Profile, profile_from

KEEP_DEFAULT = ("eligible", "needs_confirmation")
ROW = "__row"

PERCENT_TYPE = pa.decimal128(18, PERCENT_SCALE)
RECORD_TYPE = pa.struct(
    [
        ("kind", pa.string()),
        ("level", pa.string()),
        ("certified_on", pa.date32()),
        ("expires_on", pa.date32()),
        ("first_certified_on", pa.date32()),
    ]
)
QUALIFICATIONS_TYPE = pa.list_(RECORD_TYPE)

_ARROW_TYPES = {
    FieldType.INT: pa.int64(),
    FieldType.MONEY: pa.int64(),
    FieldType.PERCENT: PERCENT_TYPE,
    FieldType.DATE: pa.date32(),
    FieldType.TEXT: pa.string(),
    FieldType.ENUM: pa.string(),
    FieldType.BOOL: pa.bool_(),
    FieldType.QUALIFICATIONS: QUALIFICATIONS_TYPE,
}
# polars takes a data type as a class (pl.Int64) or as an instance (pl.Decimal(18, 2)).
PolarsType: TypeAlias = pl.DataType | type[pl.DataType]
_POLARS_TYPES: dict[FieldType, PolarsType] = {
    FieldType.INT: pl.Int64,
    FieldType.MONEY: pl.Int64,
    FieldType.PERCENT: pl.Decimal(18, PERCENT_SCALE),
    FieldType.DATE: pl.Date,
    FieldType.TEXT: pl.String,
    FieldType.ENUM: pl.String,
    FieldType.BOOL: pl.Boolean,
}


class BatchInputError(ValueError):
    """A snapshot the batch engine cannot read; the message is Chinese and names the column or row."""


# --- snapshots ------------------------------------------------------------------------------------


def profile_schema() -> pa.Schema:
    """The columns of a profile snapshot, in field-registry order."""
    columns = [pa.field(f.key, _ARROW_TYPES[f.type]) for f in field_registry().values()]
    return pa.schema([*columns, pa.field(CONFIRMED, pa.list_(pa.string()))])


def _percent(f: Field, value: Decimal, row: int) -> Decimal:
    exact = value.quantize(Decimal(1).scaleb(-PERCENT_SCALE))
    if exact != value:
        raise BatchInputError(f"第 {row} 家企业：“{f.label}”最多保留 {PERCENT_SCALE} 位小数，收到 {value}")
    return exact


def profiles_to_table(profiles: Iterable[Mapping[str, object] | Profile]) -> pa.Table:
    """A snapshot from the same dicts `calculate()` takes (keys may be Chinese labels). Bad data raises
    ProfileError (from `profile_from`) or BatchInputError, in Chinese."""
    registry = [f for f in field_registry().values() if f.type is not FieldType.QUALIFICATIONS]
    columns: dict[str, list[object]] = {f.key: [] for f in registry}
    records: list[list[dict[str, object]] | None] = []
    confirmed: list[list[str]] = []
    for row, raw in enumerate(profiles, start=1):
        profile = profile_from(raw)
        for f in registry:
            value = profile.get(f.key)
            if f.type is FieldType.PERCENT and value is not None:
                value = _percent(f, value, row)  # type: ignore[arg-type]
            columns[f.key].append(value)
        if profile.qualifications is None:
            records.append(None)
        else:
            records.append(
                [{name: getattr(r, name) for name in RECORD_FIELDS} for r in profile.qualifications]
            )
        confirmed.append(sorted(profile.confirmed_kinds))
    schema = profile_schema()
    arrays = [pa.array(columns[f.key], schema.field(f.key).type) for f in registry]
    arrays.insert(schema.get_field_index(QUALIFICATIONS), pa.array(records, QUALIFICATIONS_TYPE))
    arrays.append(pa.array(confirmed, pa.list_(pa.string())))
    return pa.Table.from_arrays(arrays, schema=schema)


def table_profiles(table: pa.Table) -> list[dict[str, object]]:
    """The profile dicts of a snapshot's rows, for `calculate()`: nulls left out (unknown), so that the
    one-enterprise explainer sees exactly what the batch engine sees."""
    names = [n for n in table.column_names if n in set(profile_schema().names)]
    return [{k: v for k, v in row.items() if v is not None} for row in table.select(names).to_pylist()]


def _expected_dtype(column: str) -> PolarsType | None:
    f = field_registry().get(column)
    if f is None or f.type is FieldType.QUALIFICATIONS:
        return None
    return _POLARS_TYPES[f.type]


def _cast_error(frame: pl.DataFrame, columns: list[str], plan: BatchPlan, exc: Exception) -> str:
    for column in columns:
        if column in plan.enum_fields and frame.schema[column] in (pl.String, pl.Categorical):
            f = field_registry()[column]
            codes = {code for code, _ in f.choices}
            bad = [
                v for v in frame.get_column(column).cast(pl.String).unique().drop_nulls() if v not in codes
            ]
            if bad:
                shown, options = "、".join(map(str, sorted(bad)[:5])), "、".join(sorted(codes))
                return f"企业数据快照的列 {column}（{f.label}）中有无法识别的代码：{shown}；可选：{options}"
    return f"企业数据快照的列类型不符合 profile_schema()：{exc}"


def _read_snapshot(data: pa.Table | pa.RecordBatch | pl.DataFrame, plan: BatchPlan) -> pl.DataFrame:
    """The columns the plan reads (plus uscc), in the types it expects; Chinese errors otherwise."""
    names = data.columns if isinstance(data, pl.DataFrame) else data.schema.names
    wanted = ["uscc", *sorted(plan.fields - {"uscc"})]
    missing = [c for c in wanted if c not in names]
    if missing:
        labels = "、".join(
            f"{c}（{field_registry()[c].label}）" if c in field_registry() else c for c in missing
        )
        raise BatchInputError(f"企业数据快照缺少列：{labels}")
    if isinstance(data, pl.DataFrame):
        frame = data.select(wanted)
    else:
        frame = pl.from_arrow(data.select(wanted), rechunk=False)  # type: ignore[assignment]
    casts = []
    for column in wanted:
        expected = _expected_dtype(column)
        if column in plan.enum_fields:
            # Compared as pl.Enum: equality and membership on small integer codes, not on text.
            expected = pl.Enum([code for code, _ in field_registry()[column].choices])
        if expected is not None and frame.schema[column] != expected:
            casts.append(pl.col(column).cast(expected, strict=True))
    if casts:
        try:
            frame = frame.with_columns(casts)
        except (pl.exceptions.PolarsError, TypeError) as exc:
            raise BatchInputError(_cast_error(frame, wanted, plan, exc)) from None
    if QUALIFICATIONS in frame.columns:
        inner = frame.schema[QUALIFICATIONS]
        fields = {f.name for f in getattr(getattr(inner, "inner", None), "fields", [])}
        if not set(RECORD_FIELDS) <= fields:
            raise BatchInputError(
                f"企业数据快照的列 qualifications 应为 {{{', '.join(RECORD_FIELDS)}}} 记录的列表"
            )
    return frame


# --- evaluation -----------------------------------------------------------------------------------

_PLANS: dict[tuple[tuple[str, ...], dt.date], tuple[tuple[Pack, ...], BatchPlan]] = {}


def plan_for(packs: Sequence[Pack], as_of: dt.date) -> BatchPlan:
    """The compiled plan, cached by pack versions and date (compiling takes milliseconds, not nothing)."""
    packs = tuple(packs)
    key = (tuple(p.version for p in packs), as_of)
    cached = _PLANS.get(key)
    if cached is None:
        if len(_PLANS) > 32:
            _PLANS.clear()
        cached = _PLANS[key] = (packs, compile_plan(packs, as_of))
    return cached[1]


def _per_enterprise(
    frame: pl.DataFrame, column: str, codes: Mapping[str, pl.Expr], steps: Sequence[list[pl.Expr]] = ()
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Explode a list column (most enterprises have few or no entries) and compute uint8 codes per
    entry (after `steps` of columns); then the maximum per enterprise, which for the codes fail 0 <
    unknown 1 < pass 2 is Kleene's OR over the entries: (row numbers, one array per code)."""
    entries = (
        frame.lazy()
        .select(ROW, pl.col(column).alias("__entry"))
        .explode("__entry", keep_nulls=False)  # rows stay in order: each enterprise's entries together
        .filter(pl.col("__entry").is_not_null())
    )
    for step in steps:
        entries = entries.with_columns(*step)
    exploded = entries.select(ROW, **codes).collect(engine="in-memory")
    rows = exploded.get_column(ROW).to_numpy()
    if not len(rows):
        return rows, {name: np.zeros(0, dtype=np.uint8) for name in codes}
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    # The n-th entries of all enterprises at once (an enterprise has at most one n-th entry), rather
    # than a reduction per enterprise: most have one entry, a few several.
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(rows))))
    rank = np.arange(len(rows)) - starts[group]
    later = [np.flatnonzero(rank == n) for n in range(1, int(rank.max()) + 1)]
    combined = {}
    for name in codes:
        values = exploded.get_column(name).to_numpy()
        best = values[starts]
        for positions in later:
            owners = group[positions]
            best[owners] = np.maximum(best[owners], values[positions])
        combined[name] = best
    return rows[starts], combined


def _qualification_codes(frame: pl.DataFrame, plan: BatchPlan) -> dict[str, np.ndarray]:
    """Per enterprise, Kleene's OR over its qualification records of every record filter the plan uses,
    as leaf codes (and, for tiered amounts, whether some record passes). Records are exploded and
    filtered column-wise; the codes are combined per enterprise on those few rows and written into
    full-length arrays whose default is "no record": fail where the list is known, unknown where not."""
    if not plan.record_leaves:
        return {}
    kinds = pl.Enum(list(qualification_kinds()))
    rows, slots = _per_enterprise(
        frame,
        QUALIFICATIONS,
        {slot_column(slot): leaf_code_expr(expr) for slot, expr in plan.record_leaves.values()},
        steps=[
            [pl.col("__entry").struct.field(name) for name in RECORD_FIELDS],
            [pl.col("kind").cast(kinds, strict=False)],  # an unknown kind matches no rule
        ],
    )
    known = frame.get_column(QUALIFICATIONS).is_not_null().to_numpy()
    no_record = np.where(known, CODE_FAIL, CODE_UNKNOWN).astype(np.uint8)
    codes, out = {}, {}
    for slot, _ in plan.record_leaves.values():
        if slot in plan.pass_only_slots:  # a tier: some record passes (no record: none does)
            passes = np.zeros(frame.height, dtype=bool)
            passes[rows] = slots[slot_column(slot)] == CODE_PASS
            out[or_column(slot)] = passes
        else:
            full = no_record.copy()
            full[rows] = slots[slot_column(slot)]
            codes[slot] = full
    unconfirmed = _unconfirmed(frame, plan) if plan.unconfirmed_kinds else {}
    for name, (slot, kind) in plan.qualification_leaves.items():
        # An untracked kind the enterprise has not confirmed: OR unknown (the maximum with 1).
        out[name] = codes[slot] if kind is None else np.maximum(codes[slot], unconfirmed[kind])
    return out


def _unconfirmed(frame: pl.DataFrame, plan: BatchPlan) -> dict[str, np.ndarray]:
    """Per untracked kind asked for: 1 (unknown) where the enterprise has not confirmed its list of that
    kind, else 0."""
    kinds = sorted(plan.unconfirmed_kinds)
    rows, confirmed = _per_enterprise(
        frame, CONFIRMED, {kind: (pl.col("__entry") == kind).cast(pl.UInt8) for kind in kinds}
    )
    out = {}
    for kind in kinds:
        unknown = np.ones(frame.height, dtype=np.uint8)
        unknown[rows] = 1 - confirmed[kind]
        out[kind] = unknown
    return out


def _columns(frame: pl.DataFrame, plan: BatchPlan) -> dict[str, np.ndarray]:
    """Every leaf as a uint8 code (0 fail, 1 unknown, 2 pass), the tier and amount inputs, as numpy
    arrays: one Polars query for the snapshot's own columns, the qualification records apart."""
    frame = frame.with_row_index(ROW)
    columns = _qualification_codes(frame, plan)
    exprs = plan.column_exprs
    if exprs:
        selected = frame.lazy().select(**exprs).collect(engine="in-memory")
        columns |= {name: selected.get_column(name).to_numpy() for name in exprs}
    return columns


@dataclass
class Kept:
    """One item's kept pairs. A column that is the same on every row (most items' amounts, often the
    verdict, usually a zero payable) is kept as that one value: the result reuses shared buffers."""

    rows: np.ndarray  # rows of the view
    view_rows: np.ndarray | None  # the view's snapshot rows (int32); None: the view is the snapshot
    verdict: np.ndarray | int  # int8 VERDICT_CODES
    amount: np.ndarray | int  # int64
    amount_known: np.ndarray | None  # None: all known
    payable: np.ndarray | None  # int64; None: nothing paid
    states: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class View:
    """The rows an item needs to look at: every enterprise, or only those its target (主体类型) does not
    rule out; columns are gathered for those rows on first use and shared by every item with the same
    target (most items name the same one, so most whole-array work runs on a fraction of the rows)."""

    rows: np.ndarray | None  # snapshot rows; None: all of them
    columns: Columns
    size: int  # rows in the view
    total: int  # rows in the snapshot

    @classmethod
    def of(cls, columns: Columns, rows: np.ndarray | None, total: int) -> View:
        if rows is None or len(rows) * 5 > total * 4:  # hardly anything to leave out
            return cls(None, columns, total, total)
        return cls(rows, _Gathered(columns, rows), len(rows), total)

    def full(self, values: np.ndarray, fill: object) -> np.ndarray:
        """A per-view array spread over every enterprise (`fill` elsewhere)."""
        if self.rows is None:
            return values
        spread = np.full(self.total, fill, dtype=values.dtype)
        spread[self.rows] = values
        return spread

    def local(self, values: np.ndarray) -> np.ndarray:
        """A full-length array restricted to the view's rows."""
        return values if self.rows is None else np.take(values, self.rows)


class _Gathered(dict):
    """Columns gathered for a subset of rows, each on first use."""

    def __init__(self, source: Columns, rows: np.ndarray) -> None:
        super().__init__()
        self.source, self.rows = source, rows

    def __missing__(self, name: str) -> np.ndarray:
        value = self[name] = np.take(self.source[name], self.rows)
        return value


def _uniform_verdict(keep: frozenset[int], masks: Masks, kept: int) -> int | None:
    """The verdict every kept row has, when that is known without looking at the rows."""
    if len(keep) == 1:
        return next(iter(keep))
    if keep == frozenset(VERDICT_CODES.values()) - {VERDICT_CODES[Verdict.NOT_ELIGIBLE]}:
        eligible = int(np.count_nonzero(masks.eligible))  # every eligible pair is kept
        if eligible == 0:
            return VERDICT_CODES[Verdict.NEEDS_CONFIRMATION]
        if eligible == kept:
            return VERDICT_CODES[Verdict.ELIGIBLE]
    return None


def _keep_item(
    item: ItemPlan, view: View, masks: Masks, winner: np.ndarray | None, keep: frozenset[int]
) -> Kept:
    """Verdict codes are formed over the view's rows as uint8 (cheap), then everything is gathered
    for the kept rows only. `winner` is already restricted to the view."""
    codes, columns = VERDICT_CODES, view.columns
    not_eligible = codes[Verdict.NOT_ELIGIBLE]
    # eligible 0, needs confirmation 1, not eligible 2
    verdicts = np.logical_not(masks.eligible).view(np.uint8) + masks.not_eligible.view(np.uint8)
    if keep == frozenset(codes.values()) - {not_eligible}:
        rows = np.flatnonzero(~masks.not_eligible)
    elif len(keep) == len(codes):
        rows = np.arange(view.size)
    else:
        rows = np.flatnonzero(np.isin(verdicts, sorted(keep)))
    uniform = _uniform_verdict(keep, masks, len(rows))
    verdict = np.take(verdicts, rows).view(np.int8) if uniform is None else uniform
    fixed = item.amount.fixed_fen
    known = item.amount.known(columns)
    known = None if known is None else np.take(known, rows)
    amount: np.ndarray | int
    if fixed is not None and not_eligible not in keep:
        amount = fixed
    else:
        amount = item.amount.values(columns, rows)
        if not_eligible in keep:  # a not-eligible pair shows 0, not an amount or unknown
            dropped = np.broadcast_to(verdict == not_eligible, amount.shape)
            amount[dropped] = 0
            known = None if known is None else known | dropped
    eligible = codes[Verdict.ELIGIBLE]
    paid = np.flatnonzero(verdict == eligible) if isinstance(verdict, np.ndarray) else None
    if paid is None:
        paid = np.arange(len(rows)) if verdict == eligible else np.zeros(0, dtype=np.intp)
    if winner is not None and len(paid):
        paid = paid[np.take(winner, np.take(rows, paid)) == item.group_position]
    payable = None
    if len(paid):
        payable = np.zeros(len(rows), dtype=np.int64)  # zeroed pages from the allocator
        payable[paid] = amount if isinstance(amount, int) else amount[paid]
    return Kept(
        rows=rows,
        view_rows=view.rows,
        verdict=verdict,
        amount=amount,
        amount_known=known,
        payable=payable,
        states=item.leaf_states(columns, rows, view.size),
    )


def _target(item: ItemPlan) -> str | None:
    """The leaf column of the item's target entity types (its first outcome), if it names any."""
    return item.outcomes[0][0] if item.item.target_leaf is not None else None


def _kept_pairs(columns: Columns, plan: BatchPlan, keep: frozenset[int], size: int) -> list[Kept]:
    """Item by item: verdicts from the leaf codes, then only the kept rows. An item never keeps an
    enterprise its target rules out, unless not-eligible pairs are kept too, so it looks only at
    the others. Items run on a thread pool (numpy releases the GIL on whole-array operations)."""
    narrow = VERDICT_CODES[Verdict.NOT_ELIGIBLE] not in keep
    views: dict[str | None, View] = {}
    for item in plan.items:
        target = _target(item)
        if target not in views:
            rows = (
                np.flatnonzero(columns[target] != CODE_FAIL).astype(np.int32) if target and narrow else None
            )
            views[target] = View.of(columns, rows, size)
    view_of = {item.index: views[_target(item)] for item in plan.items}

    grouped = {i for members in plan.groups for i in members}
    masks = {i: plan.items[i].masks(view_of[i].columns, view_of[i].size) for i in grouped}
    full_masks = {
        i: Masks(view_of[i].full(m.eligible, False), view_of[i].full(m.not_eligible, True))
        for i, m in masks.items()
    }
    winners = [plan.group_winner(g, columns, full_masks, size) for g in range(len(plan.groups))]

    def run(item: ItemPlan) -> Kept:
        view = view_of[item.index]
        item_masks = masks.get(item.index) or item.masks(view.columns, view.size)
        winner = view.local(winners[item.group]) if item.group is not None else None
        return _keep_item(item, view, item_masks, winner, keep)

    if size < 50_000 or len(plan.items) < 2:
        return [run(item) for item in plan.items]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(run, plan.items))


def result_schema(reasons: Literal["packed", "lists"] = "packed", plain: bool = False) -> pa.Schema:
    """The result columns; `plain`: strings instead of dictionary-encoded strings (Spark, files)."""

    def text(index: pa.DataType) -> pa.DataType:
        return pa.string() if plain else pa.dictionary(index, pa.string())

    columns = [
        ("uscc", text(pa.int32())),
        ("policy_id", text(pa.int16())),
        ("item_id", text(pa.int16())),
        ("item_version", text(pa.int16())),
        ("verdict", text(pa.int8())),
        ("mode", text(pa.int16())),
        ("amount_fen", pa.int64()),
        ("payable_fen", pa.int64()),
        ("leaf_states", pa.int64()),
    ]
    if reasons == "lists":
        columns += [("reason_codes", pa.list_(pa.string())), ("to_confirm", pa.list_(pa.string()))]
    return pa.schema(columns)


class _Shared:
    """Constant columns as slices of one buffer per value (zero-copy Arrow arrays over numpy)."""

    def __init__(self, kept: list[Kept]) -> None:
        self.lengths: dict[tuple[str, int], int] = {}
        for k in kept:
            for name, value in (("verdict", k.verdict), ("amount", k.amount)):
                if isinstance(value, int):
                    self.lengths[(name, value)] = max(self.lengths.get((name, value), 0), len(k))
            if k.payable is None:
                self.lengths[("amount", 0)] = max(self.lengths.get(("amount", 0), 0), len(k))
        self.buffers: dict[tuple[str, int], np.ndarray] = {}

    def slice(self, name: str, value: int, length: int) -> pa.Array:
        key = (name, value)
        if key not in self.buffers:
            dtype = np.int8 if name == "verdict" else np.int64
            size = self.lengths[key]
            self.buffers[key] = np.zeros(size, dtype) if value == 0 else np.full(size, value, dtype)
        return pa.array(self.buffers[key][:length])


def _result_table(kept: list[Kept], uscc: pa.Array, plan: BatchPlan) -> pa.Table:
    """Arrow columns over the per-item arrays without copying them, one chunk per item. Per-item
    strings are one-entry dictionaries over slices of one shared zero index buffer, constant columns
    slices of shared buffers (nothing per row is written for them). The uscc indices are one chunk,
    so that readers build that large dictionary once."""
    present = [(plan.items[i], k) for i, k in enumerate(kept) if len(k)]
    rows = np.empty(sum(len(k) for _, k in present), dtype=np.int32)
    offset = 0
    for _, k in present:
        target = rows[offset : offset + len(k)]
        if k.view_rows is None:
            target[:] = k.rows
        else:
            np.take(k.view_rows, k.rows, out=target, mode="clip")  # "raise" would buffer `out`
        offset += len(k)
    zeros = pa.array(np.zeros(max((len(k) for _, k in present), default=0), dtype=np.int16))
    shared = _Shared([k for _, k in present])
    verdicts = pa.array([v.value for v in sorted(VERDICT_CODES, key=VERDICT_CODES.__getitem__)])

    def per_item(value: Callable[[ItemPlan], str]) -> pa.ChunkedArray:
        chunks = [
            pa.DictionaryArray.from_arrays(
                zeros.slice(0, len(k)), pa.array([value(item)], pa.string()), safe=False
            )
            for item, k in present
        ]
        return pa.chunked_array(chunks, pa.dictionary(pa.int16(), pa.string()))

    def verdict(k: Kept) -> pa.Array:
        codes = (
            shared.slice("verdict", k.verdict, len(k)) if isinstance(k.verdict, int) else pa.array(k.verdict)
        )
        return pa.DictionaryArray.from_arrays(codes, verdicts, safe=False)

    def amount(k: Kept) -> pa.Array:
        if isinstance(k.amount, int):
            return shared.slice("amount", k.amount, len(k))
        return pa.array(k.amount, pa.int64(), mask=None if k.amount_known is None else ~k.amount_known)

    def payable(k: Kept) -> pa.Array:
        return shared.slice("amount", 0, len(k)) if k.payable is None else pa.array(k.payable)

    columns = {
        "uscc": pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array(rows), uscc, safe=False)]),
        "policy_id": per_item(lambda item: item.policy.id),
        "item_id": per_item(lambda item: item.item.id),
        "item_version": per_item(lambda item: item.item.version),
        "verdict": pa.chunked_array([verdict(k) for _, k in present], pa.dictionary(pa.int8(), pa.string())),
        "mode": per_item(lambda item: item.item.effective_mode.value),
        "amount_fen": pa.chunked_array([amount(k) for _, k in present], pa.int64()),
        "payable_fen": pa.chunked_array([payable(k) for _, k in present], pa.int64()),
        "leaf_states": pa.chunked_array([pa.array(k.states) for _, k in present], pa.int64()),
    }
    return pa.table(columns, schema=result_schema())


def _keep_codes(keep: Iterable[str]) -> frozenset[int]:
    codes = []
    for name in keep:
        verdict = Verdict.lookup(name)
        if verdict is None:
            raise ValueError(f"keep 中的“{name}”不是结论（eligible、needs_confirmation、not_eligible）")
        codes.append(VERDICT_CODES[verdict])
    return frozenset(codes)


def evaluate_batch(
    data: pa.Table | pa.RecordBatch | pl.DataFrame,
    packs: Sequence[Pack],
    as_of: dt.date,
    *,
    keep: Iterable[str] = KEEP_DEFAULT,
    reasons: Literal["packed", "lists"] = "packed",
) -> pa.Table:
    """Every (enterprise, current item) pair whose verdict is in `keep`, as an Arrow table
    (`result_schema(reasons)`): no Python loop over enterprises, only over items while compiling."""
    plan = plan_for(packs, as_of)
    frame = _read_snapshot(data, plan)
    uscc = frame.get_column("uscc").to_arrow().cast(pa.string())
    if isinstance(uscc, pa.ChunkedArray):  # pragma: no cover - depends on the Polars version
        uscc = uscc.combine_chunks()
    size = frame.height
    columns = _columns(frame.drop("uscc"), plan)
    del frame
    kept = _kept_pairs(columns, plan, _keep_codes(keep), size)
    table = _result_table(kept, uscc, plan)
    return with_reasons(table, packs) if reasons == "lists" else table


# --- reasons --------------------------------------------------------------------------------------


class Reasons:
    """Decodes `leaf_states` into the calculator's reason codes and to-confirm lists, by item version."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self._items: dict[str, ItemReasons] = {}
        for pack in packs:
            for _, item in pack.items():
                if item.version not in self._items:
                    self._items[item.version] = item_reasons(item)

    @property
    def versions(self) -> list[str]:
        return list(self._items)

    def reason_codes(self, item_version: str, leaf_states: int) -> list[str]:
        return self._items[item_version].reason_codes(leaf_states)

    def to_confirm(self, item_version: str, leaf_states: int, verdict: str, amount_known: bool) -> list[str]:
        if verdict != Verdict.NEEDS_CONFIRMATION.value:
            return []
        return self._items[item_version].to_confirm(leaf_states, amount_known)


def _positions(column: pa.ChunkedArray, values: list[str]) -> pa.ChunkedArray:
    """Each row's position in `values` (null when absent), from plain or dictionary-encoded strings;
    a dictionary is looked up once per chunk, not once per row."""
    value_set = pa.array(values, pa.string())
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            lookup = pc.index_in(chunk.dictionary.cast(pa.string()), value_set=value_set)
            chunks.append(pc.take(lookup, chunk.indices))
        else:
            chunks.append(pc.index_in(chunk.cast(pa.string()), value_set=value_set))
    return pa.chunked_array(chunks, pa.int32())


def with_reasons(result: pa.Table, packs: Sequence[Pack]) -> pa.Table:
    """`result` plus `reason_codes` and `to_confirm` (list<string>), decoded once per distinct
    (item, states, verdict, amount known) combination and joined back, not once per row.

    Lists of strings cost memory per row: for tens of millions of pairs store `leaf_states` and decode
    with `Reasons` when a pair is shown."""
    decoder = Reasons(packs)
    versions = decoder.versions
    verdicts = [v.value for v in Verdict]
    keys = pl.DataFrame(
        {
            "item": _positions(result.column("item_version"), versions),
            "verdict": _positions(result.column("verdict"), verdicts),
            "known": result.column("amount_fen").is_valid(),
            "states": result.column("leaf_states"),
        }
    )
    if keys.get_column("item").null_count():
        raise BatchInputError("结果中有奖励项版本不在所给的政策包中，无法解读理由代码")
    # One integer per (item, verdict, amount known, states) when the states leave room (they do unless
    # an item has more than 22 outcomes): then distinct keys and the lookup are single-column.
    most_states = cast(int | None, keys.get_column("states").max())  # an integer column
    fits = (most_states or 0) < (1 << 44) and len(versions) < (1 << 15)
    if fits:
        key = (
            (pl.col("states") * (1 << 18))
            + (pl.col("item").cast(pl.Int64) * 8)
            + (pl.col("verdict").cast(pl.Int64) * 2)
            + pl.col("known").cast(pl.Int64)
        )
        keys = keys.with_columns(key.alias("key"))
        combos = keys.unique("key")
    else:
        combos = keys.unique()
    codes, confirm = [], []
    for item, verdict, known, states in combos.select("item", "verdict", "known", "states").iter_rows():
        codes.append(decoder.reason_codes(versions[item], states))
        confirm.append(decoder.to_confirm(versions[item], states, verdicts[verdict], known))
    decoded = combos.with_columns(
        pl.Series("reason_codes", codes, dtype=pl.List(pl.String)),
        pl.Series("to_confirm", confirm, dtype=pl.List(pl.String)),
    )
    if fits:
        index = keys.get_column("key").replace_strict(
            decoded.get_column("key"), pl.int_range(decoded.height, eager=True), return_dtype=pl.UInt32
        )
        lists = decoded.select("reason_codes", "to_confirm")[index]
    else:
        lists = keys.join(decoded, on=list(keys.columns), how="left", maintain_order="left")
    table = result
    for name in ("reason_codes", "to_confirm"):
        column = pa.chunked_array(lists.get_column(name)).cast(pa.list_(pa.string()))
        table = table.append_column(name, column)
    return table


# --- one record batch (Spark) ---------------------------------------------------------------------


def plain_strings(table: pa.Table) -> pa.Table:
    """The same table with dictionary-encoded columns decoded (for Spark, CSV, databases)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = pc.cast(column, column.type.value_type)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def evaluate_record_batch(
    batch: pa.RecordBatch,
    packs: Sequence[Pack],
    as_of: dt.date,
    *,
    keep: Iterable[str] = KEEP_DEFAULT,
    reasons: Literal["packed", "lists"] = "packed",
) -> pa.RecordBatch:
    """`evaluate_batch` for one record batch, with plain strings: `result_schema(reasons, plain=True)`."""
    table = plain_strings(evaluate_batch(batch, packs, as_of, keep=keep, reasons=reasons))
    table = table.cast(result_schema(reasons, plain=True))
    return table.combine_chunks().to_batches()[0] if table.num_rows else _empty_batch(reasons)


def _empty_batch(reasons: Literal["packed", "lists"]) -> pa.RecordBatch:
    schema = result_schema(reasons, plain=True)
    return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)


def arrow_mapper(
    packs: Sequence[Pack],
    as_of: dt.date,
    *,
    keep: Iterable[str] = KEEP_DEFAULT,
    reasons: Literal["packed", "lists"] = "packed",
    max_rows: int = 262_144,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function for Spark's `DataFrame.mapInArrow(fn, spark_schema(reasons))`."""
    keep = tuple(keep)

    def evaluate_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            result = evaluate_record_batch(batch, packs, as_of, keep=keep, reasons=reasons)
            yield from pa.Table.from_batches([result]).to_batches(max_chunksize=max_rows)

    return evaluate_batches


def spark_schema(reasons: Literal["packed", "lists"] = "packed") -> str:
    """The result schema as a Spark DDL string, for `mapInArrow`."""
    columns = [
        "uscc string",
        "policy_id string",
        "item_id string",
        "item_version string",
        "verdict string",
        "mode string",
        "amount_fen bigint",
        "payable_fen bigint",
        "leaf_states bigint",
    ]
    if reasons == "lists":
        columns += ["reason_codes array<string>", "to_confirm array<string>"]
    return ", ".join(columns)
