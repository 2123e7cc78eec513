"""The 企业名录 file format: the registry's columns (enterprise and qualification sheets), their
Chinese headers, and the registry's own cell checks (USCC, industry code, levels, counts, dates)."""

from __future__ import annotations

import datetime as dt
import logging
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as uscc_std

# The cells are core's (pure: this format stays free of Django, so other apps may read it).
from yingshang.core.spreadsheets.cells import CellProblem, cell_text, normalise_header, parse_integer
from yingshang.registry import vocab
from yingshang.registry.industries import industry_table

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_ROWS = 1_000_000
MAX_PROBLEMS_STORED = 1000
MAX_SAMPLE_ROWS = 20
MAX_EMPLOYEES = 10_000_000
ENTERPRISE_SHEET = "企业名录"
QUALIFICATION_SHEET = "资质"
HEADER_HINT = "表头写法见“导入格式说明”"

# Progress reporting: (phase, done, total or None). The command draws a tqdm bar with it.
Progress = Callable[[str, int, "int | None"], None]


class ImportFailed(Exception):
    """Applying crashed and was rolled back; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def parse_count(value: Any, label: str) -> int | None:
    """A head count: a whole number from 0 to 10 million; blank is unknown (None)."""
    number = parse_integer(value, label, minimum=0)
    if number is not None and number > MAX_EMPLOYEES:
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
