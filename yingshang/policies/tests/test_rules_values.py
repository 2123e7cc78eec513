"""Exact money, percentage and date values as the engine reads them: parsed with Decimal, never float.

Money itself is core.money (core/tests/test_money.py); here: the engine raises its own RuleSyntaxError
with the same codes and messages, so the pack loader places them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.policies.rules.errors import RuleSyntaxError
from yingshang.policies.rules.values import (
    format_date,
    parse_bool,
    parse_date,
    parse_money,
    parse_percent,
)


@pytest.mark.parametrize(
    ("text", "unit", "fen"),
    [
        ("5.5万元", None, 5_500_000),
        ("5.5万", None, 5_500_000),
        ("100万元", None, 100_000_000),
        ("3000元", None, 300_000),
        ("1.2亿元", None, 12_000_000_000),
        ("12345.67元", None, 1_234_567),
        ("1,000元", None, 100_000),
        ("250分", None, 250),
        ("0.01元", None, 1),
        (" 20 万元 ", None, 20_000_000),
        (Decimal("5.5"), "万元", 5_500_000),
        (5.5, "万元", 5_500_000),
        (3000, "元", 300_000),
        ("7.5", "万元", 7_500_000),
    ],
)
def test_it_parses_amounts_exactly(text: object, unit: str | None, fen: int) -> None:
    assert parse_money(text, unit) == fen


@pytest.mark.parametrize(
    ("text", "unit", "code", "fragment"),
    [
        ("12.345元", None, "money.sub_fen", "金额“12.345元”精确到分以下，请写成整数分或精确的元/万元"),
        (0.1 + 0.2, "万元", "money.sub_fen", "精确到分以下"),
        (0.1 + 0.2, "元", "money.sub_fen", "“0.30000000000000004元”精确到分以下"),
        ("0.5分", None, "money.sub_fen", "精确到分以下"),
        (50000, None, "money.unit", "金额“50000”缺少单位"),
        ("五万元", None, "money.syntax", "金额“五万元”无法识别"),
        ("5万美元", None, "money.syntax", "无法识别"),
        ("-5元", None, "money.negative", "不能为负数"),
        (True, "元", "money.syntax", "无法识别"),
        ("5", "英镑", "money.unit", "金额单位“英镑”无法识别"),
    ],
)
def test_it_rejects_amounts_it_cannot_read_exactly(
    text: object, unit: str | None, code: str, fragment: str
) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_money(text, unit)
    assert caught.value.code == code
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "points"), [("10%", Decimal("10")), ("5.5%", Decimal("5.5")), ("60％", Decimal(60))]
)
def test_it_reads_percentages_with_their_sign(text: str, points: Decimal) -> None:
    assert parse_percent(text) == points


@pytest.mark.parametrize("raw", [Decimal("0.1"), 10, "10", "十个百分点"])
def test_it_refuses_percentages_without_a_sign(raw: object) -> None:
    with pytest.raises(RuleSyntaxError, match="请写成带百分号的形式"):
        parse_percent(raw)


@pytest.mark.parametrize("raw", ["2024-03-01", "2024/3/1", "2024.3.1", "2024年3月1日", dt.date(2024, 3, 1)])
def test_it_reads_dates_in_common_spellings(raw: object) -> None:
    assert parse_date(raw) == dt.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("2024-02-30", "日期“2024-02-30”不存在"),
        ("三月一日", "无法识别"),
        (dt.datetime(2024, 3, 1, 8, 0), "请只写日期"),
        (20240301, "无法识别"),
    ],
)
def test_it_rejects_bad_dates(raw: object, fragment: str) -> None:
    with pytest.raises(RuleSyntaxError, match=fragment):
        parse_date(raw)


def test_dates_read_in_chinese() -> None:
    assert format_date(dt.date(2025, 1, 9)) == "2025年1月9日"


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), (True, True), ("false", False)])
def test_it_reads_yes_and_no(raw: object, value: bool) -> None:
    assert parse_bool(raw, "“严重失信主体”") is value


def test_it_rejects_a_yes_no_value_it_does_not_know() -> None:
    with pytest.raises(RuleSyntaxError, match="“严重失信主体”的值“也许”应为“是”或“否”"):
        parse_bool("也许", "“严重失信主体”")
