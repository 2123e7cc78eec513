"""The payment form reads the amount in yuan through core.money: exact fen, or a Chinese message."""

from __future__ import annotations

import pytest

from yingshang.entitlements.forms import PaymentForm


def form(amount: str) -> PaymentForm:
    return PaymentForm({"voucher_no": "PZ-1", "paid_on": "2026-11-20", "amount": amount})


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("100000", 10_000_000),
        ("100,000.00", 10_000_000),
        ("1234.5", 123_450),
        ("0.01", 1),
        ("１２３４．５６", 123_456),  # typed with a Chinese input method
        ("100000元", 10_000_000),
        ("10万元", 10_000_000),
    ],
)
def test_an_amount_in_yuan_becomes_exact_fen(amount, fen):
    bound = form(amount)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["amount"] == fen


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("十万", "金额“十万”无法识别"),
        ("12.345", "金额“12.345”精确到分以下"),
        ("-5", "金额“-5”不能为负数"),
        ("0", "兑付金额必须大于 0"),
        ("99999999999999万元", "超过 100万亿元"),
    ],
)
def test_a_bad_amount_is_refused_with_a_chinese_message(amount, message):
    bound = form(amount)
    assert not bound.is_valid()
    assert message in bound.errors["amount"][0]
