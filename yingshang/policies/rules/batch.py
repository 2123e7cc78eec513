"""Batch matching (政策找企业): every enterprise of a profile snapshot × every current reward item, in
column operations (Polars) over an Arrow table, keeping only the pairs worth storing.

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

Result columns (`result_schema()`), one row per kept (enterprise, item) pair, grouped by item:

    uscc, policy_id, item_id, item_version, verdict, mode    strings (dictionary-encoded; `uscc`'s
                                                              indices are the snapshot's row numbers)
    amount_fen     int64, null when an input of the amount is unknown
    payable_fen    int64, after 不重复奖，以最高标准为准 (highest eligible amount, first in pack on a tie)
    leaf_states    int64: the calculator's outcome statuses packed two bits each, in reading order
                   (target first): 0 fail, 1 pass, 2 unknown. `with_reasons()` / `Reasons` decode it
                   into `reason_codes` and `to_confirm` (list<string>), exactly as the calculator
                   gives them; `reasons="lists"` adds those columns directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Literal

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from yingshang.policies.rules.batch_plan import (
    CONFIRMED,
    HAS_RECORDS,
    PERCENT_SCALE,
    QUALIFICATIONS,
    RECORD_FIELDS,
    VERDICT_CODES,
    BatchPlan,
    ItemReasons,
    compile_plan,
    item_reasons,
)
from yingshang.policies.rules.fields import Field, FieldType, field_registry
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
_POLARS_TYPES = {
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


def _expected_dtype(column: str) -> pl.DataType | None:
    f = field_registry().get(column)
    if f is None or f.type is FieldType.QUALIFICATIONS:
        return None
    return _POLARS_TYPES[f.type]


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
        if expected is not None and frame.schema[column] != expected:
            casts.append(pl.col(column).cast(expected, strict=True))
    if casts:
        try:
            frame = frame.with_columns(casts)
        except (pl.exceptions.PolarsError, TypeError) as exc:
            raise BatchInputError(f"企业数据快照的列类型不符合 profile_schema()：{exc}") from None
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


def _with_record_leaves(frame: pl.DataFrame, plan: BatchPlan) -> pl.DataFrame:
    """Per enterprise, the Kleene OR over its qualification records of every record filter the plan uses."""
    if not plan.record_leaves:
        return frame
    records = (
        frame.lazy()
        .select(ROW, pl.col(QUALIFICATIONS).alias("__record"))
        .explode("__record", keep_nulls=False)
        .filter(pl.col("__record").is_not_null())
        .select(ROW, *[pl.col("__record").struct.field(name) for name in RECORD_FIELDS])
        .group_by(ROW)
        .agg(pl.len().alias(HAS_RECORDS), **plan.record_leaves)
    )
    return frame.lazy().join(records, on=ROW, how="left", maintain_order="left").collect()


def _leaf_frame(frame: pl.DataFrame, plan: BatchPlan) -> pl.DataFrame:
    """Every leaf as a boolean column (true/false/null), the amount inputs, and each group's winner."""
    frame = frame.with_row_index(ROW)
    frame = _with_record_leaves(frame, plan)
    amount_inputs = sorted(plan.amount_fields)
    record_columns = sorted(plan.tier_columns)
    leaves = frame.lazy().select(
        ROW,
        *[expr.alias(name) for name, expr in plan.scalar_leaves.items()],
        *[expr.alias(name) for name, expr in plan.qualification_leaves.items()],
        *record_columns,
        *amount_inputs,
    )
    winners = [plan.group_winner(g).alias(f"__w{g}") for g in range(len(plan.groups))]
    return leaves.with_columns(winners).collect() if winners else leaves.collect()


def _kept_rows(leaves: pl.DataFrame, plan: BatchPlan, keep: frozenset[int]) -> pl.DataFrame:
    """Only the kept pairs, item by item: row, item, verdict, amount, payable, leaf states."""
    not_eligible = VERDICT_CODES[Verdict.NOT_ELIGIBLE]
    frames = []
    for item in plan.items:
        if keep == set(VERDICT_CODES.values()):
            kept = leaves.lazy()
        elif keep == {c for c in VERDICT_CODES.values() if c != not_eligible}:
            kept = leaves.lazy().filter(~item.not_eligible)
        else:
            kept = leaves.lazy().filter(item.verdict.is_in(sorted(keep)))
        eligible = item.verdict == VERDICT_CODES[Verdict.ELIGIBLE]
        if item.group is None:
            paid = pl.when(eligible).then(item.amount)
        else:
            paid = pl.when(eligible & (pl.col(f"__w{item.group}") == item.group_position)).then(item.amount)
        frames.append(
            kept.select(
                pl.col(ROW),
                pl.lit(item.index, pl.Int16).alias("item"),
                item.verdict.alias("verdict"),
                pl.when(item.verdict == not_eligible)
                .then(pl.lit(0, pl.Int64))
                .otherwise(item.amount)
                .alias("amount_fen"),
                paid.fill_null(0).cast(pl.Int64).alias("payable_fen"),
                item.leaf_states.alias("leaf_states"),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={
                ROW: pl.UInt32,
                "item": pl.Int16,
                "verdict": pl.Int8,
                "amount_fen": pl.Int64,
                "payable_fen": pl.Int64,
                "leaf_states": pl.Int64,
            }
        )
    return pl.concat(pl.collect_all(frames), rechunk=False)


def _dictionary(indices: pa.ChunkedArray, values: pa.Array, index_type: pa.DataType) -> pa.ChunkedArray:
    chunks = [pa.DictionaryArray.from_arrays(chunk.cast(index_type), values) for chunk in indices.chunks] or [
        pa.DictionaryArray.from_arrays(pa.array([], index_type), values)
    ]
    return pa.chunked_array(chunks, pa.dictionary(index_type, values.type))


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


def _result_table(kept: pl.DataFrame, uscc: pa.Array, plan: BatchPlan) -> pa.Table:
    arrow = kept.to_arrow()
    item = arrow.column("item")
    verdicts = pa.array([v.value for v in sorted(VERDICT_CODES, key=VERDICT_CODES.__getitem__)])

    def per_item(values: list[str]) -> pa.ChunkedArray:
        return _dictionary(item, pa.array(values, pa.string()), pa.int16())

    columns = {
        "uscc": _dictionary(arrow.column(ROW), uscc, pa.int32()),
        "policy_id": per_item([i.policy.id for i in plan.items]),
        "item_id": per_item([i.item.id for i in plan.items]),
        "item_version": per_item([i.item.version for i in plan.items]),
        "verdict": _dictionary(arrow.column("verdict"), verdicts, pa.int8()),
        "mode": per_item([i.item.effective_mode.value for i in plan.items]),
        "amount_fen": arrow.column("amount_fen"),
        "payable_fen": arrow.column("payable_fen"),
        "leaf_states": arrow.column("leaf_states"),
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
    kept = _kept_rows(_leaf_frame(frame.drop("uscc"), plan), plan, _keep_codes(keep))
    del frame
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

    def reason_codes(self, item_version: str, leaf_states: int) -> list[str]:
        return self._items[item_version].reason_codes(leaf_states)

    def to_confirm(self, item_version: str, leaf_states: int, verdict: str, amount_known: bool) -> list[str]:
        if verdict != Verdict.NEEDS_CONFIRMATION.value:
            return []
        return self._items[item_version].to_confirm(leaf_states, amount_known)


def with_reasons(result: pa.Table, packs: Sequence[Pack]) -> pa.Table:
    """`result` plus `reason_codes` and `to_confirm` (list<string>), decoded once per distinct
    (item, states, verdict, amount known) combination and joined back, not once per row."""
    decoder = Reasons(packs)
    frame = pl.from_arrow(result.select(["item_version", "verdict", "amount_fen", "leaf_states"]))
    keys = frame.select(
        pl.col("item_version").cast(pl.String),
        pl.col("verdict").cast(pl.String),
        pl.col("amount_fen").is_not_null().alias("known"),
        "leaf_states",
    )
    combos = keys.unique()
    decoded = combos.with_columns(
        pl.Series(
            "reason_codes",
            [
                decoder.reason_codes(v, s)
                for v, s in zip(combos["item_version"], combos["leaf_states"], strict=True)
            ],
            dtype=pl.List(pl.String),
        ),
        pl.Series(
            "to_confirm",
            [
                decoder.to_confirm(v, s, d, k)
                for v, d, k, s in combos.select("item_version", "verdict", "known", "leaf_states").iter_rows()
            ],
            dtype=pl.List(pl.String),
        ),
    )
    lists = keys.join(
        decoded, on=["item_version", "verdict", "known", "leaf_states"], how="left", maintain_order="left"
    )
    extra = lists.select("reason_codes", "to_confirm").to_arrow()
    table = result
    for name in ("reason_codes", "to_confirm"):
        table = table.append_column(name, extra.column(name).cast(pa.list_(pa.string())))
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
