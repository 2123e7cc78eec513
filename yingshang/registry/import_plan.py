"""Checking a 企业名录 file: every row read and checked against the columns, the district's reach
and the registry as it is, into an `ImportPlan` (what would be created, updated, and every problem)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models.functions import Cast

from yingshang.core import clock, spreadsheets
from yingshang.core.scope import scope_of

# The generic reading moved to yingshang.core.spreadsheets. The names marked "re-exported" are not
# used here: they stay importable from this module until every caller imports them from core
# (the 政策兑现 payment-return import and policies.offline still import them from here).
from yingshang.core.spreadsheets import (
    HEADER_SEARCH_ROWS,
    MAX_FEN,  # noqa: F401 - re-exported
    CellError,  # noqa: F401 - re-exported
    CellProblem,
    ColumnSpec,
    ImportRefused,
    MappedColumn,
    Problem,
    Table,  # noqa: F401 - re-exported
    cell_text,
    check_size,  # noqa: F401 - re-exported
    decode_csv,  # noqa: F401 - re-exported
    find_header,
    is_blank,
    map_columns,
    normalise_header,
    parse_date,
    parse_money_fen,
    parse_text,
    read_csv,  # noqa: F401 - re-exported
    read_tables,
    read_xlsx,  # noqa: F401 - re-exported
    size_text,  # noqa: F401 - re-exported
    typed_rows,
)
from yingshang.registry import vocab
from yingshang.registry.import_format import (
    DISPLAY_ONLY,
    ENTERPRISE_COLUMNS,
    ENTERPRISE_DATA_FIELDS,
    ENTERPRISE_SHEET,
    FIELD_LABELS,
    HEADER_HINT,
    KIND_HEADERS,
    MAX_ROWS,
    MAX_SAMPLE_ROWS,
    QUALIFICATION_COLUMNS,
    QUALIFICATION_SHEET,
    USCC_HEADERS,
    Column,
    Progress,
    check_not_future,
    parse_choice,
    parse_count,
    parse_credit_class,
    parse_industry,
    parse_level,
    parse_uscc,
)
from yingshang.registry.models import (
    District,
    Enterprise,
    Qualification,
    Street,
    User,
    industry_parts,
)
from yingshang.registry.scale import classify_scale

# --------------------------------------------------------------------------------------------------
# Checking rows
# --------------------------------------------------------------------------------------------------


@dataclass
class Lookups:
    """What the rows are checked against, loaded once per import."""

    today: dt.date
    districts: dict[str, int]  # name and code → id
    district_names: dict[int, str]
    streets: dict[tuple[int, str], int]  # (district id, name) → id

    @classmethod
    def load(cls, today: dt.date) -> Lookups:
        districts: dict[str, int] = {}
        names: dict[int, str] = {}
        for pk, code, name in District.objects.values_list("pk", "code", "name"):
            districts[code] = districts[name] = pk
            names[pk] = name
        streets = {(d, n): pk for pk, d, n in Street.objects.values_list("pk", "district_id", "name")}
        return cls(today, districts, names, streets)


@dataclass
class EnterpriseRow:
    row: int
    values: dict[str, Any]  # attname → value; street_id holds the street *name* until written


@dataclass
class QualificationRow:
    row: int
    uscc: str
    kind: str
    level: str
    certified_on: dt.date
    expires_on: dt.date | None


@dataclass
class ImportPlan:
    """Everything read and checked from one file, before anything is written."""

    file_name: str
    enterprise_sheet: str = ""
    qualification_sheet: str = ""
    fields: list[str] = field(default_factory=list)  # enterprise attnames present in the file
    enterprises: list[EnterpriseRow] = field(default_factory=list)
    qualifications: list[QualificationRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[tuple[str, int | None]] = field(default_factory=set)
    total_rows: int = 0
    notices: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    new_streets: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add_problem(self, sheet: str, row: int | None, column: str, message: str, letter: str = "") -> None:
        self.record(Problem(sheet, row, column, message, letter))

    def record(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.bad_rows.add((problem.sheet, problem.row))

    @property
    def valid_rows(self) -> int:
        return self.total_rows - len(self.bad_rows)

    def report(self) -> dict[str, Any]:
        return {
            "enterprise_sheet": self.enterprise_sheet,
            "qualification_sheet": self.qualification_sheet,
            "columns": [FIELD_LABELS.get(f, f) for f in self.fields],
            "notices": self.notices,
            "counts": self.counts,
            "new_streets": self.new_streets,
            "problem_count": len(self.problems),
            "bad_rows": len(self.bad_rows),
            "sample": self.sample,
        }


def _map_columns(
    plan: ImportPlan, sheet: str, headers: list[Any], parser: Callable[[Column], Callable[[Any], Any]]
) -> list[MappedColumn]:
    """The file's columns of this sheet, each with its cell parser; refuses a bad header row."""
    columns = ENTERPRISE_COLUMNS if sheet == ENTERPRISE_SHEET else QUALIFICATION_COLUMNS
    specs = [ColumnSpec(c.field, c.header, parser(c), c.required, (c.code, *c.aliases)) for c in columns]
    mapping = map_columns(
        headers, specs, sheet=plan_sheet_name(plan, sheet), ignore=DISPLAY_ONLY[sheet], hint=HEADER_HINT
    )
    if mapping.ignored:
        plan.notices.append(f"以下列不是导入格式中的列，已忽略：{'、'.join(mapping.ignored)}")
    return mapping.columns


def _letter_of(mapped: list[MappedColumn], key: str) -> str:
    return next((m.letter for m in mapped if m.spec.key == key), "")


def plan_sheet_name(plan: ImportPlan, sheet: str) -> str:
    return (plan.enterprise_sheet if sheet == ENTERPRISE_SHEET else plan.qualification_sheet) or sheet


def _enterprise_parser(column: Column, lookups: Lookups) -> Callable[[Any], Any]:
    """The function that turns one cell of this column into a model value (or raises CellProblem)."""
    name = column.field
    if name == "uscc":
        return parse_uscc
    if name == "name":
        return lambda raw: parse_text(raw, "名称", 200)
    if name == "entity_type":
        return lambda raw: parse_choice(raw, vocab.ENTITY_TYPES, "主体类型")
    if name == "industry_id":
        return parse_industry
    if name == "district_id":
        return lambda raw: _district_of(raw, lookups)
    if name == "street_id":
        return _street_name
    if name == "registered_on":
        return lambda raw: check_not_future(parse_date(raw, "成立日期"), "成立日期", lookups.today)
    if name == "employees":
        return lambda raw: parse_count(raw, "从业人数")
    if name == "credit_class":
        return parse_credit_class
    if name == "status":
        return lambda raw: parse_choice(raw, vocab.STATUSES, "登记状态")
    label, unit = FIELD_LABELS[name], column.unit
    return lambda raw: parse_money_fen(raw, label, unit)


def _district_of(raw: Any, lookups: Lookups) -> int:
    text = cell_text(raw)
    district = lookups.districts.get(text)
    if district is not None:
        return district
    if not text:
        raise CellProblem("区县不能为空")
    known = "、".join(lookups.district_names.values()) or "（系统中还没有区县）"
    raise CellProblem(f"区县“{text}”不在系统中，可填写：{known}（或其区划代码）")


def _street_name(raw: Any) -> str | None:
    text = cell_text(raw)
    if len(text) > 50:
        raise CellProblem(f"街道名称过长：{len(text)} 个字，最多 50 个字")
    return text or None


def _tick(progress: Progress | None, phase: str, done: int, total: int | None) -> None:
    if progress is not None and (done % 1000 == 0):
        progress(phase, done, total)


def _check_enterprise_table(
    plan: ImportPlan, header: spreadsheets.Header, lookups: Lookups, progress: Progress | None
) -> None:
    mapped = _map_columns(plan, ENTERPRISE_SHEET, header.cells, lambda c: _enterprise_parser(c, lookups))
    plan.fields = [m.spec.key for m in mapped if m.spec.key != "uscc"]
    uscc_letter = _letter_of(mapped, "uscc")
    first_seen: dict[str, int] = {}
    total = (header.total_hint - header.row) if header.total_hint else None
    count = 0
    for row in typed_rows(header.rows, mapped, sheet=plan.enterprise_sheet, report=plan.record):
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(f"企业名录超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        _tick(progress, "读取并校验", count, total)
        row_ok = row.ok
        uscc = row.values.get("uscc")
        if uscc is not None:
            if uscc in first_seen:
                plan.add_problem(
                    plan.enterprise_sheet,
                    row.number,
                    "统一社会信用代码",
                    f"统一社会信用代码 {uscc} 与第 {first_seen[uscc]} 行重复：同一文件中每个主体只能出现一次",
                    uscc_letter,
                )
                row_ok = False
            else:
                first_seen[uscc] = row.number
        if row_ok:
            plan.enterprises.append(EnterpriseRow(row.number, row.values))
    plan.total_rows += count


def _check_qualification_table(plan: ImportPlan, header: spreadsheets.Header, lookups: Lookups) -> None:
    today = lookups.today
    mapped = _map_columns(
        plan,
        QUALIFICATION_SHEET,
        header.cells,
        lambda c: lambda raw: _qualification_value(c.field, raw, today),
    )
    sheet = plan.qualification_sheet
    letters = {key: _letter_of(mapped, key) for key in ("uscc", "kind", "expires_on")}
    in_file = {r.values["uscc"] for r in plan.enterprises}
    pending: list[tuple[int, str, QualificationRow]] = []
    seen: dict[tuple[str, str, str], int] = {}
    count = 0
    for row in typed_rows(header.rows, mapped, sheet=sheet, report=plan.record):
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(f"资质表超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        values = row.values
        row_ok = row.ok
        values.setdefault("expires_on", None)
        expires, certified = values.get("expires_on"), values.get("certified_on")
        if expires is not None and certified is not None and expires < certified:
            plan.add_problem(
                sheet,
                row.number,
                "有效期至",
                f"有效期至 {expires} 早于认定日期 {certified}",
                letters["expires_on"],
            )
            row_ok = False
        key = (values.get("uscc"), values.get("kind"), values.get("level"))
        if row_ok and key in seen:
            plan.add_problem(
                sheet,
                row.number,
                "资质类型",
                f"与第 {seen[key]} 行是同一主体的同一资质，重复",
                letters["kind"],
            )
            row_ok = False
        if row_ok:
            seen[key] = row.number
            pending.append((row.number, values["uscc"], QualificationRow(row.number, **values)))
    plan.total_rows += count
    missing = {u for _, u, _ in pending if u not in in_file}
    known = set()
    for chunk in _chunks(sorted(missing), 500):
        known.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    for number, uscc, qualification in pending:
        if uscc in in_file or uscc in known:
            plan.qualifications.append(qualification)
        else:
            plan.add_problem(
                sheet,
                number,
                "统一社会信用代码",
                f"主体 {uscc} 既不在本文件的企业名录中，也不在系统中",
                letters["uscc"],
            )


def _qualification_value(name: str, raw: Any, today: dt.date) -> Any:
    if name == "uscc":
        return parse_uscc(raw)
    if name == "kind":
        return parse_choice(raw, vocab.QUALIFICATION_KINDS, "资质类型")
    if name == "level":
        return parse_level(raw)
    if name == "certified_on":
        return check_not_future(parse_date(raw, "认定日期"), "认定日期", today)
    return None if is_blank(raw) else parse_date(raw, "有效期至")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def analyse(
    path: Path,
    file_name: str,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    district_id: int | None = None,
) -> ImportPlan:
    """Read and check a whole file; raises ImportRefused when the file as a whole cannot be used.

    `district_id`: a district's import, whose every row must be an enterprise of that district (None:
    a city-level import, any district)."""
    today = today or clock.today()
    plan = ImportPlan(file_name=file_name)
    lookups = Lookups.load(today)
    tables = read_tables(Path(path), file_name)
    found = 0
    pending_qualifications: spreadsheets.Header | None = None
    for table in tables:
        header = find_header(table, USCC_HEADERS)
        if header is None:
            if len(tables) > 1:
                plan.notices.append(
                    f"工作表“{table.name}”前 {HEADER_SEARCH_ROWS} 行没有“统一社会信用代码”列，已跳过"
                )
            continue
        is_qualification = any(
            normalise_header(h) in KIND_HEADERS for h in header.cells if isinstance(h, str)
        )
        attribute = "qualification_sheet" if is_qualification else "enterprise_sheet"
        if getattr(plan, attribute):
            kind = "资质" if is_qualification else "企业名录"
            raise ImportRefused(
                f"工作簿中有两个{kind}工作表（“{getattr(plan, attribute)}”和“{table.name}”），请合并为一个"
            )
        setattr(plan, attribute, table.name)
        found += 1
        if is_qualification:
            # Qualifications may name enterprises of this file: the enterprise table is read first.
            header.rows = iter(list(header.rows))
            pending_qualifications = header
        else:
            _check_enterprise_table(plan, header, lookups, progress)
    if found == 0:
        raise ImportRefused(
            "没有找到表头：文件前几行中应有一行写着“统一社会信用代码”“名称”等列名（见“导入格式说明”）"
        )
    if pending_qualifications is not None:
        _check_qualification_table(plan, pending_qualifications, lookups)
    if plan.total_rows == 0:
        raise ImportRefused("文件只有表头，没有数据行")
    if district_id is not None:
        _check_district_reach(plan, district_id, lookups)
    if plan.ok:
        _compare_with_registry(plan, lookups)
    if progress is not None:
        progress("读取并校验", plan.total_rows, plan.total_rows)
    return plan


def importing_district_id(user: User | None) -> int | None:
    """The district an import by `user` is limited to (core.scope); None: city-level (or no user)."""
    return scope_of(user).district_id if user is not None else None


def _registered_districts(usccs: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(usccs), 500):
        found.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "district_id"))
    return found


def _check_district_reach(plan: ImportPlan, district_id: int, lookups: Lookups) -> None:
    """A district's import only creates and updates its own district's enterprises: a row placing an
    enterprise in another district, or naming one registered in another district, is a row problem
    (so the whole file is refused and nothing is written)."""
    own = lookups.district_names.get(district_id, "")
    usccs = {r.values["uscc"] for r in plan.enterprises} | {q.uscc for q in plan.qualifications}
    registered = _registered_districts(usccs)
    beyond = f"不在您的辖区（{own}）内，本区只能导入和修改本区的市场主体，请交由所在区县或市营商办导入"
    for row in plan.enterprises:
        uscc = row.values["uscc"]
        if registered.get(uscc, district_id) != district_id:
            message = f"统一社会信用代码 {uscc} 的市场主体登记在其他区县，{beyond}"
            plan.add_problem(plan.enterprise_sheet, row.row, "统一社会信用代码", message)
        elif row.values["district_id"] != district_id:
            named = lookups.district_names.get(row.values["district_id"], "")
            plan.add_problem(plan.enterprise_sheet, row.row, "区县", f"区县“{named}”{beyond}")
    for qualification in plan.qualifications:
        if registered.get(qualification.uscc, district_id) != district_id:
            message = f"统一社会信用代码 {qualification.uscc} 的市场主体登记在其他区县，{beyond}"
            plan.add_problem(plan.qualification_sheet, qualification.row, "统一社会信用代码", message)


# --------------------------------------------------------------------------------------------------
# Comparing with the registry
# --------------------------------------------------------------------------------------------------

_COMPARED = (*ENTERPRISE_DATA_FIELDS, "uscc")
_DERIVED = ("industry_section", "industry_division", "scale")


def _existing_enterprises(usccs: list[str], *, whole: bool = False) -> dict[str, dict[str, Any]]:
    """Current values by USCC; `whole` adds what a rewrite of the row needs (provenance as JSON text)."""
    names = ["id", *_COMPARED, *((*_DERIVED, "created_at") if whole else ())]
    extra = {"provenance_text": Cast("provenance", models.TextField())} if whole else {}
    existing: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(usccs, 500):
        for record in Enterprise.objects.filter(uscc__in=chunk).values(*names, **extra):
            existing[record["uscc"]] = record
    return existing


def derive(record: dict[str, Any]) -> None:
    """The computed columns, as Enterprise.derive_fields() computes them on save()."""
    record["industry_section"], record["industry_division"] = industry_parts(record["industry_id"])
    record["scale"] = (
        classify_scale(
            record["industry_id"] or "",
            employees=record.get("employees"),
            revenue_fen=record.get("annual_revenue_fen"),
            assets_fen=record.get("total_assets_fen"),
        )
        or ""
    )


def _resolve_street(values: dict[str, Any], streets: dict[tuple[int, str], int]) -> Any:
    name = values.get("street_id")
    if name is None:
        return None
    return streets.get((values["district_id"], name), name)


def _changed_fields(
    plan: ImportPlan, row: EnterpriseRow, current: dict[str, Any], streets: dict
) -> list[str]:
    changed = []
    for name in plan.fields:
        new = _resolve_street(row.values, streets) if name == "street_id" else row.values[name]
        if new != current.get(name):
            changed.append(name)
    return changed


def _compare_with_registry(plan: ImportPlan, lookups: Lookups) -> None:
    existing = _existing_enterprises([r.values["uscc"] for r in plan.enterprises])
    counts = {"create": 0, "update": 0, "unchanged": 0}
    new_streets: dict[tuple[int, str], None] = {}
    for row in plan.enterprises:
        street = row.values.get("street_id")
        if street and (row.values["district_id"], street) not in lookups.streets:
            new_streets[(row.values["district_id"], street)] = None
        current = existing.get(row.values["uscc"])
        if current is None:
            action, changed = "create", []
        else:
            changed = _changed_fields(plan, row, current, lookups.streets)
            action = "update" if changed else "unchanged"
        counts[action] += 1
        if len(plan.sample) < MAX_SAMPLE_ROWS:
            plan.sample.append(
                {
                    "row": row.row,
                    "uscc": row.values["uscc"],
                    "name": row.values.get("name") or (current or {}).get("name", ""),
                    "action": action,
                    "changed": [FIELD_LABELS.get(f, f) for f in changed],
                }
            )
    quals = _existing_qualifications(plan)
    for row in plan.qualifications:
        current = quals.get((row.uscc, row.kind, row.level))
        if current is None:
            counts["qualification_create"] = counts.get("qualification_create", 0) + 1
        elif (current.certified_on, current.expires_on) != (row.certified_on, row.expires_on):
            counts["qualification_update"] = counts.get("qualification_update", 0) + 1
        else:
            counts["qualification_unchanged"] = counts.get("qualification_unchanged", 0) + 1
    plan.counts = counts
    plan.new_streets = [f"{lookups.district_names[d]}·{name}" for d, name in new_streets]


def _existing_qualifications(plan: ImportPlan) -> dict[tuple[str, str, str], Qualification]:
    usccs = sorted({q.uscc for q in plan.qualifications})
    found: dict[tuple[str, str, str], Qualification] = {}
    for chunk in _chunks(usccs, 500):
        for qual in Qualification.objects.filter(enterprise__uscc__in=chunk).select_related("enterprise"):
            found[(qual.enterprise.uscc, qual.kind, qual.level)] = qual
    return found


# --------------------------------------------------------------------------------------------------
# Writing
