"""企业名录 import: read a .xlsx or .csv, check every row, show a preview, then apply it in one transaction.

Policy (docs/import-format.md): a file is applied whole or not at all. The preview lists every problem
(row, column, what is wrong, in Chinese); while any row is bad nothing is written, not even the valid
rows: the admin fixes the file and uploads it again. Re-importing is safe: rows are matched by
统一社会信用代码 and updated, never duplicated. The apply runs in one transaction, so a crash leaves
the registry as it was and the batch is marked 导入失败 in a transaction of its own.

Speed: 100,000 rows must import in under a minute on SQLite and on PostgreSQL. openpyxl's reader and
the ORM's bulk_create/bulk_update (999 parameters a statement on SQLite, CASE WHEN updates) measured far
too slow at that size (bench/bench_import.py), so sheets are read with lxml directly and enterprise rows
are written with executemany. The audit trail is kept: the simple_history rows are written the same
way, with the uploading user and the file name as the change reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import operator
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from lxml import etree
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from simple_history.utils import bulk_create_with_history, bulk_update_with_history
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as uscc_std

from yingshang.core.scope import in_reach, scope_of
from yingshang.registry import vocab
from yingshang.registry.industries import industry_table
from yingshang.registry.models import (
    District,
    Enterprise,
    ImportBatch,
    Qualification,
    Street,
    User,
    industry_parts,
)
from yingshang.registry.scale import classify_scale

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_ROWS = 1_000_000
MAX_PROBLEMS_STORED = 1000
MAX_SAMPLE_ROWS = 20
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in government spreadsheets
MAX_EMPLOYEES = 10_000_000
MAX_FEN = 2**63 - 1
FEN_PER_UNIT = {"wan": 1_000_000, "yuan": 100}
UNIT_DECIMALS = {"wan": 6, "yuan": 2}
ENTERPRISE_SHEET = "企业名录"
QUALIFICATION_SHEET = "资质"

# Progress reporting: (phase, done, total or None). The command draws a tqdm bar with it.
Progress = Callable[[str, int, "int | None"], None]


class ImportRefused(Exception):
    """The whole file (or the request) cannot be imported; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportFailed(Exception):
    """Applying crashed and was rolled back; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the row number the user sees in Excel (header = 1); None for the whole sheet
    column: str  # the header as written in the file
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class CellProblem(ValueError):
    pass


# --------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str  # key of the cleaned row: the model attname for enterprise columns
    header: str  # the canonical Chinese header, written by the export
    code: str  # the English field code, accepted as a header too
    required: bool = False
    unit: str = ""  # "wan" | "yuan" for money columns
    aliases: tuple[str, ...] = ()


ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("name", "名称", "name", required=True, aliases=("企业名称", "主体名称")),
    Column("entity_type", "主体类型", "entity_type", required=True),
    Column("industry_id", "行业代码", "industry", required=True),
    Column("district_id", "区县", "district", required=True),
    Column("street_id", "街道", "street", aliases=("街道/镇", "乡镇街道")),
    Column("registered_on", "成立日期", "registered_on", required=True),
    Column("registered_capital_fen", "注册资本（万元）", "registered_capital_wan", unit="wan"),
    Column("registered_capital_fen", "注册资本（元）", "registered_capital_yuan", unit="yuan"),
    Column("employees", "从业人数", "employees"),
    Column("annual_revenue_fen", "年营业收入（万元）", "annual_revenue_wan", unit="wan"),
    Column("annual_revenue_fen", "年营业收入（元）", "annual_revenue_yuan", unit="yuan"),
    Column("total_assets_fen", "资产总额（万元）", "total_assets_wan", unit="wan"),
    Column("total_assets_fen", "资产总额（元）", "total_assets_yuan", unit="yuan"),
    Column("tax_paid_fen", "年纳税额（万元）", "tax_paid_wan", unit="wan"),
    Column("tax_paid_fen", "年纳税额（元）", "tax_paid_yuan", unit="yuan"),
    Column("credit_class", "信用风险分类", "credit_class"),
    Column("status", "登记状态", "status"),
)
QUALIFICATION_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("kind", "资质类型", "kind", required=True),
    Column("level", "认定层级", "level", required=True),
    Column("certified_on", "认定日期", "certified_on", required=True),
    Column("expires_on", "有效期至", "expires_on"),
)
# Columns the export writes for reading only; an import skips them without complaint.
DISPLAY_ONLY = {
    ENTERPRISE_SHEET: {"行业名称", "企业规模", "序号"},
    QUALIFICATION_SHEET: {"名称", "企业名称", "序号"},
}
# Where a value came from is kept per model field; the attname of a foreign key drops its "_id".
ENTERPRISE_DATA_FIELDS = (
    "name",
    "entity_type",
    "industry_id",
    "district_id",
    "street_id",
    "registered_on",
    "registered_capital_fen",
    "employees",
    "annual_revenue_fen",
    "total_assets_fen",
    "tax_paid_fen",
    "credit_class",
    "status",
)
FIELD_LABELS = {c.field: c.header.split("（")[0] for c in ENTERPRISE_COLUMNS}


def provenance_key(attname: str) -> str:
    return attname.removesuffix("_id")


def normalise_header(text: Any) -> str:
    """'注册资本(万元) ' and '*注册资本（万元）' are the same header; English codes ignore case."""
    value = str(text if text is not None else "")
    value = value.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", "")
    return value.strip().lstrip("*＊").lower()


def _header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, column.code, *column.aliases):
            index[normalise_header(name)] = column
    return index


ENTERPRISE_HEADERS = _header_index(ENTERPRISE_COLUMNS)
QUALIFICATION_HEADERS = _header_index(QUALIFICATION_COLUMNS)
USCC_HEADERS = {normalise_header("统一社会信用代码"), "uscc"}
KIND_HEADERS = {normalise_header("资质类型"), "kind"}


# --------------------------------------------------------------------------------------------------
# Cells (pure: no database)
# --------------------------------------------------------------------------------------------------


class CellError:
    """An Excel error value (#N/A, #REF! …) found in a cell."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code


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


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")


def uscc_is_valid(code: str) -> bool:
    """The same answer as stdnum.cn.uscc.is_valid for a compact code, ten times faster.

    An import checks 100,000 codes; stdnum (which explains what is wrong) is asked only about the bad.
    """
    if not _USCC_SHAPE.fullmatch(code):
        return False
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
    return code[17] == _USCC_ALPHABET[-total % 31]


def parse_uscc(value: Any) -> str:
    if isinstance(value, str):
        code = value.strip().upper()
        if uscc_is_valid(code):
            return code
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellProblem(
            "统一社会信用代码被存成了数字（Excel 会丢失末几位），请把该列设为“文本”格式后重新填写"
        )
    text = uscc_std.compact(cell_text(value))
    if not text:
        raise CellProblem("统一社会信用代码不能为空")
    try:
        return uscc_std.validate(text)
    except stdnum_errors.InvalidLength:
        raise CellProblem(f"统一社会信用代码应为 18 位，“{text}”是 {len(text)} 位") from None
    except stdnum_errors.InvalidChecksum:
        expected = uscc_std.calc_check_digit(text[:17])
        raise CellProblem(
            f"统一社会信用代码“{text}”校验位错误：按前 17 位计算第 18 位应为 {expected}，请核对是否抄错"
        ) from None
    except stdnum_errors.ValidationError:
        if not text[:8].isdigit():
            raise CellProblem(
                f"统一社会信用代码“{text}”含无效字符："
                "前 8 位（登记管理部门码、机构类别码、行政区划码）应全部为数字"
            ) from None
        bad = "、".join(sorted({c for c in text[8:] if c not in "0123456789ABCDEFGHJKLMNPQRTUWXY"}))
        raise CellProblem(
            f"统一社会信用代码“{text}”含无效字符“{bad}”：第 9–18 位只能是数字或大写字母（不含 I、O、S、V、Z）"
        ) from None


def parse_text(value: Any, label: str, max_length: int) -> str:
    text = cell_text(value)
    if not text:
        raise CellProblem(f"{label}不能为空")
    if len(text) > max_length:
        raise CellProblem(f"{label}过长：{len(text)} 个字，最多 {max_length} 个字")
    return text


def parse_choice(value: Any, choices: list[tuple[str, str]], label: str) -> str:
    text = cell_text(value)
    if not text:
        raise CellProblem(f"{label}不能为空，应为：{'、'.join(lbl for _, lbl in choices)}")
    code = vocab.code_of(choices, text)
    if code is None:
        raise CellProblem(f"“{text}”不是有效的{label}，应为：{'、'.join(lbl for _, lbl in choices)}")
    return code


def parse_level(value: Any) -> str:
    """认定层级: 国家/省/市/区, also written 国家级、省级."""
    return parse_choice(cell_text(value).removesuffix("级"), vocab.QUALIFICATION_LEVELS, "认定层级")


def parse_industry(value: Any) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    code = cell_text(value).upper()
    if not code:
        raise CellProblem("行业代码不能为空")
    table = industry_table()
    if numeric:
        # Excel drops the leading 0 of a number: 111 may have been 0111. Take it only when unambiguous.
        found = [c for c in (code, "0" + code) if c in table and table[c].level != "门类"]
        if len(found) == 2:
            raise CellProblem(
                f"行业代码被存成了数字 {code}，可能是“{found[0]}”也可能是“{found[1]}”，"
                "请把该列设为“文本”格式后重新填写"
            )
        if found:
            return found[0]
    entry = table.get(code)
    if entry is not None and entry.level == "门类":
        raise CellProblem(f"行业代码应为大类、中类或小类代码（2–4 位数字），不能只填门类字母“{code}”")
    if entry is None:
        hint = "；若代码本应以 0 开头，请把该列设为“文本”格式" if numeric or len(code) in (1, 3) else ""
        raise CellProblem(f"行业代码“{code}”不在 GB/T 4754-2017 国民经济行业分类中{hint}")
    return code


_DATE_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any, label: str) -> dt.date:
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


_PLAIN_DECIMAL = re.compile(r"(\d{1,19})(?:\.(\d+))?")
_GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_money_fen(value: Any, label: str, unit: str) -> int | None:
    """Amount in 万元 or 元 → integer fen, exactly; a blank cell is unknown (None), never 0."""
    if is_blank(value):
        return None
    unit_name = "万元" if unit == "wan" else "元"
    if isinstance(value, bool):
        raise CellProblem(f"{label}应为数字（单位：{unit_name}）")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem(f"{label}应为数字（单位：{unit_name}）")
        text = repr(value)  # the shortest text that reads back as this double: what the user typed
    else:
        text = cell_text(value)
        if _GROUPED_NUMBER.match(text):
            text = text.replace(",", "")
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
        fen = amount * FEN_PER_UNIT[unit]
        if fen != fen.to_integral_value():
            raise CellProblem(
                f"{label}“{text}”精确到分最多 {UNIT_DECIMALS[unit]} 位小数（单位：{unit_name}），"
                "系统不做四舍五入，请核对"
            )
    if fen > MAX_FEN:
        raise CellProblem(f"{label}“{text}”数值过大，请核对单位")
    return int(fen)


def parse_count(value: Any, label: str) -> int | None:
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
        if not re.fullmatch(r"-?\d+(\.0+)?", text):
            raise CellProblem(f"{label}“{text}”应为整数")
        number = int(text.split(".")[0])
    if number < 0:
        raise CellProblem(f"{label}不能为负数：{number}")
    if number > MAX_EMPLOYEES:
        raise CellProblem(f"{label} {number} 超过 1000 万，请核对")
    return number


def parse_credit_class(value: Any) -> str:
    text = cell_text(value).upper().removesuffix("类")
    if not text:
        return ""
    if text not in {"A", "B", "C", "D"}:
        raise CellProblem(f"信用风险分类“{cell_text(value)}”无效，应为 A、B、C、D 之一（不知道可留空）")
    return text


def check_not_future(day: dt.date, label: str, today: dt.date) -> dt.date:
    if day > today:
        raise CellProblem(f"{label} {day:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请核对")
    return day


# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


@dataclass
class Table:
    name: str  # the sheet name, or the file name for a CSV
    rows: Iterator[tuple[int, list[Any]]]  # (row number as Excel shows it, cells)
    total_hint: int | None = None


def size_text(size: int) -> str:
    """50 MB, 20.5 MB, 300 KB: how a file size is said in messages."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def check_size(size: int, limit: int | None = None) -> None:
    limit = settings.IMPORT_MAX_BYTES if limit is None else limit
    if size > limit:
        raise ImportRefused(
            f"文件大小 {size_text(size)}，超过导入上限 {size_text(limit)}。"
            "请把文件拆成几个较小的文件分批导入（重复导入按统一社会信用代码更新，不会重复）。"
        )


def read_tables(path: Path, file_name: str) -> list[Table]:
    """Open the file as what its content is (not what its name says) and return its tables."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportRefused(f"只支持 .xlsx 和 .csv 文件，“{file_name}”的扩展名是“{suffix or '无'}”")
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"文件“{file_name}”是空的（0 字节），请检查是否选错了文件")
    check_size(size)
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

    def add_problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))
        self.bad_rows.add((sheet, row))

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


def _locate_header(table: Table) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]] | None:
    """Find the header row (the one naming 统一社会信用代码) among the first rows of a table."""
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in table.rows:
        if any(normalise_header(c) in USCC_HEADERS for c in cells if isinstance(c, str)):
            return number, cells, table.rows
        seen.append((number, cells))
        if len(seen) >= HEADER_SEARCH_ROWS:
            return None
    return None


def _map_columns(
    plan: ImportPlan, sheet: str, headers: list[Any], known: dict[str, Column]
) -> list[tuple[int, Column, str]]:
    """(cell index, column, header as written) for each recognised header; refuses a bad header row."""
    mapped: list[tuple[int, Column, str]] = []
    by_field: dict[str, str] = {}
    ignored = []
    for index, raw in enumerate(headers):
        written = cell_text(raw) if not isinstance(raw, CellError) else str(raw)
        if not written:
            continue
        column = known.get(normalise_header(written))
        if column is None:
            if written not in DISPLAY_ONLY[sheet]:
                ignored.append(written)
            continue
        if column.field in by_field:
            raise ImportRefused(
                f"工作表“{plan_sheet_name(plan, sheet)}”中“{by_field[column.field]}”和“{written}”"
                "是同一项，只能保留一列"
            )
        by_field[column.field] = written
        mapped.append((index, column, written))
    columns = ENTERPRISE_COLUMNS if sheet == ENTERPRISE_SHEET else QUALIFICATION_COLUMNS
    missing = [c.header for c in columns if c.required and c.field not in by_field]
    if missing:
        raise ImportRefused(
            f"工作表“{plan_sheet_name(plan, sheet)}”缺少必填列：{'、'.join(dict.fromkeys(missing))}。"
            "表头写法见“导入格式说明”"
        )
    if ignored:
        plan.notices.append(f"以下列不是导入格式中的列，已忽略：{'、'.join(ignored)}")
    return mapped


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
    plan: ImportPlan,
    header_row: int,
    headers: list[Any],
    rows: Iterator[tuple[int, list[Any]]],
    total_hint: int | None,
    lookups: Lookups,
    progress: Progress | None,
) -> None:
    sheet = ENTERPRISE_SHEET
    mapped = _map_columns(plan, sheet, headers, ENTERPRISE_HEADERS)
    plan.fields = [c.field for _, c, _ in mapped if c.field != "uscc"]
    parsers = [
        (index, column.field, written, _enterprise_parser(column, lookups))
        for index, column, written in mapped
    ]
    first_seen: dict[str, int] = {}
    total = (total_hint - header_row) if total_hint else None
    count = 0
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(f"企业名录超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        _tick(progress, "读取并校验", count, total)
        values: dict[str, Any] = {}
        row_ok = True
        width = len(cells)
        for index, name, written, parse in parsers:
            try:
                values[name] = parse(cells[index] if index < width else None)
            except CellProblem as problem:
                plan.add_problem(plan.enterprise_sheet, number, written, str(problem))
                row_ok = False
        uscc = values.get("uscc")
        if uscc is not None:
            if uscc in first_seen:
                plan.add_problem(
                    plan.enterprise_sheet,
                    number,
                    "统一社会信用代码",
                    f"统一社会信用代码 {uscc} 与第 {first_seen[uscc]} 行重复：同一文件中每个主体只能出现一次",
                )
                row_ok = False
            else:
                first_seen[uscc] = number
        if row_ok:
            plan.enterprises.append(EnterpriseRow(number, values))
    plan.total_rows += count


def _check_qualification_table(
    plan: ImportPlan,
    headers: list[Any],
    rows: Iterator[tuple[int, list[Any]]],
    lookups: Lookups,
) -> None:
    mapped = _map_columns(plan, QUALIFICATION_SHEET, headers, QUALIFICATION_HEADERS)
    sheet = plan.qualification_sheet
    in_file = {r.values["uscc"] for r in plan.enterprises}
    pending: list[tuple[int, str, QualificationRow | None]] = []
    seen: dict[tuple[str, str, str], int] = {}
    count = 0
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(f"资质表超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        values: dict[str, Any] = {}
        row_ok = True
        for index, column, written in mapped:
            raw = cells[index] if index < len(cells) else None
            try:
                values[column.field] = _qualification_value(column.field, raw, lookups.today)
            except CellProblem as problem:
                plan.add_problem(sheet, number, written, str(problem))
                row_ok = False
        values.setdefault("expires_on", None)
        expires, certified = values.get("expires_on"), values.get("certified_on")
        if expires is not None and certified is not None and expires < certified:
            plan.add_problem(sheet, number, "有效期至", f"有效期至 {expires} 早于认定日期 {certified}")
            row_ok = False
        key = (values.get("uscc"), values.get("kind"), values.get("level"))
        if row_ok and key in seen:
            plan.add_problem(sheet, number, "资质类型", f"与第 {seen[key]} 行是同一主体的同一资质，重复")
            row_ok = False
        if row_ok:
            seen[key] = number
            pending.append((number, values["uscc"], QualificationRow(number, **values)))
    plan.total_rows += count
    missing = {u for _, u, _ in pending if u not in in_file}
    known = set()
    for chunk in _chunks(sorted(missing), 500):
        known.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    for number, uscc, row in pending:
        if uscc in in_file or uscc in known:
            plan.qualifications.append(row)
        else:
            plan.add_problem(
                sheet, number, "统一社会信用代码", f"主体 {uscc} 既不在本文件的企业名录中，也不在系统中"
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
    today = today or timezone.localdate()
    plan = ImportPlan(file_name=file_name)
    lookups = Lookups.load(today)
    tables = read_tables(Path(path), file_name)
    found = 0
    pending_qualifications: tuple[list[Any], list[tuple[int, list[Any]]]] | None = None
    for table in tables:
        located = _locate_header(table)
        if located is None:
            if len(tables) > 1:
                plan.notices.append(
                    f"工作表“{table.name}”前 {HEADER_SEARCH_ROWS} 行没有“统一社会信用代码”列，已跳过"
                )
            continue
        header_row, headers, rows = located
        is_qualification = any(normalise_header(h) in KIND_HEADERS for h in headers if isinstance(h, str))
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
            pending_qualifications = (headers, list(rows))
        else:
            _check_enterprise_table(plan, header_row, headers, rows, table.total_hint, lookups, progress)
    if found == 0:
        raise ImportRefused(
            "没有找到表头：文件前几行中应有一行写着“统一社会信用代码”“名称”等列名（见“导入格式说明”）"
        )
    if pending_qualifications is not None:
        headers, qualification_rows = pending_qualifications
        _check_qualification_table(plan, headers, iter(qualification_rows), lookups)
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


# --------------------------------------------------------------------------------------------------
# Batches: preview, then apply
# --------------------------------------------------------------------------------------------------


def origin_of(batch: ImportBatch) -> dict[str, Any]:
    """The provenance stamped on every field the file sets."""
    return {
        "source": f"企业名录导入：{batch.file_name}（{batch.source}）",
        "as_of": batch.as_of.isoformat(),
        "batch": batch.pk,
    }


def preview_batch(
    path: Path,
    *,
    file_name: str,
    as_of: dt.date,
    source: str,
    user: User | None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[ImportBatch, ImportPlan]:
    """Read and check the file and record the batch (待确认, or 有错误未导入 with its problem list).

    Raises ImportRefused for a file that cannot be read at all; then no batch is recorded.
    """
    district_id = importing_district_id(user)
    plan = analyse(path, file_name, today=today, progress=progress, district_id=district_id)
    batch = ImportBatch.objects.create(
        file_name=file_name[:255],
        stored_path=str(path),
        as_of=as_of,
        source=source,
        state="previewed" if plan.ok else "rejected",
        total_rows=plan.total_rows,
        valid_rows=plan.valid_rows,
        created_count=plan.counts.get("create", 0),
        updated_count=plan.counts.get("update", 0),
        problems=[p.as_dict() for p in plan.problems[:MAX_PROBLEMS_STORED]],
        report=plan.report(),
        uploaded_by=user,
        district_id=district_id,
    )
    return batch, plan


def apply_batch(
    batch: ImportBatch,
    *,
    user: User | None,
    plan: ImportPlan | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Apply a previewed batch in one transaction, all or nothing.

    The file is read and checked again (the registry may have changed since the preview) unless the
    caller passes the plan it has just made. Raises ImportRefused when the batch cannot be applied
    (already applied, problems found) and ImportFailed when writing crashed; in both cases nothing of
    the file is in the registry.
    """
    if user is not None and not in_reach(batch, user, "change"):
        raise ImportRefused("该批次不属于您的辖区，不能导入")
    if batch.state != "previewed":
        raise ImportRefused(f"该批次状态为“{batch.get_state_display()}”，不能导入")
    if plan is None:
        path = Path(batch.stored_path)
        if not path.exists():
            raise ImportRefused("上传的文件已不存在，请重新上传")
        plan = analyse(path, batch.file_name, today=today, progress=progress, district_id=batch.district_id)
    if not plan.ok:
        ImportBatch.objects.filter(pk=batch.pk, state="previewed").update(
            state="rejected",
            valid_rows=plan.valid_rows,
            problems=[p.as_dict() for p in plan.problems[:MAX_PROBLEMS_STORED]],
            report=plan.report(),
        )
        raise ImportRefused(
            "确认导入时重新校验发现问题（系统数据在预览后有变化），未写入任何数据，请查看问题清单"
        )
    user_id = user.pk if user is not None else None
    reason = f"企业名录导入：{batch.file_name}"[:100]
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state != "previewed":
                raise ImportRefused(f"该批次状态为“{locked.get_state_display()}”，不能重复导入")
            result = write_plan(
                plan, origin=origin_of(locked), user_id=user_id, reason=reason, progress=progress
            )
            locked.state = "applied"
            locked.applied_at = timezone.now()
            locked.created_count, locked.updated_count = result.created, result.updated
            locked.valid_rows = plan.valid_rows
            locked.report = {**locked.report, "result": result.__dict__}
            locked.save()
    except ImportRefused:
        raise
    except Exception as exc:
        logger.exception("registry import of batch %s failed; rolled back", batch.pk)
        message = "导入过程中出错，已全部撤销，没有写入任何数据。请稍后重试；如果反复出现，请联系系统管理员"
        # The rollback has happened; the failure itself is recorded in a transaction of its own.
        with transaction.atomic():
            fresh = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if fresh.state != "previewed":  # e.g. a second 确认导入 that waited for the first one's lock
                raise ImportRefused(f"该批次状态为“{fresh.get_state_display()}”，不能重复导入") from exc
            fresh.state = "failed"
            fresh.report = {
                **fresh.report,
                "error": message,
                "error_detail": f"{type(exc).__name__}: {exc}"[:500],
            }
            fresh.save(update_fields=["state", "report"])
        raise ImportFailed(message) from exc
    batch.refresh_from_db()
    return result
