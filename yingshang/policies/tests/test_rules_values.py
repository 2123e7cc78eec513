"""Exact money, percentage and date values as the engine reads them: parsed with Decimal, never float.

Money itself is core.money (core/tests/test_money.py); here: the engine raises its own RuleSyntaxError
with the same codes and messages, so the pack loader places them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.core import money
from yingshang.core.money import MoneyError
from yingshang.policies.rules.errors import RuleSyntaxError
from yingshang.policies.rules.values import (
    format_date,
    parse_bool,
    parse_date,
    parse_money,
    parse_percent,
)


@pytest.mark.parametrize(("text", "unit", "fen"), [("5.5万元", None, 5_500_000), (5.5, "万元", 5_500_000)])
def test_the_engine_reads_amounts_through_core_money(text: object, unit: str | None, fen: int) -> None:
    assert parse_money(text, unit) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12.345元", "money.sub_fen"),
        ("50000", "money.unit"),
        ("五万元", "money.syntax"),
        ("-5元", "money.negative"),
        ("99999999999999万元", "money.too_large"),
    ],
)
def test_a_bad_amount_is_a_rule_error_with_the_code_and_message_of_core_money(text: str, code: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_money(text)
    with pytest.raises(MoneyError) as core:
        money.parse_money(text)
    assert (caught.value.code, caught.value.message) == (code, core.value.message)


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
