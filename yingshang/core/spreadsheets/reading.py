"""Files in: .xlsx through python-calamine (with Excel's error cells found in the sheet XML), .csv in
UTF-8 or GB18030, size checks, and `read_sheet` for a one-table file."""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from yingshang.core.spreadsheets.cells import (
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    CellError,
    ColumnSpec,
    ImportRefused,
    Table,
    TypedSheet,
    column_index,
    find_header,
    map_columns,
    typed_rows,
)


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
