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

from yingshang.core.spreadsheets.cells import (
    HEADER_SEARCH_ROWS,
    MAX_FEN,
    XLSX_CONTENT_TYPE,
    CellError,
    CellProblem,
    ColumnMap,
    ColumnSpec,
    Header,
    ImportRefused,
    MappedColumn,
    Problem,
    Table,
    TypedRow,
    TypedSheet,
    cell_text,
    column_index,
    column_letter,
    find_header,
    is_blank,
    map_columns,
    normalise_header,
    parse_date,
    parse_integer,
    parse_money_fen,
    parse_text,
    typed_rows,
)
from yingshang.core.spreadsheets.reading import (
    check_size,
    decode_csv,
    read_csv,
    read_sheet,
    read_tables,
    read_xlsx,
    size_text,
)
from yingshang.core.spreadsheets.writing import (
    FORMULA_PREFIXES,
    Sheet,
    is_formula_like,
    save_workbook,
    write_csv,
    write_workbook,
)

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
