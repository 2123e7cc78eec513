"""The profile snapshot the batch engine reads (`batch.py`): its Arrow schema (`profile_schema()`, the
column types listed in batch.py's docstring), a snapshot built from the same dicts `calculate()` takes,
the dicts back from a snapshot, and reading the columns a plan needs in the types it expects, with
Chinese errors naming the column or row. Plain Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TypeAlias

import polars as pl
import pyarrow as pa

from yingshang.core.errors import UserError
from yingshang.policies.rules.batch_plan import (
    CONFIRMED,
    PERCENT_SCALE,
    QUALIFICATIONS,
    RECORD_FIELDS,
    BatchPlan,
)
from yingshang.policies.rules.fields import Field, FieldType, field_registry
from yingshang.policies.rules.profile import Profile, profile_from

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


class BatchInputError(UserError, ValueError):
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


def read_columns(data: pa.Table | pa.RecordBatch | pl.DataFrame, plan: BatchPlan) -> pl.DataFrame:
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
