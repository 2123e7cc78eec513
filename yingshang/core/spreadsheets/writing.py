"""Files out: .xlsx in the house style (openpyxl write-only) and .csv, formula-like text kept as text."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from yingshang.core.spreadsheets.cells import column_letter

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
