"""The hand-written lxml .xlsx reader the application used until python-calamine replaced it.

Kept here, unchanged apart from its imports, only as the baseline of bench_spreadsheets.py: the
decision to read workbooks with calamine is re-checked by running that benchmark again. Nothing in
the application imports this module.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from yingshang.core.spreadsheets import CellError, ImportRefused, Table

# Built-in number formats that are dates: the western ones and those of Chinese/Japanese Excel.
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return any(letter in code for letter in "ymdhs")


@dataclass
class _Workbook:
    archive: zipfile.ZipFile
    ns: str
    sheets: list[tuple[str, str]]  # (name, path inside the archive)
    shared: list[str]
    date_styles: set[int]
    epoch: dt.datetime


def _xml_root(archive: zipfile.ZipFile, member: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with archive.open(member) as handle:
        return etree.parse(handle, parser).getroot()


def _relationships(archive: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    folder, name = posixpath.split(member)
    rels_member = posixpath.join(folder, "_rels", name + ".rels")
    if rels_member not in archive.namelist():
        return {}
    result = {}
    for rel in _xml_root(archive, rels_member):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        result[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return result


def _open_workbook(path: Path) -> _Workbook:
    try:
        archive = zipfile.ZipFile(path)
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused("文件是损坏的压缩包，不是有效的 Excel 工作簿，请重新导出或另存为 .xlsx") from None
    if "xl/workbook.xml" not in names:
        raise ImportRefused("文件是压缩包，但不是 Excel 工作簿（.xlsx），可能是 Word 或其他文件")
    try:
        root = _xml_root(archive, "xl/workbook.xml")
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        rels = _relationships(archive, "xl/workbook.xml")
        sheets = []
        for sheet in root.iter(f"{ns}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            rel = rels.get(rel_id)
            if rel and rel[1] in names:
                sheets.append((sheet.get("name", ""), rel[1]))
        pr = root.find(f"{ns}workbookPr")
        date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        by_type = {kind.rsplit("/", 1)[-1]: member for kind, member in rels.values()}
        shared = _shared_strings(archive, by_type.get("sharedStrings"), ns, names)
        date_styles = _date_styles(archive, by_type.get("styles"), ns, names)
    except etree.XMLSyntaxError:
        raise ImportRefused(
            "Excel 工作簿内部结构损坏，无法读取，请在 Excel 中打开后重新保存为 .xlsx"
        ) from None
    return _Workbook(
        archive, ns, sheets, shared, date_styles, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    )


def _shared_strings(archive: zipfile.ZipFile, member: str | None, ns: str, names: set[str]) -> list[str]:
    if not member or member not in names:
        return []
    strings = []
    text_tag, run_tag = f"{ns}t", f"{ns}r"
    with archive.open(member) as handle:
        for _, item in etree.iterparse(handle, events=("end",), tag=f"{ns}si", resolve_entities=False):
            # Direct <t> and rich-text runs only: <rPh> phonetic guides are not part of the value.
            parts = [t.text or "" for t in item.iterchildren(text_tag)]
            parts += [t.text or "" for run in item.iterchildren(run_tag) for t in run.iterchildren(text_tag)]
            strings.append("".join(parts))
            item.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, member: str | None, ns: str, names: set[str]) -> set[int]:
    if not member or member not in names:
        return set()
    root = _xml_root(archive, member)
    custom = {int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "") for fmt in root.iter(f"{ns}numFmt")}
    styles = set()
    xfs = root.find(f"{ns}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else []):
        fmt_id = int(xf.get("numFmtId", "0"))
        if fmt_id in _BUILTIN_DATE_FORMATS or (fmt_id in custom and _is_date_format(custom[fmt_id])):
            styles.add(index)
    return styles


_COLUMN_CACHE: dict[str, int] = {}


def _column_index(ref: str) -> int:
    """0-based column of a cell reference ('H12' or just 'H')."""
    letters = ref.rstrip("0123456789")
    index = _COLUMN_CACHE.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index -= 1
        _COLUMN_CACHE[letters] = index
    return index


def _sheet_rows(book: _Workbook, member: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from _parse_sheet_rows(book, member)
    except (etree.XMLSyntaxError, IndexError, ValueError, KeyError, zipfile.BadZipFile, EOFError, zlib.error):
        raise ImportRefused("Excel 工作簿内容损坏，无法读取，请在 Excel 中打开后重新保存为 .xlsx") from None


def _parse_sheet_rows(book: _Workbook, member: str) -> Iterator[tuple[int, list[Any]]]:
    # The hot loop of a 100,000-row import: plain lxml, the common cell shapes taken by position.
    ns, shared, date_styles, epoch = book.ns, book.shared, book.date_styles, book.epoch
    row_tag, cell_tag, value_tag, text_tag = f"{ns}row", f"{ns}c", f"{ns}v", f"{ns}t"
    columns = _COLUMN_CACHE
    next_number = 1
    with book.archive.open(member) as handle:
        for _, row in etree.iterparse(handle, events=("end",), tag=row_tag, resolve_entities=False):
            number = int(row.get("r") or next_number)
            next_number = number + 1
            cells: list[Any] = []
            for cell in row:
                if cell.tag != cell_tag:
                    continue
                ref = cell.get("r")
                if ref is None:
                    column = len(cells)
                else:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        column = _column_index(letters)
                kind = cell.get("t")
                if kind == "inlineStr":
                    value: Any = _inline_text(cell, text_tag)
                else:
                    first = cell[0] if len(cell) == 1 else None
                    text = (
                        first.text
                        if first is not None and first.tag == value_tag
                        else cell.findtext(value_tag)
                    )
                    if text is None:
                        value = None
                    elif kind == "s":
                        value = shared[int(text)]
                    elif kind is None or kind == "n":
                        value = int(text) if text.isdigit() else float(text)
                        style = cell.get("s")
                        if style is not None and int(style) in date_styles:
                            value = _excel_date(value, epoch)
                    elif kind in ("str", "d"):
                        value = text
                    elif kind == "b":
                        value = text == "1"
                    elif kind == "e":
                        value = CellError(text)
                    else:
                        value = text
                if column == len(cells):
                    cells.append(value)
                else:
                    if column > len(cells):
                        cells.extend([None] * (column - len(cells) + 1))
                    cells[column] = value
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            yield number, cells


def _inline_text(cell: etree._Element, text_tag: str) -> str:
    node = cell[0] if len(cell) else None  # <is>
    if node is None:
        return ""
    if len(node) == 1 and node[0].tag == text_tag:
        return node[0].text or ""
    # Rich text runs: the <t> of each <r>; a <rPh> phonetic guide is not part of the value.
    return "".join(t.text or "" for t in node.iter(text_tag) if not t.getparent().tag.endswith("rPh"))


def _excel_date(serial: float, epoch: dt.datetime) -> Any:
    try:
        return from_excel(serial, epoch)
    except (ValueError, OverflowError, TypeError):
        return serial  # not a date after all; the date check reports it as a number


def _sheet_total_hint(book: _Workbook, member: str) -> int | None:
    """The last row number from <dimension ref="A1:N100001">, read from the first few KB only."""
    with book.archive.open(member) as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return int(match.group(1)) if match else None


def read_xlsx(path: Path) -> list[Table]:
    book = _open_workbook(path)
    if not book.sheets:
        raise ImportRefused("Excel 工作簿里没有工作表")
    return [
        Table(name=name, rows=_sheet_rows(book, member), total_hint=_sheet_total_hint(book, member))
        for name, member in book.sheets
    ]
