"""Evaluating policy packs without a database, for analysts: `yingshang policies evaluate`.

Profiles come from a file in the registry's import format (docs/import-format.md: the same Chinese
headers, or their English codes, as the 企业名录 import), as .csv (UTF-8 or GB18030), .xlsx (an
企业名录 sheet and optionally a 资质 sheet) or .parquet. Cells are read with the importer's own
cell parsers (`registry.import_format`, `core.spreadsheets`; pure), so a file that imports cleanly
evaluates cleanly and the messages are the same. Every problem is collected with its row and column;
with any problem nothing is evaluated.

Qualifications: from the workbook's 资质 sheet, or a second file (`--qualifications`). Without
them the platform knows nothing about qualifications, so every qualification condition ends as
"needs confirmation" (said in a notice).

Nothing here touches the ORM: the command must run on a machine with no migrated database.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from yingshang.core import spreadsheets as ss
from yingshang.core.errors import UserError
from yingshang.core.money import format_amount
from yingshang.policies import rules
from yingshang.policies.reasons import reason_texts
from yingshang.policies.rules.batch import evaluate_batch, profiles_to_table
from yingshang.policies.rules.fields import lookup_kind
from yingshang.registry import import_format as fmt
from yingshang.registry import vocab
from yingshang.registry.models import industry_parts  # a pure function; no database
from yingshang.registry.scale import classify_scale

SUFFIXES = (".csv", ".xlsx", ".parquet")
ENTERPRISE_SHEET = "企业名录"
QUALIFICATION_SHEET = "资质"
MAX_SHOWN_PROBLEMS = 50
XLSX_MAX_ROWS = 1_048_575  # Excel's row limit, less the header


class ProfileFileError(UserError):
    """The file as a whole cannot be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # as Excel shows it (header = row 1)
    column: str  # the header as written
    message: str

    def __str__(self) -> str:
        where = (
            self.file
            + (f" 第 {self.row} 行" if self.row else "")
            + (f"“{self.column}”列" if self.column else "")
        )
        return f"{where}：{self.message}"


@dataclass
class ProfileFile:
    profiles: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the file row of each profile
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    has_qualifications: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading tables -------------------------------------------------------------------------------


@dataclass
class Sheet:
    name: str
    header_row: int
    headers: list[Any]
    rows: Iterator[tuple[int, list[Any]]]


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ProfileFileError(
            f"“{path.name}”的扩展名是“{suffix or '无'}”，企业数据文件只支持 {'、'.join(SUFFIXES)}"
        )
    if not path.exists():
        raise ProfileFileError(f"找不到文件“{path}”")
    if path.stat().st_size == 0:
        raise ProfileFileError(f"文件“{path.name}”是空的（0 字节）")
    return suffix


def _parquet_table(path: Path) -> ss.Table:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ProfileFileError(f"“{path.name}”不是可读取的 Parquet 文件：{exc}") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield 1, list(table.column_names)
        number = 1
        for batch in table.to_batches(max_chunksize=50_000):
            columns = [column.to_pylist() for column in batch.columns]
            for cells in zip(*columns, strict=True):
                number += 1
                yield number, list(cells)

    return ss.Table(name=path.name, rows=rows(), total_hint=table.num_rows + 1)


def _tables(path: Path) -> list[ss.Table]:
    suffix = _check_suffix(path)
    try:
        if suffix == ".parquet":
            return [_parquet_table(path)]
        with path.open("rb") as handle:
            magic = handle.read(4)
        if suffix == ".xlsx":
            if magic != b"PK\x03\x04":
                raise ProfileFileError(f"“{path.name}”的扩展名是 .xlsx，但内容不是 Excel 工作簿")
            return ss.read_xlsx(path)
        if magic == b"PK\x03\x04":
            raise ProfileFileError(f"“{path.name}”的扩展名是 .csv，但内容是压缩包（可能是 Excel 工作簿）")
        return [ss.read_csv(path.read_bytes(), path.name)]
    except ss.ImportRefused as exc:
        raise ProfileFileError(f"“{path.name}”：{exc.message}") from None


def _sheets(path: Path) -> list[Sheet]:
    """Every table of the file with a header row naming 统一社会信用代码 among its first rows."""
    found = []
    for table in _tables(path):
        for _ in range(ss.HEADER_SEARCH_ROWS):
            try:
                number, cells = next(table.rows)
            except StopIteration:
                break
            except ss.ImportRefused as exc:
                raise ProfileFileError(f"“{path.name}”：{exc.message}") from None
            if any(ss.normalise_header(c) in fmt.USCC_HEADERS for c in cells if isinstance(c, str)):
                found.append(Sheet(table.name, number, cells, table.rows))
                break
    if not found:
        raise ProfileFileError(
            f"“{path.name}”中没有找到表头：前几行中应有一行写着“统一社会信用代码”“名称”等列名（见导入格式说明）"
        )
    return found


def _is_qualification_sheet(sheet: Sheet) -> bool:
    return any(ss.normalise_header(h) in fmt.KIND_HEADERS for h in sheet.headers if isinstance(h, str))


def _map_columns(
    file: str, sheet: Sheet, known: dict[str, fmt.Column], columns: tuple[fmt.Column, ...]
) -> list[tuple[int, fmt.Column, str]]:
    mapped: list[tuple[int, fmt.Column, str]] = []
    by_field: dict[str, str] = {}
    for index, raw in enumerate(sheet.headers):
        written = str(raw).strip() if raw is not None else ""
        column = known.get(ss.normalise_header(written)) if written else None
        if column is None:
            continue
        if column.field in by_field:
            raise ProfileFileError(f"{file}：“{by_field[column.field]}”和“{written}”是同一项，只能保留一列")
        by_field[column.field] = written
        mapped.append((index, column, written))
    missing = [c.header for c in columns if c.required and c.field not in by_field]
    if missing:
        raise ProfileFileError(
            f"{file}（表头在第 {sheet.header_row} 行）缺少必填列：{'、'.join(dict.fromkeys(missing))}"
        )
    return mapped


# --- cells → profile values -----------------------------------------------------------------------


def _enterprise_value(column: fmt.Column, raw: Any) -> Any:
    name = column.field
    if name == "uscc":
        return fmt.parse_uscc(raw)
    if name == "name":
        return ss.parse_text(raw, "名称", 200)
    if name == "entity_type":
        return fmt.parse_choice(raw, vocab.ENTITY_TYPES, "主体类型")
    if name == "industry_id":
        return fmt.parse_industry(raw)
    if name == "district_id":
        return ss.parse_text(raw, "区县", 50)
    if name == "street_id":
        return ss.cell_text(raw) or None
    if name == "registered_on":
        return ss.parse_date(raw, "成立日期")
    if name == "employees":
        return fmt.parse_count(raw, "从业人数")
    if name == "credit_class":
        return fmt.parse_credit_class(raw) or None
    if name == "status":
        return None if ss.is_blank(raw) else fmt.parse_choice(raw, vocab.STATUSES, "登记状态")
    return ss.parse_money_fen(raw, fmt.FIELD_LABELS[name], column.unit)


def _profile(values: dict[str, Any]) -> dict[str, Any]:
    """Registry column values → the engine's profile (field keys; derived section, division, scale)."""
    industry = values.get("industry_id") or ""
    section, division = industry_parts(industry)
    profile = {
        "uscc": values["uscc"],
        "name": values.get("name"),
        "entity_type": values.get("entity_type"),
        "industry_code": industry or None,
        "industry_section": section or None,
        "industry_division": division or None,
        "district": values.get("district_id"),
        "street": values.get("street_id"),
        "registered_on": values.get("registered_on"),
        "registered_capital_fen": values.get("registered_capital_fen"),
        "employees": values.get("employees"),
        "annual_revenue_fen": values.get("annual_revenue_fen"),
        "total_assets_fen": values.get("total_assets_fen"),
        "tax_paid_fen": values.get("tax_paid_fen"),
        "credit_class": values.get("credit_class"),
        "status": values.get("status"),
    }
    profile["scale"] = (
        classify_scale(
            industry,
            employees=profile["employees"],
            revenue_fen=profile["annual_revenue_fen"],
            assets_fen=profile["total_assets_fen"],
        )
        or None
    )
    return profile


def _read_enterprises(file: str, sheet: Sheet, result: ProfileFile) -> dict[str, int]:
    mapped = _map_columns(file, sheet, fmt.ENTERPRISE_HEADERS, fmt.ENTERPRISE_COLUMNS)
    first_seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        if all(ss.is_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {}
        row_ok = True
        for index, column, written in mapped:
            raw = cells[index] if index < len(cells) else None
            try:
                values[column.field] = _enterprise_value(column, raw)
            except ss.CellProblem as problem:
                result.problems.append(Problem(file, number, written, str(problem)))
                row_ok = False
        uscc = values.get("uscc")
        if uscc is not None and uscc in first_seen:
            message = f"统一社会信用代码 {uscc} 与第 {first_seen[uscc]} 行重复：每个主体只能出现一次"
            result.problems.append(Problem(file, number, "统一社会信用代码", message))
            row_ok = False
        elif uscc is not None:
            first_seen[uscc] = number
        if row_ok:
            result.profiles.append(_profile(values))
            result.rows.append(number)
    return first_seen


def _qualification_value(name: str, raw: Any) -> Any:
    if name == "uscc":
        return fmt.parse_uscc(raw)
    if name == "kind":
        text = ss.cell_text(raw)
        kind = lookup_kind(text) if text else None
        if kind is None:
            raise ss.CellProblem(f"“{text}”不是资质类型，例如：高新技术企业、专精特新中小企业、规上工业企业")
        return kind.code
    if name == "level":
        return None if ss.is_blank(raw) else fmt.parse_level(raw)
    if name == "certified_on":
        return ss.parse_date(raw, "认定日期")
    return None if ss.is_blank(raw) else ss.parse_date(raw, "有效期至")


def _read_qualifications(file: str, sheet: Sheet, known: dict[str, int], result: ProfileFile) -> None:
    # Levels are optional here: kinds without levels (规上工业企业 …) have none.
    columns = tuple(
        fmt.Column(c.field, c.header, c.code, required=c.required and c.field != "level", aliases=c.aliases)
        for c in fmt.QUALIFICATION_COLUMNS
    )
    headers = {ss.normalise_header(n): c for c in columns for n in (c.header, c.code, *c.aliases)}
    mapped = _map_columns(file, sheet, headers, columns)
    by_uscc: dict[str, list[dict[str, Any]]] = {}
    for number, cells in sheet.rows:
        if all(ss.is_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {"level": None, "expires_on": None}
        row_ok = True
        for index, column, written in mapped:
            raw = cells[index] if index < len(cells) else None
            try:
                values[column.field] = _qualification_value(column.field, raw)
            except ss.CellProblem as problem:
                result.problems.append(Problem(file, number, written, str(problem)))
                row_ok = False
        if not row_ok:
            continue
        if values["expires_on"] is not None and values["expires_on"] < values["certified_on"]:
            message = f"有效期至 {values['expires_on']} 早于认定日期 {values['certified_on']}"
            result.problems.append(Problem(file, number, "有效期至", message))
            continue
        if values["uscc"] not in known:
            message = f"主体 {values['uscc']} 不在企业名录中"
            result.problems.append(Problem(file, number, "统一社会信用代码", message))
            continue
        record = {k: values[k] for k in ("kind", "level", "certified_on", "expires_on")}
        by_uscc.setdefault(values["uscc"], []).append(record)
    for profile in result.profiles:
        profile["qualifications"] = by_uscc.get(profile["uscc"], [])
    result.has_qualifications = True


def read_profiles(path: Path | str, qualifications: Path | str | None = None) -> ProfileFile:
    """Profiles from a file in the registry import format (plus an optional qualification file)."""
    path = Path(path)
    result = ProfileFile()
    sheets = _sheets(path)
    enterprise = [s for s in sheets if not _is_qualification_sheet(s)]
    quals = [s for s in sheets if _is_qualification_sheet(s)]
    if not enterprise:
        raise ProfileFileError(f"“{path.name}”中没有企业名录（只找到资质表）")
    if len(enterprise) > 1 or len(quals) > 1:
        raise ProfileFileError(f"“{path.name}”中有多个企业名录或资质工作表，请合并为一个")
    file = path.name if path.suffix.lower() != ".xlsx" else f"{path.name}［{enterprise[0].name}］"
    known = _read_enterprises(file, enterprise[0], result)
    if quals:
        _read_qualifications(f"{path.name}［{quals[0].name}］", quals[0], known, result)
    if qualifications is not None:
        if quals:
            raise ProfileFileError(f"“{path.name}”中已有资质工作表，不能再另给资质文件")
        extra = Path(qualifications)
        qual_sheets = [s for s in _sheets(extra) if _is_qualification_sheet(s)]
        if not qual_sheets:
            raise ProfileFileError(f"“{extra.name}”中没有资质表（应有“资质类型”列）")
        _read_qualifications(extra.name, qual_sheets[0], known, result)
    if not result.has_qualifications:
        result.notices.append("未提供资质数据：各项资质条件的结论均为“需企业确认”")
    if not result.profiles and not result.problems:
        raise ProfileFileError(f"“{path.name}”只有表头，没有数据行")
    return result


# --- evaluating and writing -----------------------------------------------------------------------


OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("pack_id", "政策包"),
    ("policy_id", "政策编号"),
    ("item_id", "奖励项编号"),
    ("item_title", "奖励项"),
    ("item_version", "奖励项版本"),
    ("verdict", "结论代码"),
    ("verdict_label", "结论"),
    ("mode", "兑现方式"),
    ("amount_fen", "金额（分）"),
    ("payable_fen", "不重复奖后应兑付（分）"),
    ("reason_codes", "原因代码"),
    ("reasons", "原因"),
    ("to_confirm", "需确认事项"),
)


def evaluate_profiles(pack: rules.Pack, profiles: list[dict[str, Any]], as_of: dt.date) -> pl.DataFrame:
    """Every (profile, current item) pair, not-eligible ones included, as one frame of OUTPUT_COLUMNS
    (lists for reason_codes, reasons, to_confirm)."""
    table = rules_table(profiles)
    result = evaluate_batch(table, [pack], as_of, keep=[v.value for v in rules.Verdict], reasons="lists")
    rows = pa.chunked_array([chunk.indices for chunk in result.column("uscc").chunks], pa.int32())
    frame = pl.from_arrow(result.drop_columns(["uscc"]).append_column("__row", rows))
    assert isinstance(frame, pl.DataFrame)
    entities = pl.DataFrame(
        {"uscc": [p["uscc"] for p in profiles], "name": [p.get("name") for p in profiles]},
        schema={"uscc": pl.String, "name": pl.String},
    ).with_row_index("__row")
    items = {item.id: item for _, item in pack.items()}
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("policy_id", "item_id", "item_version", "verdict", "mode")
    )
    combos = frame.select("item_id", "reason_codes").unique()
    texts = combos.with_columns(
        pl.Series(
            "reasons",
            [reason_texts(items[i], codes) for i, codes in combos.iter_rows()],
            dtype=pl.List(pl.String),
        )
    )
    labels = {v.value: v.label for v in rules.Verdict}
    titles = {i: item.title for i, item in items.items()}
    frame = (
        frame.with_columns(pl.col("__row").cast(pl.UInt32))
        .join(entities, on="__row", how="left")
        .join(texts, on=["item_id", "reason_codes"], how="left", nulls_equal=True)
        .with_columns(
            pl.lit(pack.id).alias("pack_id"),
            pl.col("item_id").replace_strict(titles, return_dtype=pl.String).alias("item_title"),
            pl.col("verdict").replace_strict(labels, return_dtype=pl.String).alias("verdict_label"),
        )
        .sort(["__row", "item_id"], maintain_order=True)
    )
    return frame.select([name for name, _ in OUTPUT_COLUMNS])


def rules_table(profiles: list[dict[str, Any]]) -> pa.Table:
    return profiles_to_table(profiles)


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with "；" and Chinese headers: what a spreadsheet user reads."""
    lists = [c for c, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    flat = frame.with_columns(pl.col(c).list.join("；") for c in lists)
    return flat.rename(dict(OUTPUT_COLUMNS))


def write_results(frame: pl.DataFrame, out: Path) -> None:
    """.csv (UTF-8 with BOM, for Excel), .xlsx or .parquet by the name's extension; written to a
    temporary file first and moved into place, so a failure never leaves half a file."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ProfileFileError(f"输出文件“{out.name}”的扩展名应为 {'、'.join(SUFFIXES)} 之一")
    if suffix == ".xlsx" and frame.height > XLSX_MAX_ROWS:
        raise ProfileFileError(
            f"结果有 {frame.height:,} 行，超过 Excel 的行数上限（{XLSX_MAX_ROWS:,} 行），"
            "请改用 .csv 或 .parquet"
        )
    directory = out.resolve().parent
    if not directory.is_dir():
        raise ProfileFileError(f"输出目录“{directory}”不存在")
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=directory, prefix=".evaluate-")
    os.close(handle)
    try:
        if suffix == ".parquet":
            frame.write_parquet(temporary)
        elif suffix == ".csv":
            with open(temporary, "wb") as stream:
                stream.write("\ufeff".encode())
                _flat(frame).write_csv(stream)
        else:
            _write_xlsx(_flat(frame), Path(temporary))
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; the result is an ordinary file
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """The results in the house style; names from the input file stay text whatever they look like."""
    ss.save_workbook([ss.Sheet(title="测算结果", headers=frame.columns, rows=frame.iter_rows())], path)


def summary_lines(frame: pl.DataFrame, pack: rules.Pack) -> list[str]:
    """Per item, in pack order: how many are eligible / need confirmation, and the payable total."""
    grouped = frame.group_by("item_id").agg(
        pl.col("item_title").first(),
        (pl.col("verdict") == "eligible").sum().alias("eligible"),
        (pl.col("verdict") == "needs_confirmation").sum().alias("confirm"),
        pl.col("payable_fen").sum().alias("payable"),
    )
    lines = {row["item_id"]: row for row in grouped.iter_rows(named=True)}
    return [
        f"{row['item_title']}：符合 {row['eligible']:,}，需确认 {row['confirm']:,}，"
        f"应兑付 {format_amount(int(row['payable'] or 0))}"
        for _, item in pack.items()
        if (row := lines.get(item.id)) is not None
    ]
