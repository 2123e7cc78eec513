"""Exact parsing and Chinese formatting of the values rules talk about: money, percentages, dates.

Money is integer fen, read by `yingshang.core.money` (the one money module of the platform, pure like
this engine): `parse_money` here only turns its `MoneyError` into the engine's `RuleSyntaxError`, so
the pack loader places it (file, line, policy, item) like any other rule error.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from yingshang.core import money
from yingshang.core.money import as_decimal
from yingshang.policies.rules.errors import RuleSyntaxError

__all__ = [
    "as_decimal",
    "format_date",
    "format_percent",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_money",
    "parse_percent",
]

_PERCENT_RE = re.compile(r"^\s*(?P<number>[+-]?[0-9]+(?:\.[0-9]+)?)\s*[%％]\s*$")
_DATE_RES = (
    re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})\.(\d{1,2})\.(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$"),
)


def parse_money(value: object, unit: str | None = None) -> int:
    """`core.money.parse_money`, its errors raised as RuleSyntaxError with the same code and message."""
    try:
        return money.parse_money(value, unit)
    except money.MoneyError as exc:
        raise RuleSyntaxError(exc.code, exc.message) from None


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


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
