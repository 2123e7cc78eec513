"""Money (core.money): Chinese amount text to integer fen and back, exactly, with Chinese errors."""

from __future__ import annotations

import ast
import pathlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.core.errors import UserError
from yingshang.core.money import (
    MAX_FEN,
    MoneyError,
    format_amount,
    format_fen,
    parse_money,
    to_yuan,
    yuan_input,
)


@pytest.mark.parametrize(
    ("text", "unit", "fen"),
    [
        ("5.5万元", None, 5_500_000),
        ("30万元", None, 30_000_000),
        ("1,234.56元", None, 123_456),
        ("100元", None, 10_000),
        ("0.01元", None, 1),
        ("5.5万", None, 5_500_000),
        ("1.2亿元", None, 12_000_000_000),
        ("250分", None, 250),
        ("0元", None, 0),
        (" 20 万元 ", None, 20_000_000),
        ("１２３．４５元", None, 12_345),  # full-width digits, as typed with a Chinese input method
        ("1，000元", None, 100_000),  # a full-width comma
        ("100000.00", "元", 10_000_000),  # a form field in yuan: the unit is given apart
        ("10万元", "元", 10_000_000),  # … and a unit written in the text wins
        ("7.5", "万元", 7_500_000),
        (Decimal("5.5"), "万元", 5_500_000),
        (5.5, "万元", 5_500_000),
        (3000, "元", 300_000),
        ("100000000000000元", None, MAX_FEN),  # 100 万亿元, the largest amount accepted
    ],
)
def test_amounts_are_read_exactly_into_fen(text, unit, fen):
    assert parse_money(text, unit) == fen


@pytest.mark.parametrize(
    ("text", "unit", "code", "message"),
    [
        ("12.345元", None, "money.sub_fen", "金额“12.345元”精确到分以下，请写成整数分或精确的元/万元"),
        ("0.5分", None, "money.sub_fen", "金额“0.5分”精确到分以下，请写成整数分或精确的元/万元"),
        (
            0.1 + 0.2,
            "元",
            "money.sub_fen",
            "金额“0.30000000000000004元”精确到分以下，请写成整数分或精确的元/万元",
        ),
        ("-5元", None, "money.negative", "金额“-5元”不能为负数"),
        (
            "99999999999999万元",
            None,
            "money.too_large",
            "金额“99999999999999万元”超过 100万亿元，请核对数值和单位",
        ),
        ("100000000000001元", None, "money.too_large", "超过 100万亿元"),
        (1e20, "元", "money.too_large", "超过 100万亿元"),
        ("1e10", None, "money.syntax", "金额“1e10”无法识别，请写成如“5万元”“3000元”“1.2亿元”"),
        ("1e10元", None, "money.syntax", "无法识别"),
        ("五万元", None, "money.syntax", "金额“五万元”无法识别"),
        ("5万美元", None, "money.syntax", "无法识别"),
        ("", None, "money.syntax", "金额“”无法识别"),
        ("1" * 41 + "元", None, "money.syntax", "金额“" + "1" * 40 + "…”无法识别"),
        ("1." + "0" * 30 + "1元", None, "money.sub_fen", "精确到分以下"),  # no rounding at 28 digits
        (True, "元", "money.syntax", "无法识别"),
        (float("nan"), "元", "money.syntax", "无法识别"),
        (50000, None, "money.unit", "金额“50000”缺少单位，请写成如“50000元”或“50000万元”"),
        ("5", "英镑", "money.unit", "金额单位“英镑”无法识别，可选：元、万元、亿元、分"),
    ],
)
def test_bad_amounts_are_refused_with_a_chinese_message(text, unit, code, message):
    with pytest.raises(MoneyError) as caught:
        parse_money(text, unit)
    assert caught.value.code == code
    assert message in caught.value.message
    assert isinstance(caught.value, UserError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00 元"),
        (1, "0.01 元"),
        (123_456, "1,234.56 元"),
        (12_345_678, "123,456.78 元"),
        (100_000_000_000, "1,000,000,000.00 元"),
        (-50_000, "-500.00 元"),
        (-1, "-0.01 元"),
    ],
)
def test_fen_is_shown_with_thousands_separators_and_the_unit(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize(("unknown", "text"), [("—", "—"), ("金额待定", "金额待定")])
def test_an_unknown_amount_is_shown_as_the_callers_word(unknown, text):
    assert format_fen(None, unknown) == text


def test_an_unknown_amount_is_a_dash_unless_told():
    assert format_fen(None) == "—"


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (5_500_000, "5.5万元"),
        (100_000_000, "100万元"),
        (300_000, "3000元"),
        (12_000_000_000, "1.2亿元"),
        (1_234_567, "12345.67元"),
        (1, "0.01元"),
        (0, "0元"),
        (1_000_000, "1万元"),
        (1_234_500, "1.2345万元"),
    ],
)
def test_an_amount_is_written_short_as_a_policy_writes_it(fen, text):
    assert format_amount(fen) == text


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_the_short_form_reads_back_to_the_same_fen(fen):
    assert parse_money(format_amount(fen)) == fen


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["元", "万元", "亿元"]))
def test_any_whole_fen_written_in_any_unit_reads_back(fen, unit):
    per_unit = {"元": 100, "万元": 1_000_000, "亿元": 10_000_000_000}[unit]
    assert parse_money(f"{Decimal(fen) / per_unit:f}{unit}") == fen


@pytest.mark.parametrize(
    ("fen", "value"),
    [(123_456_789, Decimal("1234567.89")), (1, Decimal("0.01")), (0, Decimal("0.00")), (None, None)],
)
def test_a_spreadsheet_cell_gets_exact_yuan(fen, value):
    assert to_yuan(fen) == value
    if value is not None:
        assert str(to_yuan(fen)) == str(value)  # two places, as the cell shows them


@pytest.mark.parametrize(
    ("fen", "text"), [(12_345_600, "123456.00"), (1, "0.01"), (0, "0.00"), (-250, "-2.50"), (None, "")]
)
def test_a_form_field_in_yuan_gets_plain_digits_that_read_back(fen, text):
    assert yuan_input(fen) == text
    if fen is not None and fen >= 0:
        assert parse_money(text, "元") == fen


def test_the_money_module_imports_no_django():
    """The pure rules engine reads amounts through it."""
    source = pathlib.Path(__file__).parents[1].joinpath("money.py").read_text(encoding="utf-8")
    modules = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in modules if m and m.split(".")[0] == "django"]
