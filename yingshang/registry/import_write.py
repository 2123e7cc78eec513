"""Writing a checked plan in one transaction: enterprises with executemany (COPY on PostgreSQL), their
history records, provenance and qualifications."""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

# The generic reading moved to yingshang.core.spreadsheets. The names marked "re-exported" are not
# used here: they stay importable from this module until every caller imports them from core
# (the 政策兑现 payment-return import and policies.offline still import them from here).
from yingshang.core.spreadsheets import (
    MAX_FEN,  # noqa: F401 - re-exported
    CellError,  # noqa: F401 - re-exported
    Table,  # noqa: F401 - re-exported
    check_size,  # noqa: F401 - re-exported
    decode_csv,  # noqa: F401 - re-exported
    read_csv,  # noqa: F401 - re-exported
    read_xlsx,  # noqa: F401 - re-exported
    size_text,  # noqa: F401 - re-exported
)
from yingshang.registry.import_format import BATCH_SIZE, ENTERPRISE_DATA_FIELDS, Progress, provenance_key
from yingshang.registry.import_plan import (
    _DERIVED,
    ImportPlan,
    _chunks,
    _existing_enterprises,
    _existing_qualifications,
    derive,
)
from yingshang.registry.models import (
    Enterprise,
    Qualification,
    Street,
    User,
)

# --------------------------------------------------------------------------------------------------


class JsonText(str):
    """JSON already serialised: provenance is encoded once per distinct value, not once per row."""


def json_text(value: Any) -> JsonText:
    return JsonText(json.dumps(value, ensure_ascii=False, sort_keys=True))


_PREPARED_TYPES = {"DateField", "DateTimeField", "JSONField", "DecimalField", "TimeField", "UUIDField"}


def _preparer(model_field: models.Field) -> Callable[[Any], Any]:
    """How the ORM turns a value into a query parameter; a date, 100,000 times, without the detours."""
    if model_field.get_internal_type() == "DateField":
        return connection.ops.adapt_datefield_value
    return lambda value: model_field.get_db_prep_save(value, connection)


class _RowWriter:
    """executemany INSERT/UPDATE of plain dicts keyed by attname; values prepared as the ORM would."""

    def __init__(self, model: type[models.Model], attnames: list[str] | None = None) -> None:
        meta = model._meta
        self.fields = [
            f
            for f in meta.concrete_fields
            if not (
                f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
            )
            and (attnames is None or f.attname in attnames)
        ]
        self.table = connection.ops.quote_name(meta.db_table)
        attnames_in_order = [f.attname for f in self.fields]
        self._get = operator.itemgetter(*attnames_in_order)
        # Only dates, datetimes and JSON need the ORM's preparation; the rest go to the driver as they are.
        self._prepared = [
            (position, _preparer(f))
            for position, f in enumerate(self.fields)
            if f.get_internal_type() in _PREPARED_TYPES
        ]
        self._memo: dict[int, tuple[Any, Any]] = {}

    def _prepare(self, record: dict[str, Any]) -> list[Any]:
        values = list(self._get(record)) if len(self.fields) > 1 else [self._get(record)]
        for position, prepare in self._prepared:
            value = values[position]
            if value is None:
                continue
            if isinstance(value, JsonText):
                values[position] = str(value)  # a plain str for the driver; the column parses it
                continue
            memo = self._memo.get(position)
            if memo is not None and memo[0] is value:
                values[position] = memo[1]  # created_at/updated_at/history_date: one object for every row
            else:
                prepared = prepare(value)
                self._memo[position] = (value, prepared)
                values[position] = prepared
        return values

    def insert(self, records: list[dict[str, Any]]) -> None:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            self._copy(f"COPY {self.table} ({columns}) FROM STDIN", records)
            return
        marks = ", ".join(["%s"] * len(self.fields))
        sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"
        with connection.cursor() as cursor:
            for chunk in _chunks(records, BATCH_SIZE):
                cursor.executemany(sql, [self._prepare(r) for r in chunk])

    def update(self, records: list[dict[str, Any]], key: str = "id") -> None:
        qn = connection.ops.quote_name
        if connection.vendor == "postgresql":
            # COPY into a temporary table, then one UPDATE … FROM: row-by-row UPDATEs are far slower.
            _RowWriter._temp_tables += 1
            temp = qn(f"import_rows_{_RowWriter._temp_tables}")
            columns = ", ".join(qn(c) for c in [key, *(f.column for f in self.fields)])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                    f"SELECT {columns} FROM {self.table} WITH NO DATA"
                )
            self._copy(f"COPY {temp} ({columns}) FROM STDIN", records, key=key)
            assignments = ", ".join(f"{qn(f.column)} = source.{qn(f.column)}" for f in self.fields)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.table} AS target SET {assignments} FROM {temp} AS source "
                    f"WHERE target.{qn(key)} = source.{qn(key)}"
                )
                cursor.execute(f"DROP TABLE {temp}")
            return
        assignments = ", ".join(f"{qn(f.column)} = %s" for f in self.fields)
        sql = f"UPDATE {self.table} SET {assignments} WHERE {qn(key)} = %s"
        with connection.cursor() as cursor:
            for chunk in _chunks(records, BATCH_SIZE):
                cursor.executemany(sql, [[*self._prepare(r), r[key]] for r in chunk])

    _temp_tables = 0

    def _copy(self, sql: str, records: list[dict[str, Any]], key: str | None = None) -> None:
        """PostgreSQL COPY through psycopg: the fastest way in, types adapted by the driver."""
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for record in records:
                values = self._prepare(record)
                copy.write_row([record[key], *values] if key else values)


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    qualifications_created: int = 0
    qualifications_updated: int = 0
    streets_created: int = 0


def _ensure_streets(plan: ImportPlan) -> tuple[dict[tuple[int, str], int], int]:
    """Streets named in the file are created under their district (the preview lists them)."""
    wanted = {
        (r.values["district_id"], r.values["street_id"])
        for r in plan.enterprises
        if r.values.get("street_id")
    }
    districts = {d for d, _ in wanted}
    streets = {
        (d, n): pk
        for pk, d, n in Street.objects.filter(district_id__in=districts).values_list(
            "pk", "district_id", "name"
        )
    }
    missing = sorted(wanted - streets.keys())
    if missing:
        Street.objects.bulk_create([Street(district_id=d, name=n) for d, n in missing])
        streets.update(
            {
                (d, n): pk
                for pk, d, n in Street.objects.filter(district_id__in=districts).values_list(
                    "pk", "district_id", "name"
                )
            }
        )
    return streets, len(missing)


def write_plan(
    plan: ImportPlan,
    *,
    origin: dict[str, Any],
    user_id: int | None,
    reason: str,
    progress: Progress | None = None,
) -> ApplyResult:
    """Write a checked plan. Must run inside transaction.atomic(); see apply_batch."""
    now = timezone.now()
    result = ApplyResult()
    streets, result.streets_created = _ensure_streets(plan)
    existing = _existing_enterprises([r.values["uscc"] for r in plan.enterprises], whole=True)
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    refreshed: list[dict[str, Any]] = []
    stamp = {provenance_key(name): origin for name in plan.fields}
    new_provenance = json_text({"uscc": origin, **stamp})
    merged_provenance: dict[str | None, tuple[JsonText, bool]] = {}
    for row in plan.enterprises:
        values = dict(row.values)
        if values.get("street_id"):
            values["street_id"] = streets[(values["district_id"], values["street_id"])]
        current = existing.get(values["uscc"])
        if current is None:
            record = dict.fromkeys(ENTERPRISE_DATA_FIELDS)
            record.update(credit_class="", status="active")
            record.update(values)
            record["provenance"] = new_provenance
            record["created_at"] = record["updated_at"] = now
            derive(record)
            creates.append(record)
            continue
        text = current.pop("provenance_text")
        if text not in merged_provenance:  # a re-import meets the same few provenance values again and again
            before = json.loads(text) if text else {}
            after = {**before, **stamp}
            merged_provenance[text] = (json_text(after), after != before)
        provenance, provenance_moved = merged_provenance[text]
        record = {**current, **values, "provenance": provenance}
        changed = [name for name in plan.fields if values[name] != current[name]]
        if changed:
            derive(record)
            changed += [name for name in _DERIVED if record[name] != current[name]]
            record["updated_at"] = now
            # Only the changed columns are written: fewer index entries to rewrite per row.
            record["_columns"] = (*changed, "provenance", "updated_at")
            updates.append(record)
        elif provenance_moved:
            refreshed.append(record)
        else:
            result.unchanged += 1
    _write_enterprises(creates, updates, user_id=user_id, reason=reason, now=now, progress=progress)
    _write_provenance(refreshed)
    result.created, result.updated = len(creates), len(updates)
    result.unchanged += len(refreshed)
    result.qualifications_created, result.qualifications_updated = _write_qualifications(
        plan, origin=origin, user_id=user_id, reason=reason
    )
    return result


def _history_records(
    records: list[dict[str, Any]], kind: str, *, user_id: int | None, reason: str, now: dt.datetime
) -> list[dict[str, Any]]:
    extra = {
        "history_date": now,
        "history_type": kind,
        "history_user_id": user_id,
        "history_change_reason": reason,
    }
    return [{**r, **extra} for r in records]


def _write_enterprises(
    creates: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    *,
    user_id: int | None,
    reason: str,
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    history = _RowWriter(Enterprise.history.model)
    total = len(creates) + len(updates)
    done = 0
    if creates:
        writer = _RowWriter(Enterprise)
        for chunk in _chunks(creates, BATCH_SIZE * 5):
            writer.insert(chunk)
            done += len(chunk)
            if progress is not None:
                progress("写入数据库", done, total)
        ids = _ids_of([r["uscc"] for r in creates])
        for record in creates:
            record["id"] = ids[record["uscc"]]
        history.insert(_history_records(creates, "+", user_id=user_id, reason=reason, now=now))
    if updates:
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record in updates:
            by_columns.setdefault(record["_columns"], []).append(record)
        for columns, records in by_columns.items():
            writer = _RowWriter(Enterprise, list(columns))
            for chunk in _chunks(records, BATCH_SIZE * 5):
                writer.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress("写入数据库", done, total)
        history.insert(_history_records(updates, "~", user_id=user_id, reason=reason, now=now))


def _write_provenance(records: list[dict[str, Any]]) -> None:
    """Rows whose values did not change: only the date and source they are confirmed by moves on."""
    if records:
        _RowWriter(Enterprise, ["id", "provenance"]).update(records)


def _ids_of(usccs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(usccs, 500):
        ids.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "id"))
    return ids


def _write_qualifications(
    plan: ImportPlan, *, origin: dict[str, Any], user_id: int | None, reason: str
) -> tuple[int, int]:
    if not plan.qualifications:
        return 0, 0
    ids = _ids_of(sorted({q.uscc for q in plan.qualifications}))
    current = _existing_qualifications(plan)
    as_of = dt.date.fromisoformat(origin["as_of"])
    source = origin["source"][:200]
    creates, updates, refreshed = [], [], []
    for row in plan.qualifications:
        qual = current.get((row.uscc, row.kind, row.level))
        if qual is None:
            creates.append(
                Qualification(
                    enterprise_id=ids[row.uscc],
                    kind=row.kind,
                    level=row.level,
                    certified_on=row.certified_on,
                    expires_on=row.expires_on,
                    source=source,
                    as_of=as_of,
                )
            )
            continue
        dates_changed = (qual.certified_on, qual.expires_on) != (row.certified_on, row.expires_on)
        if dates_changed or (qual.source, qual.as_of) != (source, as_of):
            qual.certified_on, qual.expires_on, qual.source, qual.as_of = (
                row.certified_on,
                row.expires_on,
                source,
                as_of,
            )
            # Only a change of the dates is a change; a new source and date confirm what was there.
            (updates if dates_changed else refreshed).append(qual)
    if refreshed:
        Qualification.objects.bulk_update(refreshed, ["source", "as_of"], batch_size=BATCH_SIZE)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if creates:
        bulk_create_with_history(
            creates, Qualification, batch_size=BATCH_SIZE, default_user=user, default_change_reason=reason
        )
    if updates:
        bulk_update_with_history(
            updates,
            Qualification,
            ["certified_on", "expires_on", "source", "as_of"],
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
    return len(creates), len(updates)
