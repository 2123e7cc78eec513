"""The profile snapshot: every registry entity as one row of an Arrow table the batch engine reads.

Read with raw SQL, never through model instances (a million `Enterprise` objects would take minutes):

- PostgreSQL: `COPY (SELECT …) TO STDOUT (FORMAT csv)` streamed through psycopg 3 and parsed by
  pyarrow's multithreaded CSV reader with the column types fixed up front;
- other databases (SQLite): the same SELECT fetched in chunks into column lists, then Arrow arrays.

Qualifications come from one query over the qualification table (records certified after the
evaluation day left out) and are attached as a list of structs per entity. The registry holds the
complete roll of every kind it tracks, so each entity gets a list (maybe empty), never null.

The result conforms to `rules.batch.profile_schema()`; fields the registry does not hold yet
(研发费用, 新增就业人数 …) are null columns: unknown, which the engine turns into "needs confirmation".
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from yingshang.core import clock
from yingshang.policies.rules.fields import field_registry
from yingshang.registry.models import District, Enterprise, Qualification, Street

Progress = Callable[[str, int, "int | None"], None]
PHASE = "读取企业画像"
CHUNK_ROWS = 50_000

# (output column, SQL expression, Arrow type). Enum columns stored as '' for "not known" become NULL.
_ENTERPRISE_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("enterprise_id", "e.id", pa.int64()),
    ("district_id", "e.district_id", pa.int64()),
    ("uscc", "e.uscc", pa.string()),
    ("name", "e.name", pa.string()),
    ("entity_type", "e.entity_type", pa.string()),
    ("industry_code", "e.industry_id", pa.string()),
    ("industry_section", "NULLIF(e.industry_section, '')", pa.string()),
    ("industry_division", "NULLIF(e.industry_division, '')", pa.string()),
    ("district", "d.name", pa.string()),
    ("street", "s.name", pa.string()),
    ("registered_on", "e.registered_on", pa.date32()),
    ("registered_capital_fen", "e.registered_capital_fen", pa.int64()),
    ("employees", "e.employees", pa.int64()),
    ("annual_revenue_fen", "e.annual_revenue_fen", pa.int64()),
    ("total_assets_fen", "e.total_assets_fen", pa.int64()),
    ("tax_paid_fen", "e.tax_paid_fen", pa.int64()),
    ("scale", "NULLIF(e.scale, '')", pa.string()),
    ("credit_class", "NULLIF(e.credit_class, '')", pa.string()),
    ("status", "e.status", pa.string()),
)
_QUALIFICATION_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("enterprise_id", "q.enterprise_id", pa.int64()),
    ("kind", "q.kind", pa.string()),
    ("level", "NULLIF(q.level, '')", pa.string()),
    ("certified_on", "q.certified_on", pa.date32()),
    ("expires_on", "q.expires_on", pa.date32()),
)
KEY_COLUMNS = ("enterprise_id", "district_id")


@dataclass
class Snapshot:
    """Profiles (conforming to the batch schema) plus the row keys the database needs back."""

    profiles: pa.Table
    keys: pa.Table  # enterprise_id, district_id; same row order as `profiles`
    as_of: dt.date
    taken_at: dt.datetime
    sources: dict[str, Any] = field(default_factory=dict)

    @property
    def entity_count(self) -> int:
        return self.profiles.num_rows


def profile_schema() -> pa.Schema:
    from yingshang.policies.rules.batch import profile_schema as schema

    return schema()


# --- SQL ------------------------------------------------------------------------------------------


def _scope(queryset: QuerySet[Enterprise] | None, column: str) -> tuple[str, list[Any]]:
    """A WHERE fragment limiting `column` (an enterprise id) to the queryset; '' for everything."""
    if queryset is None:
        return "", []
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return f"{column} IN ({sql})", list(params)


def enterprise_sql(queryset: QuerySet[Enterprise] | None) -> tuple[str, list[Any]]:
    where, params = _scope(queryset, "e.id")
    select = ", ".join(expr for _, expr, _ in _ENTERPRISE_COLUMNS)
    sql = (
        f"SELECT {select} FROM {Enterprise._meta.db_table} e "
        f"JOIN {District._meta.db_table} d ON d.id = e.district_id "
        f"LEFT JOIN {Street._meta.db_table} s ON s.id = e.street_id"
    )
    if where:
        sql += f" WHERE {where}"
    return sql + " ORDER BY e.id", params


def qualification_sql(queryset: QuerySet[Enterprise] | None, as_of: dt.date) -> tuple[str, list[Any]]:
    where, params = _scope(queryset, "q.enterprise_id")
    select = ", ".join(expr for _, expr, _ in _QUALIFICATION_COLUMNS)
    sql = f"SELECT {select} FROM {Qualification._meta.db_table} q WHERE q.certified_on <= %s"
    if where:
        sql += f" AND {where}"
    return sql + " ORDER BY q.enterprise_id, q.kind, q.level", [as_of, *params]


def count_sql(queryset: QuerySet[Enterprise] | None) -> tuple[str, list[Any]]:
    where, params = _scope(queryset, "e.id")
    sql = f"SELECT COUNT(*) FROM {Enterprise._meta.db_table} e"
    return (sql + f" WHERE {where}" if where else sql), params


# --- reading --------------------------------------------------------------------------------------


def _schema_of(columns: tuple[tuple[str, str, pa.DataType], ...]) -> pa.Schema:
    return pa.schema([(name, kind) for name, _, kind in columns])


def _read_copy(
    sql: str,
    params: list[Any],
    columns: tuple[tuple[str, str, pa.DataType], ...],
    tick: Callable[[int], None],
) -> pa.Table:
    """PostgreSQL: the query's rows as CSV straight from the server, parsed by Arrow."""
    from psycopg import ClientCursor

    with connection.cursor() as cursor:
        raw = cursor.cursor
        literal = ClientCursor(raw.connection).mogrify(sql, params) if params else sql
        buffer = io.BytesIO()
        with raw.copy(f"COPY ({literal}) TO STDOUT WITH (FORMAT csv)") as copy:
            rows = 0
            for block in copy:  # libpq hands over one row at a time
                buffer.write(block)
                rows += 1
    # Only now: a progress report may write to the database, which must wait until COPY ends.
    tick(rows)
    names = [name for name, _, _ in columns]
    if buffer.tell() == 0:
        return _schema_of(columns).empty_table()
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
        # A name may hold a line break inside its quotes.
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=_schema_of(columns),
            strings_can_be_null=True,  # COPY writes NULL as an unquoted empty field …
            quoted_strings_can_be_null=False,  # … and '' as "".
        ),
    )


def _to_array(values: list[Any], kind: pa.DataType) -> pa.Array:
    if kind == pa.date32() and any(isinstance(v, str) for v in values):
        return pa.array(values, pa.string()).cast(pa.date32())
    return pa.array(values, kind)


def _read_chunks(
    sql: str,
    params: list[Any],
    columns: tuple[tuple[str, str, pa.DataType], ...],
    tick: Callable[[int], None],
) -> pa.Table:
    """Any database: fetch in chunks, transpose into columns, one Arrow array per column."""
    schema = _schema_of(columns)
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            transposed = zip(*rows, strict=True)
            arrays = [_to_array(list(v), kind) for v, (_, _, kind) in zip(transposed, columns, strict=True)]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            tick(len(rows))
    return pa.Table.from_batches(batches, schema=schema)


def _read(
    sql: str,
    params: list[Any],
    columns: tuple[tuple[str, str, pa.DataType], ...],
    tick: Callable[[int], None],
) -> pa.Table:
    if connection.vendor == "postgresql":
        return _read_copy(sql, params, columns, tick)
    return _read_chunks(sql, params, columns, tick)


# --- conforming to the batch schema ---------------------------------------------------------------


def _null_expr(kind: pa.DataType) -> pl.Expr:
    return pl.lit(None, dtype=pl.from_arrow(pa.array([], kind)).dtype)


def _attach_qualifications(entities: pa.Table, records: pa.Table, record_type: pa.DataType) -> pl.DataFrame:
    """Entities with a `qualifications` list column (structs in the schema's field order)."""
    frame = pl.from_arrow(entities)
    assert isinstance(frame, pl.DataFrame)
    quals = pl.from_arrow(records)
    assert isinstance(quals, pl.DataFrame)
    struct_fields = list(record_type) if pa.types.is_struct(record_type) else []
    parts = [
        pl.col(f.name) if f.name in quals.columns else _null_expr(f.type).alias(f.name) for f in struct_fields
    ]
    grouped = quals.group_by("enterprise_id").agg(pl.struct(parts).alias("qualifications"))
    joined = frame.join(grouped, on="enterprise_id", how="left", maintain_order="left")
    # Every entity's list is known (the registry holds the full roll of the kinds it tracks).
    empty = pl.lit([], dtype=grouped.schema["qualifications"])
    return joined.with_columns(pl.col("qualifications").fill_null(empty))


def conform(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """Exactly the schema's columns, in its order and types; absent fields as null columns."""
    table = frame.to_arrow()
    arrays = []
    for target in schema:
        if target.name in table.column_names:
            arrays.append(table.column(target.name).cast(target.type))
        else:
            arrays.append(pa.nulls(table.num_rows, target.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def coverage(profiles: pa.Table) -> dict[str, Any]:
    """Per field: where its values come from and how many entities have one (for the run page)."""
    registry = field_registry()
    total = profiles.num_rows
    result: dict[str, Any] = {"entities": total, "fields": {}}
    for name in profiles.column_names:
        f = registry.get(name)
        if f is None:
            continue
        known = total - profiles.column(name).null_count
        result["fields"][name] = {"label": f.label, "source": f.source, "known": known}
    return result


def _ticker(progress: Progress | None, total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    done = 0

    def tick(rows: int) -> None:
        nonlocal done
        done = min(total, done + rows)
        if progress is not None:
            progress(PHASE, done, total)

    def finish() -> None:
        if progress is not None:
            progress(PHASE, total, total)

    return tick, finish


def read_snapshot(
    queryset: QuerySet[Enterprise] | None = None,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Profiles of the queryset's entities (default: all) plus their database keys."""
    day = as_of or clock.today()
    taken_at = timezone.now()
    schema = profile_schema()
    with connection.cursor() as cursor:
        cursor.execute(*count_sql(queryset))
        total = int(cursor.fetchone()[0])
    tick, finish = _ticker(progress, total)
    entities = _read(*enterprise_sql(queryset), _ENTERPRISE_COLUMNS, tick)
    records = _read(*qualification_sql(queryset, day), _QUALIFICATION_COLUMNS, lambda rows: None)
    record_type = schema.field("qualifications").type.value_type if "qualifications" in schema.names else None
    frame = _attach_qualifications(entities, records, record_type or pa.struct([]))
    # No enterprise has confirmed a full list of an untracked kind through the registry (yet).
    frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("qualification_kinds_confirmed"))
    profiles = conform(frame, schema)
    keys = pa.Table.from_arrays(
        [entities.column(k).cast(pa.int64()) for k in KEY_COLUMNS], names=list(KEY_COLUMNS)
    )
    finish()
    return Snapshot(profiles, keys, day, taken_at, coverage(profiles))


def build_snapshot(
    queryset: QuerySet[Enterprise] | None = None,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> pa.Table:
    """The profile table of the queryset's entities (default: all), conforming to profile_schema()."""
    return read_snapshot(queryset, as_of=as_of, progress=progress).profiles


def iter_batches(table: pa.Table, rows: int = 100_000) -> Iterator[pa.RecordBatch]:
    """The snapshot in record batches: the unit a cluster (Spark mapInArrow) would evaluate."""
    yield from table.to_batches(max_chunksize=rows)
