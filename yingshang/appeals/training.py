"""Labelled history read from a spreadsheet for routing (the `appeals` command and the training page):
the rows under the header that names every column asked for, with the row numbers a person sees.
Errors are `RoutingError` in Chinese, naming the file and the columns that are there."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yingshang.appeals.routing import RoutingError
from yingshang.core import spreadsheets as ss


@dataclass
class Rows:
    """A table read for routing: its header and data rows (blank rows left out)."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the user sees it, cells)
    text_columns: list[int]
    label_column: int | None

    def texts(self) -> list[str]:
        return [
            " ".join(t for t in (_cell(cells, i) for i in self.text_columns) if t) for _, cells in self.rows
        ]

    def labels(self) -> list[str]:
        assert self.label_column is not None
        return [_cell(cells, self.label_column) for _, cells in self.rows]

    def numbers(self) -> list[int]:
        return [number for number, _ in self.rows]


def _cell(cells: Sequence[Any], index: int) -> str:
    return ss.cell_text(cells[index]) if index < len(cells) else ""


def column_names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,，]", text) if name.strip()]


def _header_row(table: ss.Table, wanted: Sequence[str]) -> tuple[int, list[Any]] | list[str]:
    """The header row naming every `wanted` column among the first rows; otherwise the headers of the
    first non-empty row (to list as what there is)."""
    keys = {ss.normalise_header(name) for name in wanted}
    first: list[str] = []
    for _ in range(ss.HEADER_SEARCH_ROWS):
        try:
            number, cells = next(table.rows)
        except StopIteration:
            break
        names = {ss.normalise_header(c) for c in cells if not ss.is_blank(c)}
        if keys <= names:
            return number, cells
        if not first and names:
            first = [ss.cell_text(c) for c in cells if not ss.is_blank(c)]
    return first


def read_rows(
    path: Path, text_columns: Sequence[str], label_column: str | None, *, max_bytes: int, name: str = ""
) -> Rows:
    """The rows of the first sheet (or the CSV) whose header names every column asked for; `name` is the
    file's name as the person knows it (an upload is stored under another)."""
    shown = name or path.name
    wanted = [*text_columns, *([label_column] if label_column else [])]
    if not path.exists():
        raise RoutingError(f"找不到文件：{path}")
    if path.is_dir():
        raise RoutingError(f"“{path}”是文件夹，请给出 .csv 或 .xlsx 文件")
    try:
        tables = ss.read_tables(path, name or path.name, max_bytes=max_bytes)
        available: list[str] = []
        for table in tables:
            found = _header_row(table, wanted)
            if isinstance(found, tuple):
                return _rows_under(shown, table, found, text_columns, label_column)
            available = available or found
    except ss.ImportRefused as exc:
        raise RoutingError(f"“{shown}”：{exc.message}") from None
    except OSError as exc:
        raise RoutingError(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
    keys = {ss.normalise_header(a) for a in available}
    missing = [name for name in wanted if ss.normalise_header(name) not in keys]
    have = "、".join(f"“{a}”" for a in available) if available else "（没有列名）"
    raise RoutingError(
        f"“{shown}”中没有列{'、'.join(f'“{m}”' for m in missing)}"
        f"（表头应在前 {ss.HEADER_SEARCH_ROWS} 行内）。文件中的列有：{have}"
    )


def _rows_under(
    shown: str,
    table: ss.Table,
    header: tuple[int, list[Any]],
    text_columns: Sequence[str],
    label_column: str | None,
) -> Rows:
    _, cells = header
    index = {ss.normalise_header(c): i for i, c in reversed(list(enumerate(cells))) if not ss.is_blank(c)}
    names = [ss.cell_text(c) for c in cells]
    rows = [(number, row) for number, row in table.rows if not all(ss.is_blank(c) for c in row)]
    if not rows:
        raise RoutingError(f"“{shown}”只有表头，没有数据行")
    return Rows(
        file=shown,
        header=names,
        rows=rows,
        text_columns=[index[ss.normalise_header(name)] for name in text_columns],
        label_column=index[ss.normalise_header(label_column)] if label_column else None,
    )
