"""Money, in one place: amounts are integer fen (分), read from Chinese text and shown as Chinese text.

Plain Python, no Django import: the pure rules engine (`policies/rules/`) reads the amounts of a pack
through `parse_money` too.

* `parse_money("5.5万元")` → 5500000. Text such as "30万元", "1,234.56元", "100元", "0.01元",
  "1.2亿元", "250分", or a number with the unit given apart (`parse_money("7.5", "万元")`,
  `parse_money(3000, "元")`). Read with Decimal, never float: anything finer than a fen is an error,
  not a rounding; so are negative amounts and amounts above `MAX_FEN` (100 万亿元). A float handed in
  from Python is read through its shortest repr, so `0.1 + 0.2` is caught rather than rounded.
  Errors are `MoneyError` (a `UserError` and a `ValueError`) with a Chinese message and a stable
  `code`.
* `format_fen(12345678)` → "123,456.78 元": the amount on pages, messages and in sentences.
  `format_fen(None)` gives the `unknown` text ("—" unless told, e.g. "金额待定").
* `format_amount(5500000)` → "5.5万元": the short form a policy is written in; `parse_money` reads
  it back to the same fen.
* `to_yuan(fen)` → `Decimal("1234.56")`: exact yuan for a spreadsheet cell.
* `yuan_input(fen)` → "1234.56": the value of a form field asking for yuan.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation, localcontext

from yingshang.core.errors import UserError

__all__ = [
    "FEN_PER_UNIT",
    "MAX_FEN",
    "MoneyError",
    "as_decimal",
    "format_amount",
    "format_fen",
    "parse_money",
    "to_yuan",
    "yuan_input",
]

FEN_PER_UNIT: dict[str, int] = {
    "分": 1,
    "元": 100,
    "万": 1_000_000,
    "万元": 1_000_000,
    "亿": 10_000_000_000,
    "亿元": 10_000_000_000,
}
# 100 万亿元, about the country's yearly GDP: no amount a district handles comes near it, and every
# product the engine forms with a percentage still fits a 64-bit integer.
MAX_FEN = 10**16
_MAX_TEXT = "100万亿元"
_MAX_CHARACTERS = 40  # longer text is not an amount anyone wrote

_MONEY_RE = re.compile(
    r"^\s*(?P<number>[+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>分|元|万元|万|亿元|亿)?\s*$"
)
_NUMBER_RE = re.compile(r"^\s*[+-]?[0-9][0-9,]*(?:\.[0-9]+)?\s*$")


class MoneyError(UserError, ValueError):
    """An amount that cannot be read exactly; `code` is stable for programs ("money.syntax",
    "money.unit", "money.sub_fen", "money.negative", "money.too_large")."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


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


def parse_money(value: object, unit: str | None = None) -> int:
    """Integer fen from "5.5万元", "3000元", "1,234.56元", "1.2亿元", or a number plus a separate
    `unit` (used when the text names none). Full-width digits and commas are read as their ASCII
    forms. `MoneyError` with a Chinese message otherwise."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value)
    shown = value.strip() if isinstance(value, str) else f"{value}{unit or ''}"
    if len(shown) > _MAX_CHARACTERS:
        shown = shown[:_MAX_CHARACTERS] + "…"
    if isinstance(value, str):
        match = _MONEY_RE.match(value) if len(value) <= _MAX_CHARACTERS else None
        if not match:
            raise MoneyError("money.syntax", f"金额“{shown}”无法识别，请写成如“5万元”“3000元”“1.2亿元”")
        number = Decimal(match["number"].replace(",", ""))
        unit = match["unit"] or unit
    else:
        decimal = as_decimal(value)
        if decimal is None:
            raise MoneyError("money.syntax", f"金额“{shown}”无法识别，请写成如“5万元”“3000元”")
        number = decimal
    if not unit:
        raise MoneyError("money.unit", f"金额“{shown}”缺少单位，请写成如“{shown}元”或“{shown}万元”")
    if unit not in FEN_PER_UNIT:
        raise MoneyError("money.unit", f"金额单位“{unit}”无法识别，可选：元、万元、亿元、分")
    with localcontext(prec=100):  # exact: a number has at most 40 digits, a unit 11
        fen = number * FEN_PER_UNIT[unit]
    if fen < 0:
        raise MoneyError("money.negative", f"金额“{shown}”不能为负数")
    if fen > MAX_FEN:
        raise MoneyError("money.too_large", f"金额“{shown}”超过 {_MAX_TEXT}，请核对数值和单位")
    if fen != fen.to_integral_value():
        raise MoneyError("money.sub_fen", f"金额“{shown}”精确到分以下，请写成整数分或精确的元/万元")
    return int(fen)


def format_fen(fen: int | None, unknown: str = "—") -> str:
    """12345678 → "123,456.78 元" (integer arithmetic, never a float); None → `unknown`."""
    if fen is None:
        return unknown
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d} 元"


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def format_amount(fen: int) -> str:
    """The short amount a policy is written in, read back by `parse_money` to the same fen:
    "5.5万元", "1.2亿元", "3000元", "12.34元"."""
    if fen % 100 == 0 and fen >= FEN_PER_UNIT["亿元"]:
        return _plain(Decimal(fen) / FEN_PER_UNIT["亿元"]) + "亿元"
    if fen % 100 == 0 and fen >= FEN_PER_UNIT["万元"]:
        return _plain(Decimal(fen) / FEN_PER_UNIT["万元"]) + "万元"
    if fen % 100 == 0:
        return f"{fen // 100}元"
    return f"{Decimal(fen) / 100:.2f}元"


def to_yuan(fen: int | None) -> Decimal | None:
    """Exact yuan with two places for a spreadsheet cell: 123456789 → Decimal("1234567.89")."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def yuan_input(fen: int | None) -> str:
    """The value of a form field in yuan: 12345600 → "123456.00"; None → ""."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
