"""The one spreadsheet module: .xlsx/.csv in (typed rows, Chinese problems), out (formulas kept text)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from yingshang.core import spreadsheets as sheets
from yingshang.core.spreadsheets import (
    CellError,
    CellProblem,
    ColumnSpec,
    ImportRefused,
    Problem,
    Sheet,
)

# ---- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "fen"),
    [
        ("5.5", "wan", 5_500_000),
        ("0.000001", "wan", 1),
        ("1,234.5", "wan", 1_234_500_000),
        (5.5, "wan", 5_500_000),
        (0.1, "wan", 100_000),  # the double nearest 0.1, read as what was typed: no float error
        (0.07, "yuan", 7),
        (1000, "wan", 1_000_000_000),
        ("12.34", "yuan", 1234),
        (12.34, "yuan", 1234),
        ("0", "wan", 0),
        ("", "wan", None),
        (None, "yuan", None),
        ("  ", "yuan", None),
        ("2", "yi", 20_000_000_000),
    ],
)
def test_money_becomes_exact_integer_fen(value: Any, unit: str, fen: int | None) -> None:
    assert sheets.parse_money_fen(value, "金额", unit) == fen


@pytest.mark.parametrize(
    ("value", "unit", "fen"),
    [
        ("5.5万元", "yuan", 5_500_000),
        ("5.5万", "yuan", 5_500_000),
        ("1,200元", "wan", 120_000),
        ("3亿", "wan", 30_000_000_000),
        ("12.5 万元", "yuan", 12_500_000),
        ("800", "wan", 800_000_000),  # no unit written: the column's
    ],
)
def test_money_that_names_its_unit_is_read_in_that_unit_when_asked(value: str, unit: str, fen: int) -> None:
    assert sheets.parse_money_fen(value, "金额", unit, unit_in_text=True) == fen


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("1.0000001", "wan", "最多 6 位小数"),
        ("1.001", "yuan", "最多 2 位小数"),
        (0.001, "yuan", "最多 2 位小数"),
        ("-3", "wan", "不能为负数"),
        ("5万", "wan", "不是数字（单位：万元，不要带单位或文字）"),  # units only with unit_in_text
        ("五万", "yuan", "不是数字"),
        ("NaN", "wan", "不是数字"),
        (float("inf"), "yuan", "应为数字"),
        ("1" * 45, "wan", "过长"),
        ("1E+20", "wan", "数值过大"),
        (True, "wan", "应为数字"),
        (CellError("#VALUE!"), "yuan", "Excel 错误值 #VALUE!"),
    ],
)
def test_bad_money_is_refused_never_rounded(value: Any, unit: str, message: str) -> None:
    with pytest.raises(CellProblem, match=message):
        sheets.parse_money_fen(value, "金额", unit)


def test_a_unit_in_the_text_sets_the_decimals_allowed() -> None:
    with pytest.raises(CellProblem, match="最多 2 位小数（单位：元）"):
        sheets.parse_money_fen("1.234元", "金额", "wan", unit_in_text=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120),
        (120, 120),
        (120.0, 120),
        ("1,200", 1200),
        ("0", 0),
        ("7.00", 7),
        ("", None),
        (None, None),
    ],
)
def test_integers_are_whole_numbers(value: Any, expected: int | None) -> None:
    assert sheets.parse_integer(value, "人数", minimum=0) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        ("-3", {"minimum": 0}, "人数不能为负数：-3"),
        (-3, {"minimum": 0}, "不能为负数"),
        (2, {"minimum": 5}, "不能小于 5"),
        (11, {"maximum": 10}, "超过上限 10"),
        ("12.5", {}, "“12.5”应为整数"),
        (12.5, {}, "应为整数：12.5"),
        (True, {}, "应为整数"),
        ("十二", {}, "应为整数"),
    ],
)
def test_bad_integers_are_refused(value: Any, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(CellProblem, match=message):
        sheets.parse_integer(value, "人数", **kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-05-01", dt.date(2018, 5, 1)),
        ("2018/5/1", dt.date(2018, 5, 1)),
        ("2018.05.01", dt.date(2018, 5, 1)),
        ("2018年5月1日", dt.date(2018, 5, 1)),
        ("20180501", dt.date(2018, 5, 1)),
        (20180501, dt.date(2018, 5, 1)),
        ("2018-05-01 00:00:00", dt.date(2018, 5, 1)),
        (dt.datetime(2018, 5, 1, 9, 30), dt.date(2018, 5, 1)),
        (dt.date(2018, 5, 1), dt.date(2018, 5, 1)),
    ],
)
def test_dates_are_read_in_the_usual_chinese_spellings(value: Any, expected: dt.date) -> None:
    assert sheets.parse_date(value, "成立日期") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-02-30", "不是存在的日期"),
        ("5/1/2018", "格式不对"),
        (43221, "是数字不是日期"),
        (43221.5, "是数字不是日期"),
        ("1850-01-01", "早于 1900 年"),
        ("", "不能为空"),
        (CellError("#N/A"), "Excel 错误值 #N/A"),
    ],
)
def test_bad_dates_are_refused(value: Any, message: str) -> None:
    with pytest.raises(CellProblem, match=message):
        sheets.parse_date(value, "成立日期")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3911.0, "3911"),
        (3911, "3911"),
        (" 甲 ", "甲"),
        (5.5, "5.5"),
        ("916103020000000001", "916103020000000001"),
    ],
)
def test_cell_text_reads_whole_doubles_without_the_point(value: Any, text: str) -> None:
    assert sheets.cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "max_length", "message"),
    [("", 5, "名称不能为空"), ("甲乙丙丁戊己", 5, "名称过长：6 个字，最多 5 个字")],
)
def test_bad_text_is_refused(value: str, max_length: int, message: str) -> None:
    with pytest.raises(CellProblem, match=message):
        sheets.parse_text(value, "名称", max_length)


@pytest.mark.parametrize(
    ("header", "normal"),
    [
        ("注册资本(万元) ", "注册资本（万元）"),
        ("*名称", "名称"),
        ("＊名称", "名称"),
        ("USCC", "uscc"),
        ("名　称", "名称"),
    ],
)
def test_headers_are_matched_loosely(header: str, normal: str) -> None:
    assert sheets.normalise_header(header) == sheets.normalise_header(normal)


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_are_the_ones_excel_shows(index: int, letter: str) -> None:
    assert sheets.column_letter(index) == letter
    assert sheets.column_index(letter) == index


@pytest.mark.parametrize(
    ("problem", "file_name", "text"),
    [
        (
            Problem("企业名录", 5, "从业人数", "应为整数", "I"),
            "名录.xlsx",
            "“名录.xlsx”工作表“企业名录”第 5 行 I 列“从业人数”：应为整数",
        ),
        (
            Problem("名录.csv", 3, "成立日期", "不能为空", "G"),
            "名录.csv",
            "“名录.csv”第 3 行 G 列“成立日期”：不能为空",
        ),
        (Problem("资质", 2, "", "重复"), "", "工作表“资质”第 2 行：重复"),
        (Problem("资质", None, "资质类型", "缺少"), "", "工作表“资质”“资质类型”列：缺少"),
    ],
)
def test_a_problem_says_file_sheet_row_column_letter_and_header(
    problem: Problem, file_name: str, text: str
) -> None:
    assert problem.describe(file_name) == text
    assert problem.as_dict()["letter"] == problem.letter


# ---- reading files -------------------------------------------------------------------------------

HEADERS = ["统一社会信用代码", "名称", "成立日期", "注册资本（万元）", "从业人数"]
CODE = "91610302MA0000001X"


def specs() -> list[ColumnSpec]:
    return [
        ColumnSpec("code", "统一社会信用代码", required=True, aliases=("uscc",)),
        ColumnSpec("name", "名称", lambda raw: sheets.parse_text(raw, "名称", 20), required=True),
        ColumnSpec("founded", "成立日期", lambda raw: sheets.parse_date(raw, "成立日期")),
        ColumnSpec(
            "capital_fen", "注册资本（万元）", lambda raw: sheets.parse_money_fen(raw, "注册资本", "wan")
        ),
        ColumnSpec(
            "capital_fen", "注册资本（元）", lambda raw: sheets.parse_money_fen(raw, "注册资本", "yuan")
        ),
        ColumnSpec("staff", "从业人数", lambda raw: sheets.parse_integer(raw, "从业人数", minimum=0)),
    ]


def csv_file(folder: Path, rows: list[list[Any]], encoding: str = "utf-8", name: str = "名录.csv") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path = folder / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def openpyxl_file(folder: Path, rows: list[list[Any]], name: str = "名录.xlsx") -> Path:
    """As Excel writes it: shared strings, styled date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    for row in rows:
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


def house_file(folder: Path, rows: list[list[Any]], name: str = "名录.xlsx") -> Path:
    """As the house writer writes it: inline strings, a styled header."""
    path = folder / name
    sheets.save_workbook([Sheet("企业名录", rows[0], rows[1:])], path)
    return path


WRITERS: dict[str, Callable[[Path, list[list[Any]]], Path]] = {
    "csv utf-8": lambda f, r: csv_file(f, r, "utf-8"),
    "csv utf-8 bom": lambda f, r: csv_file(f, r, "utf-8-sig"),
    "csv gb18030": lambda f, r: csv_file(f, r, "gb18030"),
    "xlsx openpyxl": openpyxl_file,
    "xlsx house": house_file,
}


@pytest.mark.parametrize("kind", WRITERS)
def test_a_file_of_any_kind_reads_into_the_same_typed_rows(tmp_path: Path, kind: str) -> None:
    rows = [
        HEADERS,
        [CODE, "宝鸡市甲乙丙有限公司", "2018-05-01", "5.5", "12"],
        ["", "", "", "", ""],
        [CODE[:-1] + "Y", "宝鸡市丁戊己有限公司", "2019/3/4", "1,000", ""],
    ]
    path = WRITERS[kind](tmp_path, rows)
    result = sheets.read_sheet(path, path.name, specs())
    assert result.ok, result.messages()
    assert (result.sheet, result.header_row, result.total_rows) == (
        "企业名录" if kind.startswith("xlsx") else "名录.csv",
        1,
        2,
    )
    assert [(r.number, r.values) for r in result.rows] == [
        (
            2,
            {
                "code": CODE,
                "name": "宝鸡市甲乙丙有限公司",
                "founded": dt.date(2018, 5, 1),
                "capital_fen": 5_500_000,
                "staff": 12,
            },
        ),
        (
            4,
            {
                "code": CODE[:-1] + "Y",
                "name": "宝鸡市丁戊己有限公司",
                "founded": dt.date(2019, 3, 4),
                "capital_fen": 1_000_000_000,
                "staff": None,
            },
        ),
    ]


BAD_CELLS = [
    ({2: "2023-02-30"}, "C", "成立日期", "成立日期“2023-02-30”不是存在的日期"),
    ({2: "明年"}, "C", "成立日期", "格式不对"),
    ({3: "五百"}, "D", "注册资本（万元）", "注册资本“五百”不是数字"),
    ({3: "1.23456789"}, "D", "注册资本（万元）", "最多 6 位小数"),
    ({3: "-1"}, "D", "注册资本（万元）", "不能为负数"),
    ({4: "12.5"}, "E", "从业人数", "应为整数"),
    ({1: ""}, "B", "名称", "名称不能为空"),
]


@pytest.mark.parametrize("kind", ["csv utf-8", "xlsx openpyxl"])
@pytest.mark.parametrize(("cells", "letter", "header", "message"), BAD_CELLS)
def test_each_bad_cell_is_reported_with_file_row_column_letter_and_reason(
    tmp_path: Path, kind: str, cells: dict[int, str], letter: str, header: str, message: str
) -> None:
    bad = [CODE, "宝鸡市甲乙丙有限公司", "2018-05-01", "5.5", "12"]
    for index, value in cells.items():
        bad[index] = value
    rows = [["2026年6月企业名录"], HEADERS, [CODE, "宝鸡市好企业有限公司", "2018-05-01", "1", "1"], bad]
    path = WRITERS[kind](tmp_path, rows)
    result = sheets.read_sheet(path, path.name, specs())
    assert result.header_row == 2 and result.total_rows == 2 and len(result.rows) == 1
    [problem] = result.problems
    assert (problem.row, problem.letter, problem.column) == (4, letter, header)
    assert message in problem.message
    sheet = "" if kind.startswith("csv") else "工作表“企业名录”"
    assert result.messages() == [f"“{path.name}”{sheet}第 4 行 {letter} 列“{header}”：{problem.message}"]


def test_every_bad_cell_of_a_row_is_reported_not_only_the_first(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [HEADERS, [CODE, "", "昨天", "x", "-1"]])
    result = sheets.read_sheet(path, path.name, specs())
    assert [p.letter for p in result.problems] == ["B", "C", "D", "E"]
    assert result.rows == [] and result.total_rows == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["名称", "成立日期"], ["甲", "2018-01-01"]], "没有找到表头"),
        ([["统一社会信用代码", "成立日期"], [CODE, "2018-01-01"]], "缺少必填列：名称"),
        (
            [["uscc", "名称", "注册资本（万元）", "注册资本(元)"]],
            "中“注册资本（万元）”和“注册资本(元)”是同一项，只能保留一列",
        ),
        ([HEADERS], "只有表头，没有数据行"),
        ([[f"标题{n}"] for n in range(12)] + [HEADERS, [CODE, "甲"]], "没有找到表头"),
    ],
)
def test_a_wrong_header_refuses_the_file_saying_why(
    tmp_path: Path, rows: list[list[Any]], message: str
) -> None:
    path = csv_file(tmp_path, rows)
    with pytest.raises(ImportRefused, match=re.escape(message)):
        sheets.read_sheet(path, path.name, specs())


def test_headers_written_loosely_or_as_codes_are_recognised_and_others_listed(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [["USCC", " *名称 ", "备注"], [CODE, "甲", "x"]])
    result = sheets.read_sheet(path, path.name, specs())
    assert [(c.letter, c.written, c.spec.key) for c in result.columns.columns] == [
        ("A", "USCC", "code"),
        ("B", "*名称", "name"),
    ]
    assert result.columns.ignored == ["备注"]
    assert result.rows[0].values == {"code": CODE, "name": "甲"}


def test_the_row_limit_refuses_a_file_too_long(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [HEADERS] + [[CODE, "甲"]] * 3)
    with pytest.raises(ImportRefused, match="超过 2 行"):
        sheets.read_sheet(path, path.name, specs(), max_rows=2)


def xlsx_cells(tmp_path: Path, values: list[Any], number_formats: dict[int, str] | None = None) -> list[Any]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["表头"])
    sheet.append(values)
    for position, number_format in (number_formats or {}).items():
        sheet.cell(row=2, column=position + 1).number_format = number_format
    path = tmp_path / "值.xlsx"
    book.save(path)
    [table] = sheets.read_tables(path, path.name)
    return dict(table.rows).get(2, [])


@pytest.mark.parametrize(
    ("value", "number_format", "read"),
    [
        (3911, None, 3911),
        (-5, None, -5),
        (5.5, None, 5.5),
        (0.1, None, 0.1),
        (2**53, None, 2**53),
        (916103021234567890, None, 916103021234567890.0),  # more digits than a double holds: stays a float
        ("916103021234567890", None, "916103021234567890"),  # a USCC-like code written as text stays text
        ("0111", None, "0111"),
        (" 前后有空格 ", None, " 前后有空格 "),
        (True, None, True),
        (dt.date(2018, 5, 1), None, dt.date(2018, 5, 1)),
        (dt.datetime(2018, 5, 1, 9, 30), None, dt.datetime(2018, 5, 1, 9, 30)),
        (43221, "yyyy年m月d日", dt.date(2018, 5, 1)),
        ("#N/A", None, CellError("#N/A")),
        ("=1+1", None, None),  # a formula nobody calculated has no value
    ],
)
def test_xlsx_cells_come_back_as_python_values(
    tmp_path: Path, value: Any, number_format: str | None, read: Any
) -> None:
    cells = xlsx_cells(tmp_path, [value], {0: number_format} if number_format else None)
    got = cells[0] if cells else None
    assert got == read and type(got) is type(read)


def write_parts(path: Path, parts: dict[str, str]) -> Path:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    base = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in {**base, **parts}.items():
            archive.writestr(name, text)
    return path


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HAND_WRITTEN = {
    "xl/workbook.xml": f'<workbook {MAIN} xmlns:r="{REL}"><workbookPr date1904="1"/>'
    '<sheets><sheet name="名录" sheetId="1" r:id="rId1"/>'
    '<sheet name="第二" sheetId="2" r:id="rId4"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    f'relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId4" Type="{REL}/worksheet" Target="/xl/worksheets/other.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/styles" Target="/xl/styles.xml"/></Relationships>',
    "xl/sharedStrings.xml": f"<sst {MAIN}><si><t>统一社会信用代码</t></si>"
    '<si><r><t>宝鸡</t></r><r><t>市</t></r><rPh sb="0" eb="1"><t>バオジ</t></rPh></si>'
    "<si><t>#REF!</t></si></sst>",
    "xl/styles.xml": f'<styleSheet {MAIN}><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3">'
    '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="31"/></cellXfs></styleSheet>',
    "xl/worksheets/sheet1.xml": f"<worksheet {MAIN}><sheetData>"
    '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3" s="1"><v>10</v></c><c r="D3" t="b"><v>1</v></c>'
    '<c r="F3" t="inlineStr"><is><r><t>甲</t></r><r><t>乙</t></r></is></c>'
    '<c r="G3" t="e"><v>#REF!</v></c>'
    '<c r="H3" s="2"><v>1</v></c><c r="I3"><f>1+1</f><v>-2</v></c>'
    "<c t='e' r='J3'><f>VLOOKUP(A3,B:B,2,0)</f><v>#N/A</v></c><c r=\"K3\" t=\"s\"><v>2</v></c></row>"
    '<row r="5"><c r="B5" t="e"><v>#DIV/0!</v></c></row></sheetData></worksheet>',
    "xl/worksheets/other.xml": f'<worksheet {MAIN}><sheetData><row r="2"><c r="C2"><v>7</v></c>'
    '<c r="D2" t="e"><v>#NAME?</v></c></row></sheetData></worksheet>',
}


def test_a_hand_written_workbook_with_rich_text_gaps_1904_dates_and_error_values_is_read(
    tmp_path: Path,
) -> None:
    path = write_parts(tmp_path / "手写.xlsx", HAND_WRITTEN)
    first, second = sheets.read_tables(path, path.name)
    assert (first.name, first.total_hint, second.name) == ("名录", 5, "第二")
    rows = list(first.rows)
    assert rows[0] == (1, ["统一社会信用代码"])
    number, cells = rows[1]
    assert number == 3
    assert cells == [
        "宝鸡市",  # the phonetic guide is not part of the text
        None,
        dt.date(1904, 1, 11),  # the 1904 date system
        True,
        None,
        "甲乙",
        CellError("#REF!"),
        dt.date(1904, 1, 2),
        -2,  # a formula's calculated value
        CellError("#N/A"),
        "#REF!",  # text that looks like an error value is text
    ]
    assert rows[2] == (5, [None, CellError("#DIV/0!")])
    assert list(second.rows) == [(2, [None, None, 7, CellError("#NAME?")])]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "只支持 .xlsx 和 .csv"),
        ("名录", b"a,b", "扩展名是“无”"),
        ("名录.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel"),
        ("名录.xlsx", "统一社会信用代码,名称\n".encode(), "扩展名为 .xlsx，但内容不是 Excel 工作簿"),
        ("名录.csv", b"PK\x03\x04" + b"\0" * 100, "扩展名为 .csv，但内容是压缩包"),
        ("名录.xlsx", b"PK\x03\x04 not really a zip", "损坏的压缩包"),
        ("名录.csv", b"", "空的（0 字节）"),
        ("名录.csv", b"\xff\xfe" + "统一社会信用代码".encode("utf-16-le"), "UTF-16"),
        ("名录.csv", b"\x00\x01\x02\x03\xff\xfe\xfd" * 10, "无法识别"),
        ("名录.csv", b'a,"b\n' + b"c" * 200_000, "格式有误"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with pytest.raises(ImportRefused, match=message):
        for table in sheets.read_tables(path, name, max_bytes=10**7):
            list(table.rows)


def zip_of(tmp_path: Path, parts: dict[str, bytes | str]) -> Path:
    path = tmp_path / "upload.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in parts.items():
            archive.writestr(member, data)
    return path


def test_a_zip_that_is_no_workbook_or_a_broken_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="可能是 Word"):
        sheets.read_tables(zip_of(tmp_path, {"word/document.xml": "<w/>"}), "名录.xlsx")
    good = io.BytesIO()
    openpyxl.Workbook().save(good)
    parts = {n: zipfile.ZipFile(good).read(n) for n in zipfile.ZipFile(good).namelist()}
    broken = {**parts, "xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c>"}
    with pytest.raises(ImportRefused, match="内容损坏"):
        sheets.read_tables(zip_of(tmp_path, broken), "名录.xlsx")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    with path.open("wb") as handle:
        handle.truncate(3 * 1024 * 1024)
    with pytest.raises(ImportRefused, match="文件大小 3 MB，超过导入上限 2 MB"):
        sheets.read_tables(path, path.name, max_bytes=2 * 1024 * 1024)


def test_a_tab_separated_text_file_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_bytes(f"统一社会信用代码\t名称\n{CODE}\t甲\n".encode("gb18030"))
    result = sheets.read_sheet(path, path.name, specs())
    assert result.rows[0].values == {"code": CODE, "name": "甲"}


# ---- writing -------------------------------------------------------------------------------------


def written(values: list[Any]) -> list[Any]:
    data = sheets.write_workbook([Sheet("测试", [f"列{n}" for n in range(len(values))], [values])])
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book["测试"][2])


@pytest.mark.parametrize(
    ("value", "read", "data_type"),
    [
        ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")', "s"),
        ("=1+1", "=1+1", "s"),
        ("+86 138 0000 0000", "+86 138 0000 0000", "s"),
        ("-5", "-5", "s"),  # text stays text
        ("@SUM(A1:A2)", "@SUM(A1:A2)", "s"),
        ("\t=1+1", "\t=1+1", "s"),
        ("\r=1+1", "\r=1+1", "s"),
        ("#N/A", "#N/A", "s"),  # not an error value
        ("宝鸡市甲乙丙有限公司", "宝鸡市甲乙丙有限公司", "s"),
        ("a\x00b\x0bc", "abc", "s"),  # characters XML cannot hold are dropped, not a crash
        (-5, -5, "n"),  # numbers stay numbers
        (-0.25, -0.25, "n"),
        (Decimal("12.34"), 12.34, "n"),
        (True, True, "b"),
        (dt.date(2018, 5, 1), dt.datetime(2018, 5, 1), "d"),
    ],
)
def test_text_that_looks_like_a_formula_is_written_as_text_and_numbers_as_numbers(
    value: Any, read: Any, data_type: str
) -> None:
    [cell] = written([value])
    assert cell.value == read and cell.data_type == data_type
    if isinstance(value, str) and value.startswith(sheets.FORMULA_PREFIXES):
        assert cell.quotePrefix  # Excel keeps it text when someone edits the cell


def test_an_aware_datetime_is_written_in_local_time() -> None:
    moment = dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC)
    [cell] = written([moment])
    assert cell.value == dt.datetime(2026, 7, 1, 0, 0)  # Asia/Shanghai; Excel has no time zones


def test_the_house_style_is_a_bold_frozen_header_with_widths_and_the_sheet_name() -> None:
    rows = ([f"宝鸡市测试{n:04d}有限公司", n, dt.date(2020, 1, 1)] for n in range(250))
    data = sheets.write_workbook(
        [
            Sheet("企业名录", ["企业名称", "序号", "成立日期"], rows, formats={1: "0"}),
            Sheet("拨付清单", ["金额（元）"], [[1.5]], caption="拨付批次 BF-1", widths=[30]),
            Sheet("名单:2026/上半年?", ["名称"], []),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["企业名录", "拨付清单", "名单_2026_上半年_"]
    first = book["企业名录"]
    assert [c.value for c in first[1]] == ["企业名称", "序号", "成立日期"]
    assert all(c.font.b for c in first[1]) and not first["A2"].font.b
    assert first.freeze_panes == "A2"
    assert first.max_row == 251 and first["B251"].value == 249 and first["B2"].number_format == "0"
    widths = [first.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] > widths[1] >= 8  # the long Chinese names widen their column
    second = book["拨付清单"]
    assert (second["A1"].value, second["A1"].font.b, second["A2"].value, second["A2"].font.b) == (
        "拨付批次 BF-1",
        True,
        "金额（元）",
        True,
    )
    assert second.freeze_panes == "A3" and second.column_dimensions["A"].width == 30


def test_a_column_format_holds_for_every_row_and_wins_over_a_dates_own() -> None:
    rows = [
        [dt.date(2020, 1, 2), "0111"],
        [None, "=1+1"],
        [dt.datetime(2021, 3, 4, 5, 6), 42],
        [dt.date(2022, 5, 6), None],
    ]
    data = sheets.write_workbook([Sheet("格式", ["日期", "代码"], rows, formats={0: "yyyy/mm/dd", 1: "@"})])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["格式"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [dt.datetime(2020, 1, 2), "0111"],
        [None, "=1+1"],
        [dt.datetime(2021, 3, 4, 5, 6), 42],
        [dt.datetime(2022, 5, 6), None],
    ]
    assert [sheet[f"A{n}"].number_format for n in (2, 4, 5)] == ["yyyy/mm/dd"] * 3
    assert [sheet[f"B{n}"].number_format for n in (2, 3, 4)] == ["@"] * 3
    assert sheet["B3"].data_type == "s" and sheet["B3"].quotePrefix


def test_save_workbook_streams_to_a_file_and_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "出.xlsx"
    counts = sheets.save_workbook([Sheet("甲", ["a"], ([n] for n in range(5))), Sheet("甲", ["b"], [])], path)
    assert counts == [5, 0]
    assert openpyxl.load_workbook(path).sheetnames == ["甲", "甲_2"]


def test_a_written_workbook_reads_back_unchanged(tmp_path: Path) -> None:
    values = ["=1+1", "-5", -5, 5.5, "0111", dt.date(2018, 5, 1), None, "#N/A", "x"]
    path = tmp_path / "回环.xlsx"
    sheets.save_workbook([Sheet("回环", [f"列{n}" for n in range(len(values))], [values])], path)
    [table] = sheets.read_tables(path, path.name)
    assert dict(table.rows)[2] == values


def test_csv_text_that_looks_like_a_formula_gets_a_quote_and_numbers_do_not() -> None:
    data = sheets.write_csv(
        ["名称", "电话", "数", "日期"],
        [['=HYPERLINK("http://x","y")', "+86 138", -5, dt.date(2018, 5, 1)], ["@x", "-5", 1.5, None]],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["名称", "电话", "数", "日期"],
        ['\'=HYPERLINK("http://x","y")', "'+86 138", "-5", "2018-05-01"],
        ["'@x", "'-5", "1.5", ""],
    ]
