"""Spreadsheets in and out, one way for every app: read .xlsx/.csv into typed rows, write .xlsx/.csv.

Reading. `read_tables(path, file_name)` opens a file as what its content is (not what its name says):
an .xlsx through python-calamine (a maintained Rust reader; bench/bench_spreadsheets.py measured it
against the hand-written lxml reader it replaced), a .csv in UTF-8 (with or without BOM) or GB18030.
Each sheet is a `Table` of rows `(row number as Excel shows it, cells)`. Cells come back as Python
values: None for an empty cell, str, int for a whole number (Excel stores every number as a double;
whole numbers up to 2**53 become int), float, bool, datetime.date/datetime for a cell formatted as a
date, `CellError` for an Excel error value (#N/A, #REF! …). `find_header` finds the header row among
the first rows, `map_columns` maps its headers to `ColumnSpec`s and `typed_rows` turns each row into
typed values, reporting every bad cell as a `Problem` (sheet, row, header as written, column letter,
what is wrong, in Chinese). `read_sheet` does all of that for a one-table file.

The cell parsers (`cell_text`, `parse_text`, `parse_date`, `parse_integer`, `parse_money_fen`) are pure
and raise `CellProblem` with a Chinese message; money becomes integer fen exactly, never through a
float and never rounded. A file that cannot be used at all raises `ImportRefused`.

Writing. `write_workbook(sheets)` / `save_workbook(sheets, target)` write .xlsx in one house style (a
bold header row, frozen below it, column widths, Chinese headers, the sheet name) in openpyxl's
write-only mode, so rows may be a generator of any length. A text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return (OWASP "CSV injection") is written as text, never as a formula; numbers
stay numbers. `write_csv` applies the same rule by prefixing such text with a single quote.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import math
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

__all__ = [
    "FORMULA_PREFIXES",
    "HEADER_SEARCH_ROWS",
    "MAX_FEN",
    "XLSX_CONTENT_TYPE",
    "CellError",
    "CellProblem",
    "ColumnMap",
    "ColumnSpec",
    "Header",
    "ImportRefused",
    "MappedColumn",
    "Problem",
    "Sheet",
    "Table",
    "TypedRow",
    "TypedSheet",
    "cell_text",
    "check_size",
    "column_index",
    "column_letter",
    "decode_csv",
    "find_header",
    "is_blank",
    "is_formula_like",
    "map_columns",
    "normalise_header",
    "parse_date",
    "parse_integer",
    "parse_money_fen",
    "parse_text",
    "read_csv",
    "read_sheet",
    "read_tables",
    "read_xlsx",
    "save_workbook",
    "size_text",
    "typed_rows",
    "write_csv",
    "write_workbook",
]

HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in government spreadsheets
MAX_FEN = 2**63 - 1  # what a bigint column holds
MAX_ROWS = 1_000_000
FEN_PER_UNIT = {"yi": 10_000_000_000, "wan": 1_000_000, "yuan": 100}
UNIT_DECIMALS = {"yi": 10, "wan": 6, "yuan": 2}
UNIT_NAMES = {"yi": "亿元", "wan": "万元", "yuan": "元"}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The whole file (or the request) cannot be imported; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellProblem(ValueError):
    """One cell cannot be read as what its column needs; the text says why, in Chinese."""


class CellError:
    """An Excel error value (#N/A, #REF! …) found in a cell."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellError) and other.code == self.code

    def __hash__(self) -> int:
        return hash(("CellError", self.code))


@dataclass(frozen=True)
class Problem:
    """What is wrong where: one bad cell, a bad row or (row None) the whole sheet."""

    sheet: str  # the sheet name; for a CSV the file name
    row: int | None  # the row number the user sees in Excel (header = 1); None for the whole sheet
    column: str  # the header as written in the file; "" when not about one column
    message: str
    letter: str = ""  # the column letter as Excel shows it ("D"); "" when not known

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
        }

    def where(self, file_name: str = "") -> str:
        """“名录.xlsx”工作表“企业名录”第 3 行 D 列“行业代码”: the place, as said in messages."""
        parts = []
        if file_name:
            parts.append(f"“{file_name}”")
        if self.sheet and self.sheet != file_name:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        space = " " if self.row is not None else ""  # 第 3 行 D 列: a space between number-like words
        if self.letter and self.column:
            parts.append(f"{space}{self.letter} 列“{self.column}”")
        elif self.letter:
            parts.append(f"{space}{self.letter} 列")
        elif self.column:
            parts.append(f"“{self.column}”列")
        return "".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}：{self.message}"

    def describe(self, file_name: str = "") -> str:
        """The whole message: place and what is wrong."""
        return f"{self.where(file_name)}：{self.message}"


# --------------------------------------------------------------------------------------------------
# Cells (pure)
# --------------------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """The text of a cell; a whole number stored by Excel as 3911.0 reads as '3911'."""
    if isinstance(value, CellError):
        raise CellProblem(f"单元格是 Excel 错误值 {value.code}，请改为实际数据")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_text(value: Any, label: str, max_length: int) -> str:
    """Non-empty text of at most `max_length` characters."""
    text = cell_text(value)
    if not text:
        raise CellProblem(f"{label}不能为空")
    if len(text) > max_length:
        raise CellProblem(f"{label}过长：{len(text)} 个字，最多 {max_length} 个字")
    return text


_DATE_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any, label: str) -> dt.date:
    """A date cell, or text such as 2024-05-01, 2024/5/1, 2024.05.01, 2024年5月1日, 20240501."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and not (isinstance(value, int) and 19000101 <= value <= 29991231)
    ):
        raise CellProblem(f"{label}“{cell_text(value)}”是数字不是日期，请填写如 2024-05-01 的日期")
    text = cell_text(value)
    if not text:
        raise CellProblem(f"{label}不能为空")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                day_value = dt.date(year, month, day)
            except ValueError:
                raise CellProblem(f"{label}“{text}”不是存在的日期") from None
            if year < 1900:
                raise CellProblem(f"{label}“{text}”早于 1900 年，请核对")
            return day_value
    raise CellProblem(f"{label}“{text}”格式不对，请填写如 2024-05-01 的日期")


_GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_INTEGER_TEXT = re.compile(r"-?\d+(\.0+)?")


def parse_integer(
    value: Any, label: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """A whole number (120, 120.0, "1,200"); a blank cell is unknown (None), never 0."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellProblem(f"{label}应为整数")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise CellProblem(f"{label}应为整数：{value!r}")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = cell_text(value)
        if _GROUPED_NUMBER.match(text):
            text = text.replace(",", "")
        if len(text) > 30 or not _INTEGER_TEXT.fullmatch(text):
            raise CellProblem(f"{label}“{text[:30]}”应为整数")
        number = int(text.split(".")[0])
    if minimum is not None and number < minimum:
        raise CellProblem(
            f"{label}不能为负数：{number}" if minimum == 0 else f"{label}不能小于 {minimum}：{number}"
        )
    if maximum is not None and number > maximum:
        raise CellProblem(f"{label} {number} 超过上限 {maximum}，请核对")
    return number


_PLAIN_DECIMAL = re.compile(r"(\d{1,19})(?:\.(\d+))?")
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*(亿元|亿|万元|万|元)$")
_UNIT_OF_SUFFIX = {"亿元": "yi", "亿": "yi", "万元": "wan", "万": "wan", "元": "yuan"}


def parse_money_fen(value: Any, label: str, unit: str = "yuan", *, unit_in_text: bool = False) -> int | None:
    """An amount in 元 (`unit="yuan"`), 万元 ("wan") or 亿元 ("yi") → integer fen, exactly.

    A blank cell is unknown (None), never 0. Digits beyond a fen are refused, never rounded; a float
    cell is read as the shortest decimal that is that double (what the user typed). With
    `unit_in_text`, text that names its own unit ("5.5万元", "1,200元", "3亿") is read in that unit.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellProblem(f"{label}应为数字（单位：{UNIT_NAMES[unit]}）")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem(f"{label}应为数字（单位：{UNIT_NAMES[unit]}）")
        text = repr(value)  # the shortest text that reads back as this double: what the user typed
    else:
        text = cell_text(value)
        if unit_in_text:
            suffix = _UNIT_SUFFIX.match(text)
            if suffix and suffix.group(1):
                text, unit = suffix.group(1).strip(), _UNIT_OF_SUFFIX[suffix.group(2)]
        if _GROUPED_NUMBER.match(text):
            text = text.replace(",", "")
    unit_name = UNIT_NAMES[unit]
    plain = _PLAIN_DECIMAL.fullmatch(text)
    decimals = UNIT_DECIMALS[unit]
    if plain and len(plain.group(2) or "") <= decimals:
        # Integer arithmetic on the digits: exact, and much faster than Decimal for 400,000 cells.
        fen = int(plain.group(1)) * FEN_PER_UNIT[unit] + int((plain.group(2) or "").ljust(decimals, "0"))
        if fen > MAX_FEN:
            raise CellProblem(f"{label}“{text}”数值过大，请核对单位")
        return fen
    if len(text) > 40:
        raise CellProblem(f"{label}“{text[:40]}…”过长，不是有效金额")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellProblem(f"{label}“{text}”不是数字（单位：{unit_name}，不要带单位或文字）") from None
    if not amount.is_finite():
        raise CellProblem(f"{label}“{text}”不是数字")
    if amount < 0:
        raise CellProblem(f"{label}不能为负数：{text}")
    with localcontext(prec=80):
        fen_value = amount * FEN_PER_UNIT[unit]
        if fen_value != fen_value.to_integral_value():
            raise CellProblem(
                f"{label}“{text}”精确到分最多 {decimals} 位小数（单位：{unit_name}），"
                "系统不做四舍五入，请核对"
            )
    if fen_value > MAX_FEN:
        raise CellProblem(f"{label}“{text}”数值过大，请核对单位")
    return int(fen_value)


# --------------------------------------------------------------------------------------------------
# Headers and typed rows
# --------------------------------------------------------------------------------------------------


def normalise_header(text: Any) -> str:
    """'注册资本(万元) ' and '*注册资本（万元）' are the same header; English codes ignore case."""
    value = str(text if text is not None else "")
    value = value.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", "")
    return value.strip().lstrip("*＊").lower()


def column_letter(index: int) -> str:
    """The letter Excel shows for a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of a column letter: A → 0, AA → 26."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


@dataclass
class Table:
    """One sheet of a workbook (or a whole CSV file), read lazily row by row."""

    name: str  # the sheet name, or the file name for a CSV
    rows: Iterator[tuple[int, list[Any]]]  # (row number as Excel shows it, cells)
    total_hint: int | None = None  # the last row number, when the file says it; for progress bars


@dataclass
class Header:
    """The header row of a table and the rows after it."""

    table: str
    row: int
    cells: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    total_hint: int | None = None


def find_header(
    table: Table, names: Collection[str], *, search_rows: int = HEADER_SEARCH_ROWS
) -> Header | None:
    """The first of the table's first `search_rows` rows with a cell naming one of `names`."""
    wanted = {normalise_header(name) for name in names}
    for seen, (number, cells) in enumerate(table.rows, start=1):
        if any(normalise_header(c) in wanted for c in cells if isinstance(c, str)):
            return Header(table.name, number, cells, table.rows, table.total_hint)
        if seen >= search_rows:
            return None
    return None


@dataclass(frozen=True)
class ColumnSpec:
    """A column a file may have: its canonical header, other accepted headers and its cell parser."""

    key: str  # key of the typed row; two specs with the same key are one item written two ways
    header: str  # the canonical Chinese header
    parse: Callable[[Any], Any] = cell_text  # cell → value; raises CellProblem
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers that mean this column (an English code, older names)


@dataclass(frozen=True)
class MappedColumn:
    index: int  # 0-based cell index
    spec: ColumnSpec
    written: str  # the header as written in the file

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class ColumnMap:
    columns: list[MappedColumn]
    ignored: list[str]  # headers in the file that no spec names (and not in `ignore`)

    def letter_of(self, key: str) -> str:
        return next((c.letter for c in self.columns if c.spec.key == key), "")


def map_columns(
    headers: Sequence[Any],
    specs: Sequence[ColumnSpec],
    *,
    sheet: str,
    ignore: Collection[str] = (),
    hint: str = "",
) -> ColumnMap:
    """Match the header cells to `specs`; refuses a header row that lacks a required column or names
    one item twice (e.g. 注册资本（万元） and 注册资本（元））. `hint` ends those messages."""
    known: dict[str, ColumnSpec] = {}
    for spec in specs:
        for name in (spec.header, *spec.aliases):
            known.setdefault(normalise_header(name), spec)
    mapped: list[MappedColumn] = []
    by_key: dict[str, str] = {}
    ignored: list[str] = []
    tail = f"。{hint}" if hint else ""
    for index, raw in enumerate(headers):
        written = str(raw) if isinstance(raw, CellError) else cell_text(raw)
        if not written:
            continue
        found = known.get(normalise_header(written))
        if found is None:
            if written not in ignore:
                ignored.append(written)
            continue
        spec = found
        if spec.key in by_key:
            raise ImportRefused(f"工作表“{sheet}”中“{by_key[spec.key]}”和“{written}”是同一项，只能保留一列")
        by_key[spec.key] = written
        mapped.append(MappedColumn(index, spec, written))
    missing = [s.header for s in specs if s.required and s.key not in by_key]
    if missing:
        raise ImportRefused(f"工作表“{sheet}”缺少必填列：{'、'.join(dict.fromkeys(missing))}{tail}")
    return ColumnMap(mapped, ignored)


@dataclass
class TypedRow:
    number: int  # the row number as Excel shows it
    values: dict[str, Any]  # spec key → parsed value, for the cells that parsed
    ok: bool  # every cell parsed


def typed_rows(
    rows: Iterable[tuple[int, list[Any]]],
    columns: Sequence[MappedColumn],
    *,
    sheet: str,
    report: Callable[[Problem], None],
) -> Iterator[TypedRow]:
    """Each non-blank row parsed column by column; every bad cell is reported, not only the first."""
    parsers = [(c.index, c.spec.key, c.written, c.letter, c.spec.parse) for c in columns]
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {}
        ok = True
        width = len(cells)
        for index, key, written, letter, parse in parsers:
            try:
                values[key] = parse(cells[index] if index < width else None)
            except CellProblem as problem:
                report(Problem(sheet, number, written, str(problem), letter))
                ok = False
        yield TypedRow(number, values, ok)


@dataclass
class TypedSheet:
    """A one-table file read and checked: the valid rows and every problem."""

    file_name: str
    sheet: str
    header_row: int
    columns: ColumnMap
    rows: list[TypedRow] = field(default_factory=list)  # only rows whose every cell parsed
    problems: list[Problem] = field(default_factory=list)
    total_rows: int = 0  # non-blank data rows, good and bad

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        return [problem.describe(self.file_name) for problem in self.problems]


def read_sheet(
    path: Path,
    file_name: str,
    specs: Sequence[ColumnSpec],
    *,
    marker: Collection[str] | None = None,
    ignore: Collection[str] = (),
    max_rows: int = MAX_ROWS,
    max_bytes: int | None = None,
) -> TypedSheet:
    """Read a one-table file into typed rows: the first sheet whose header row (among its first
    rows) names one of `marker` (by default the headers of the first required spec).

    Raises ImportRefused when the file cannot be read, has no such header, misses a required column
    or has no data rows; bad cells are collected in `problems`, never raised.
    """
    if marker is None:
        first = next((s for s in specs if s.required), specs[0])
        marker = (first.header, *first.aliases)
    for table in read_tables(path, file_name, max_bytes=max_bytes):
        header = find_header(table, marker)
        if header is not None:
            break
    else:
        names = "”“".join(s.header for s in specs if s.required) or specs[0].header
        raise ImportRefused(
            f"“{file_name}”中没有找到表头：前 {HEADER_SEARCH_ROWS} 行中应有一行写着“{names}”等列名"
        )
    columns = map_columns(header.cells, specs, sheet=header.table, ignore=ignore)
    result = TypedSheet(file_name, header.table, header.row, columns)
    for row in typed_rows(header.rows, columns.columns, sheet=header.table, report=result.problems.append):
        result.total_rows += 1
        if result.total_rows > max_rows:
            raise ImportRefused(f"“{file_name}”超过 {max_rows:,} 行，请拆分后分批导入")
        if row.ok:
            result.rows.append(row)
    if result.total_rows == 0:
        raise ImportRefused(f"“{file_name}”只有表头，没有数据行")
    return result


# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


def size_text(size: int) -> str:
    """50 MB, 20.5 MB, 300 KB: how a file size is said in messages."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def check_size(size: int, limit: int | None = None) -> None:
    """Refuse a file over `limit` bytes (default: the IMPORT_MAX_BYTES setting)."""
    if limit is None:
        limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRefused(
            f"文件大小 {size_text(size)}，超过导入上限 {size_text(limit)}。"
            "请把文件拆成几个较小的文件分批导入（重复导入按统一社会信用代码更新，不会重复）。"
        )


def read_tables(path: Path, file_name: str, *, max_bytes: int | None = None) -> list[Table]:
    """Open the file as what its content is (not what its name says) and return its tables.

    `file_name` is the name the user gave the file (an upload is stored under another name); its
    extension must be .xlsx or .csv. `max_bytes` defaults to the IMPORT_MAX_BYTES setting.
    """
    path = Path(path)
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportRefused(f"只支持 .xlsx 和 .csv 文件，“{file_name}”的扩展名是“{suffix or '无'}”")
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"文件“{file_name}”是空的（0 字节），请检查是否选错了文件")
    check_size(size, max_bytes)
    with path.open("rb") as handle:
        magic = handle.read(8)
    is_zip = magic.startswith(b"PK\x03\x04")
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            "这是旧版 Excel（.xls）或其他 Office 文件，请在 Excel 中“另存为” .xlsx 格式后再导入"
        )
    if suffix == ".xlsx" and not is_zip:
        raise ImportRefused(
            f"文件扩展名为 .xlsx，但内容不是 Excel 工作簿（看起来是文本/CSV 文件）。"
            f"请用 Excel 打开“{file_name}”后另存为 .xlsx，或把扩展名改为 .csv 再导入"
        )
    if suffix == ".csv" and is_zip:
        raise ImportRefused(
            "文件扩展名为 .csv，但内容是压缩包（可能是 Excel 工作簿）。"
            "请把扩展名改为 .xlsx，或在 Excel 中另存为 CSV"
        )
    if is_zip:
        return read_xlsx(path)
    return [read_csv(path.read_bytes(), file_name)]


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM) or GB18030 (which includes GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”后再导入"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ImportRefused(
        "无法识别文件内容：它不是 UTF-8 或 GB18030（GBK）编码的 CSV 文本，也不是 Excel 工作簿"
    )


def read_csv(data: bytes, file_name: str) -> Table:
    """A CSV (comma- or tab-separated) as one table named after the file; cells are text."""
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return Table(name=Path(file_name).name, rows=_csv_rows(reader), total_hint=text.count("\n"))


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error:
        raise ImportRefused(
            f"CSV 文件第 {number + 1} 行附近格式有误（引号不配对或单元格过长），无法读取"
        ) from None


_BROKEN_WORKBOOK = "Excel 工作簿内容损坏，无法读取，请在 Excel 中打开后重新保存为 .xlsx"


def read_xlsx(path: Path) -> list[Table]:
    """Every worksheet of an .xlsx workbook, read by python-calamine (chart sheets are left out)."""

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused("文件是损坏的压缩包，不是有效的 Excel 工作簿，请重新导出或另存为 .xlsx") from None
    if "xl/workbook.xml" not in names:
        raise ImportRefused("文件是压缩包，但不是 Excel 工作簿（.xlsx），可能是 Word 或其他文件")
    tables = []
    try:
        with Path(path).open("rb") as handle, CalamineWorkbook.from_filelike(handle) as book:
            sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            errors = _error_cells(Path(path), names) if sheets else {}
            for name in sheets:
                # The whole sheet is read here (calamine has no streaming reader): a broken sheet is
                # refused before any row is used. Its rows become Python values one row at a time.
                sheet = book.get_sheet_by_name(name)
                end = sheet.end
                rows = _sheet_rows(sheet, errors.get(name, {}))
                tables.append(Table(name, rows, total_hint=end[0] + 1 if end else 0))
    except (CalamineError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ImportRefused(_BROKEN_WORKBOOK) from None
    if not tables:
        raise ImportRefused("Excel 工作簿里没有工作表")
    return tables


_EXACT_INT = 2**53  # beyond it a double no longer holds every whole number


def _sheet_rows(sheet: Any, errors: dict[int, dict[int, CellError]]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of a calamine sheet: empty cells None, whole numbers int, blank rows left out."""
    start = sheet.start
    if start is None:  # an empty sheet (calamine's row iterator needs a start)
        return
    lead: list[Any] = [None] * start[1]  # calamine leaves out the empty columns left of the data
    limit = _EXACT_INT
    for index, raw in enumerate(sheet.iter_rows()):  # row 0 is the sheet's first row, whatever start is
        cells = [
            None
            if value == ""
            else int(value)
            if value.__class__ is float and value.is_integer() and -limit <= value <= limit
            else value
            for value in raw
        ]
        if lead:
            cells[:0] = lead
        if errors and index in errors:
            for column, error in errors[index].items():
                if column >= len(cells):
                    cells.extend([None] * (column - len(cells) + 1))
                cells[column] = error
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            yield index + 1, cells


# calamine reads an error cell (#N/A, #REF! …) as empty. A blank is "unknown" in an import, so an error
# must not pass for one: the worksheets are scanned for error cells (cheap: a plain byte search for
# t="e", and a parse only of a sheet that has one) and those cells come back as CellError.
_ERROR_MARKERS = (b't="e"', b"t='e'")
_ERROR_MARKER = re.compile(rb"""\bt=["']e["']""")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c\s")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})([0-9]+)["']""")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
_SCAN_CHUNK = 1 << 22


def _error_cells(path: Path, names: set[str]) -> dict[str, dict[int, dict[int, CellError]]]:
    """Sheet name → row index → column index → the error value, for every error cell with a reference."""
    found: dict[str, dict[int, dict[int, CellError]]] = {}
    members = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    with zipfile.ZipFile(path) as archive:
        hits = [member for member in members if _has_error_marker(archive, member)]
        if not hits:
            return found
        sheet_of = _sheet_members(archive, names)
        for member in hits:
            name = sheet_of.get(member)
            if name is not None:
                found[name] = _parse_error_cells(archive.read(member))
    return found


def _has_error_marker(archive: zipfile.ZipFile, member: str) -> bool:
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            window = tail + chunk
            if any(marker in window for marker in _ERROR_MARKERS):  # memchr-fast, unlike a regex
                return True
            tail = chunk[-8:]
    return False


def _parse_error_cells(data: bytes) -> dict[int, dict[int, CellError]]:
    cells: dict[int, dict[int, CellError]] = {}
    for marker in _ERROR_MARKER.finditer(data):
        start = data.rfind(b"<", 0, marker.start())
        end = data.find(b">", marker.end())
        if start < 0 or end < 0 or not _CELL_TAG.match(data, start):
            continue  # not an attribute of a <c> start tag
        ref = _CELL_REF.search(data, start, end)
        if ref is None or data[end - 1 : end] == b"/":
            continue  # no reference to place it by, or no value
        close = _CELL_END.search(data, end)
        value = _CELL_VALUE.search(data, end, close.start() if close else len(data))
        if value is None:
            continue
        code = value.group(1).decode("utf-8", "replace").strip() or "#N/A"
        row = int(ref.group(2)) - 1
        cells.setdefault(row, {})[column_index(ref.group(1).decode())] = CellError(code)
    return cells


def _sheet_members(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Archive member of each worksheet → its sheet name, from xl/workbook.xml and its relationships."""

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    rels_member = "xl/_rels/workbook.xml.rels"
    if rels_member not in names:
        return {}
    targets = {}
    for rel in etree.fromstring(archive.read(rels_member), parser):
        target = rel.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        targets[rel.get("Id", "")] = member
    result = {}
    for sheet in etree.fromstring(archive.read("xl/workbook.xml"), parser).iter("{*}sheet"):
        rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
        if rel_id in targets:
            result[targets[rel_id]] = sheet.get("name", "")
    return result


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_PEEK_ROWS = 100  # rows looked at to size the columns
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def is_formula_like(text: str) -> bool:
    """Text that Excel (or LibreOffice, or a CSV import) would take for a formula."""
    return text.startswith(FORMULA_PREFIXES)


@dataclass
class Sheet:
    """One worksheet to write: a title (the sheet name), Chinese headers and the rows under them."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]  # may be a generator: rows are written as they come
    widths: Sequence[float | None] | None = None  # in characters; None: from the header and first rows
    caption: str = ""  # a bold line above the header ("政策兑现拨付清单 批次 …")
    formats: Mapping[int, str] = field(default_factory=dict)  # 0-based column → number format ("0.00", "@")


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text[:_MAX_WIDTH])


def _sheet_title(title: str, used: set[str]) -> str:
    name = _BAD_TITLE.sub("_", title).strip("'")[:31] or "Sheet"
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{name[: 31 - len(str(number)) - 1]}_{number}"
    used.add(candidate)
    return candidate


def _text_cell(sheet: Any, text: str, style: Any = None) -> Any:
    """A cell that holds `text` as text whatever it looks like (a formula, an error value)."""

    cell = WriteOnlyCell(sheet)
    cell.value = text  # data_type 'f' for "=…", 'e' for "#N/A": overridden below
    cell.data_type = "s"
    if style is not None:
        cell._style = copy.copy(style)
    cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


class _FormattedColumn:
    """One reusable cell per formatted column: openpyxl's write-only sheet writes a row out as soon as
    it is appended, so the cell can carry the next row's value (a new styled cell per value, with its
    number_format set, costs ~10 µs: seconds for a 100,000-row export)."""

    def __init__(self, sheet: Any, number_format: str) -> None:

        self.cell = WriteOnlyCell(sheet)
        self.cell.number_format = number_format
        self.style = copy.copy(self.cell._style)

    def holding(self, value: Any) -> Any:
        cell = self.cell
        cell.value = value
        if cell._style != self.style:  # a date value brings its own date format: the column's wins
            cell._style = copy.copy(self.style)
        return cell


def _local_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value

    return timezone.localtime(value).replace(tzinfo=None)


def _cells(sheet: Any, values: Sequence[Any], formatted: Mapping[int, _FormattedColumn]) -> list[Any]:
    out: list[Any] = []
    for position, value in enumerate(values):
        column = formatted.get(position) if formatted else None
        if isinstance(value, str):
            if _ILLEGAL_XML.search(value):
                value = _ILLEGAL_XML.sub("", value)
            if value.startswith(FORMULA_PREFIXES) or value in _EXCEL_ERROR_TEXTS:
                out.append(_text_cell(sheet, value, column.style if column else None))
                continue
        elif isinstance(value, dt.datetime):
            value = _local_naive(value)
        elif isinstance(value, Decimal) and not value.is_finite():
            value = str(value)
        out.append(column.holding(value) if column is not None and value is not None else value)
    return out


def _write_sheet(book: Any, spec: Sheet, used_titles: set[str]) -> int:

    sheet = book.create_sheet(_sheet_title(spec.title, used_titles))
    rows = iter(spec.rows)
    first = list(itertools.islice(rows, _PEEK_ROWS))
    headers = list(spec.headers)
    for position in range(len(headers)):
        width = spec.widths[position] if spec.widths and position < len(spec.widths) else None
        if width is None:
            seen = [_display_width(headers[position])]
            seen += [_display_width(r[position]) for r in first if position < len(r)]
            width = min(_MAX_WIDTH, max(_MIN_WIDTH, max(seen) + 2))
        sheet.column_dimensions[column_letter(position)].width = width
    header_row = 2 if spec.caption else 1
    sheet.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    if spec.caption:
        caption = WriteOnlyCell(sheet, value=spec.caption)
        caption.font = Font(bold=True, size=12)
        if is_formula_like(spec.caption):
            caption.data_type = "s"
        sheet.append([caption])
    header_cells = []
    for text in headers:
        cell = _text_cell(sheet, text) if is_formula_like(text) else WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    formatted = {position: _FormattedColumn(sheet, fmt) for position, fmt in spec.formats.items()}
    for values in itertools.chain(first, rows):
        sheet.append(_cells(sheet, values, formatted))
        count += 1
    return count


def save_workbook(sheets: Sequence[Sheet], target: str | PathLike[str] | IO[bytes]) -> list[int]:
    """Write `sheets` as one .xlsx workbook into a path or a binary file; returns the rows per sheet."""

    book = Workbook(write_only=True)
    used: set[str] = set()
    counts = [_write_sheet(book, spec, used) for spec in sheets]
    if not sheets:
        book.create_sheet("Sheet")
    book.save(target)
    return counts


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """`sheets` as the bytes of one .xlsx workbook (for a download or an e-mail attachment)."""
    buffer = io.BytesIO()
    save_workbook(sheets, buffer)
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if isinstance(value, dt.datetime):
        return _local_naive(value).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel reads the Chinese): text that starts like a formula gets a
    leading single quote, so no spreadsheet runs it; numbers are written as they are."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in headers])
    for values in rows:
        writer.writerow([_csv_value(v) for v in values])
    return buffer.getvalue().encode(encoding)
