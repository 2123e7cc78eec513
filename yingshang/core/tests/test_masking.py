"""Masking of personal data (core.masking): one rule for phones, names, accounts and e-mail."""

from __future__ import annotations

import pytest

from yingshang.core.masking import (
    mask_account,
    mask_contact,
    mask_email,
    mask_in_text,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13812345678", "138****5678"),  # a mobile: first 3 and last 4
        ("13800001234", "138****1234"),
        ("+8613812345678", "+86138****5678"),
        ("86 13812345678", "86 138****5678"),
        (" 13912345678 ", "139****5678"),
        ("0917-3216666", "0917-***6666"),  # a landline: area code, separator and last 4
        ("09173216666", "0917***6666"),
        ("010-12345678", "010-****5678"),  # Beijing and 02X have 3-digit area codes
        ("02112345678", "021****5678"),
        ("3216666", "***6666"),  # a local number without area code: last 4
        ("400-810-8888", "***-***-8888"),  # anything else of 7 or more: last 4, separators kept
        ("123456", "******"),  # short: all stars
        ("12345", "*****"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_keeps_only_what_the_rule_allows(phone, shown):
    assert mask_phone(phone) == shown


@pytest.mark.parametrize(
    "phone", ["13812345678", "0917-3216666", "010-12345678", "3216666", "400-810-8888", "12345"]
)
def test_a_masked_phone_keeps_the_length_of_the_number(phone):
    assert len(mask_phone(phone)) == len(phone)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("欧阳", "欧*"),  # two characters: a surname and a given name, not a compound surname
        ("司马相如", "司马**"),
        ("王", "*"),
        (" 赵六 ", "赵*"),
        ("John Smith", "J*********"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_name_keeps_its_surname(name, shown):
    assert mask_name(name) == shown


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("6222021234567890123", "***************0123"),
        ("6222 0212 3456", "********3456"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_an_account_keeps_only_its_last_four_digits(number, shown):
    assert mask_account(number) == shown


@pytest.mark.parametrize(
    ("email", "shown"),
    [("zhang@example.com", "z***@example.com"), ("a@b.cn", "a***@b.cn"), ("nonsense", "********"), ("", "")],
)
def test_an_email_keeps_its_first_character_and_domain(email, shown):
    assert mask_email(email) == shown


@pytest.mark.parametrize(
    ("contact", "shown"), [("13812341234", "138****1234"), ("zhang@example.com", "z***@example.com")]
)
def test_a_contact_is_masked_by_its_kind(contact, shown):
    assert mask_contact(contact) == shown


@pytest.mark.parametrize(
    ("text", "names", "shown"),
    [
        ("请打13812345678联系我", (), "请打138****5678联系我"),
        ("电话 +86 13812345678。", (), "电话 +86 138****5678。"),
        ("座机0917-3216666转总机", (), "座机0917-***6666转总机"),
        ("身份证610302199001011234，请核实", (), "身份证**************1234，请核实"),
        ("身份证61030219900101123X", (), "身份证**************123X"),
        ("邮箱 zhang@example.com 可联系", (), "邮箱 z***@example.com 可联系"),
        ("我是张三，在经二路开店", ("张三",), "我是张*，在经二路开店"),
        ("订单号 2026112012 未处理", (), "订单号 2026112012 未处理"),
        ("2026年11月20日上午10点", (), "2026年11月20日上午10点"),
        ("三号窗口无人", ("三",), "三号窗口无人"),
        ("", ("张三",), ""),
    ],
)
def test_free_text_keeps_its_words_and_masks_the_contact_data_in_it(text, names, shown):
    assert mask_in_text(text, names) == shown
