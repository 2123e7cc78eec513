"""Exact parsing and Chinese formatting of the values rules talk about: money, percentages, dates.

Money is integer fen. Text such as "5.5万元" is read with Decimal, never float, and must come out a
whole number of fen; anything finer is an error, not a rounding. A float handed in from Python is
read through its shortest repr ("0.30000000000000004"), so a float that is not the decimal the
writer meant is caught the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from yingshang.policies.rules.errors import RuleSyntaxError

FEN_PER_UNIT: dict[str, int] = {
    "分": 1,
    "元": 100,
    "万": 1_000_000,
    "万元": 1_000_000,
    "亿": 10_000_000_000,
    "亿元": 10_000_000_000,
}

_MONEY_RE = re.compile(
    r"^\s*(?P<number>[+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>分|元|万元|万|亿元|亿)?\s*$"
)
_PERCENT_RE = re.compile(r"^\s*(?P<number>[+-]?[0-9]+(?:\.[0-9]+)?)\s*[%％]\s*$")
_NUMBER_RE = re.compile(r"^\s*[+-]?[0-9][0-9,]*(?:\.[0-9]+)?\s*$")
_DATE_RES = (
    re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})\.(\d{1,2})\.(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$"),
)


def as_decimal(value: object) -> Decimal | None:
    """A number as an exact Decimal: ints, Decimals, floats via their repr, numeric text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal | float):
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        return number if number.is_finite() else None
    if isinstance(value, str) and _NUMBER_RE.match(value):
        try:
            return Decimal(value.replace(",", "").strip())
        except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
            return None
    return None


def _money_text(value: object, unit: str | None) -> str:
    return f"{value}{unit or ''}" if not isinstance(value, str) else value.strip()


def parse_money(value: object, unit: str | None = None) -> int:
    """Integer fen from "5.5万元", "3000元", "1.2亿元", or a number plus a separate unit."""
    shown = _money_text(value, unit)
    if isinstance(value, str):
        match = _MONEY_RE.match(value)
        if not match:
            raise RuleSyntaxError("money.syntax", f"金额“{shown}”无法识别，请写成如“5万元”“3000元”“1.2亿元”")
        number = Decimal(match["number"].replace(",", ""))
        unit = match["unit"] or unit
    else:
        decimal = as_decimal(value)
        if decimal is None:
            raise RuleSyntaxError("money.syntax", f"金额“{shown}”无法识别，请写成如“5万元”“3000元”")
        number = decimal
    if not unit:
        raise RuleSyntaxError("money.unit", f"金额“{shown}”缺少单位，请写成如“{shown}元”或“{shown}万元”")
    if unit not in FEN_PER_UNIT:
        raise RuleSyntaxError("money.unit", f"金额单位“{unit}”无法识别，可选：元、万元、亿元、分")
    fen = number * FEN_PER_UNIT[unit]
    if fen != fen.to_integral_value():
        raise RuleSyntaxError("money.sub_fen", f"金额“{shown}”精确到分以下，请写成整数分或精确的元/万元")
    if fen < 0:
        raise RuleSyntaxError("money.negative", f"金额“{shown}”不能为负数")
    return int(fen)


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def format_money(fen: int) -> str:
    """Chinese amount text that `parse_money` reads back to the same fen: "5.5万元", "3000元", "12.34元"."""
    if fen % 100 == 0 and fen >= FEN_PER_UNIT["亿元"]:
        return _plain(Decimal(fen) / FEN_PER_UNIT["亿元"]) + "亿元"
    if fen % 100 == 0 and fen >= FEN_PER_UNIT["万元"]:
        return _plain(Decimal(fen) / FEN_PER_UNIT["万元"]) + "万元"
    if fen % 100 == 0:
        return f"{fen // 100}元"
    return f"{Decimal(fen) / 100:.2f}元"


def parse_percent(value: object) -> Decimal:
    """Percentage points from "10%" or "5.5%". A bare number is refused: 0.1 and 10 both look plausible."""
    if isinstance(value, str):
        match = _PERCENT_RE.match(value)
        if match:
            return Decimal(match["number"])
    raise RuleSyntaxError("percent.syntax", f"百分比“{value}”请写成带百分号的形式，如“10%”“5.5%”")


def format_percent(points: Decimal) -> str:
    return _plain(Decimal(points)) + "%"


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise RuleSyntaxError("date.syntax", f"“{value}”是时间，请只写日期，如“2024-01-01”")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for pattern in _DATE_RES:
            match = pattern.match(value)
            if match:
                try:
                    return dt.date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    raise RuleSyntaxError("date.invalid", f"日期“{value}”不存在") from None
    raise RuleSyntaxError("date.syntax", f"日期“{value}”无法识别，请写成如“2024-01-01”或“2024年1月1日”")


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def parse_int(value: object, what: str) -> int:
    decimal = as_decimal(value)
    if decimal is None or decimal != decimal.to_integral_value():
        raise RuleSyntaxError("int.syntax", f"{what}的值“{value}”不是整数")
    return int(decimal)


TRUE_WORDS = frozenset({"是", "true", "True", "yes", "有"})
FALSE_WORDS = frozenset({"否", "false", "False", "no", "无"})


def parse_bool(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip() in FALSE_WORDS:
        return False
    raise RuleSyntaxError("bool.syntax", f"{what}的值“{value}”应为“是”或“否”")
