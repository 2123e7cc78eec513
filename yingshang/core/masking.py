"""Masking personal data: one rule for phones, names, bank accounts and e-mail addresses.

Who sees the full value is the caller's question (the handling department, the office); everyone else
gets the masked form, written by these functions only. The rule:

* **Mobile** (11 digits starting with 1, optionally after +86 / 86): the first 3 and the last 4 digits
  stay: ``13812345678`` → ``138****5678``.
* **Landline with an area code** (starting with 0): the area code stays (3 digits for 010 and 02X, else
  4), so does the separator and the last 4 digits: ``0917-3216666`` → ``0917-***6666``,
  ``01012345678`` → ``010****5678``.
* **Any other number** of 7 or more characters: only the last 4 stay (``3216666`` → ``***6666``);
  anything shorter is all stars (``12345`` → ``*****``): 4 digits of a 5-digit number say too much.
* **Name**: the surname stays, every other character is a star: ``张三`` → ``张*``, ``李小明`` → ``李**``,
  ``欧阳娜娜`` → ``欧阳**`` (a two-character compound surname is kept when the name is longer than
  two characters); a one-character name is ``*``.
* **Bank account**: the last 4 digits only, spaces dropped: ``6222 0212 3456`` → ``********3456``;
  4 digits or fewer are all stars.
* **E-mail**: the first character of the local part and the domain: ``zhang@example.com`` →
  ``z***@example.com``.

A masked value keeps the length of what it hides (one star per hidden character, except in e-mail),
so a clerk can tell a mobile from a landline at a glance. Blank in, blank out.

**Free text** that is shown in public (what a requester wrote) goes through `mask_in_text`: every
mobile, landline, e-mail address and long run of digits (身份证号, bank account) in it is masked by
the rules above, and so is each name the caller knows belongs to the writer.
"""

from __future__ import annotations

import re

__all__ = ["mask_account", "mask_contact", "mask_email", "mask_in_text", "mask_name", "mask_phone"]

_MOBILE = re.compile(r"^(?P<prefix>(?:\+?86[ -]?)?)(?P<number>1\d{10})$")
_LANDLINE = re.compile(r"^(?P<area>0(?:10|2\d|[3-9]\d{2}))(?P<rest>[- ]?\d{7,8})$")
# Compound surnames (复姓) common enough to matter; a name starting with one keeps both characters.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "令狐",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "呼延",
        "钟离",
        "澹台",
        "太史",
        "申屠",
        "闻人",
        "万俟",
        "百里",
        "东郭",
        "赫连",
        "濮阳",
        "司空",
        "公冶",
        "左丘",
        "第五",
    }
)


def _stars(text: str) -> str:
    """Every digit or letter of `text` as a star; separators stay where they are."""
    return "".join("*" if ch.isalnum() else ch for ch in text)


def _keep_last_four(text: str) -> str:
    return _stars(text[:-4]) + text[-4:]


def mask_phone(phone: str | None) -> str:
    """A mobile or a landline, masked by the rule above."""
    text = str(phone or "").strip()
    if not text:
        return ""
    mobile = _MOBILE.match(text)
    if mobile:
        number = mobile["number"]
        return f"{mobile['prefix']}{number[:3]}****{number[-4:]}"
    landline = _LANDLINE.match(text)
    if landline:
        return landline["area"] + _keep_last_four(landline["rest"])
    if len(text) < 7:
        return "*" * len(text)
    return _keep_last_four(text)


def mask_name(name: str | None) -> str:
    """A person's name with the surname kept: 张* / 李** / 欧阳**."""
    text = str(name or "").strip()
    if not text:
        return ""
    kept = 2 if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else 1
    if len(text) == 1:
        kept = 0
    return text[:kept] + "*" * (len(text) - kept)


def mask_account(number: str | None) -> str:
    """A bank account with its last 4 digits only: '6222021234567890123' → '***************0123'."""
    digits = "".join(str(number or "").split())
    if not digits:
        return ""
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_email(email: str | None) -> str:
    """z***@example.com; text without an @ is all stars."""
    text = str(email or "").strip()
    local, at, domain = text.partition("@")
    if not at:
        return "*" * len(text)
    return f"{local[:1]}***@{domain}"


def mask_contact(contact: str | None) -> str:
    """A mobile number or an e-mail address (a message's recipient), each masked by its own rule."""
    text = str(contact or "")
    return mask_email(text) if "@" in text else mask_phone(text)


# Free text: numbers are found only where no other digit touches them, so an order number or a date
# is not taken for a phone; 15 or more digits (an ID card, a bank account) are masked whatever they are.
_TEXT_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9]{9}(?![0-9])")
_TEXT_LANDLINE = re.compile(r"(?<![0-9])0(?:10|2[0-9]|[3-9][0-9]{2})[- ]?[0-9]{7,8}(?![0-9])")
_TEXT_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,}[0-9Xx](?![0-9A-Za-z])")
_TEXT_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_in_text(text: str | None, names: tuple[str, ...] = ()) -> str:
    """`text` with the phones, e-mail addresses, ID and account numbers in it masked, and each of
    `names` (the writer's own, known to the caller) masked wherever it appears."""
    result = str(text or "")
    result = _TEXT_EMAIL.sub(lambda m: mask_email(m.group()), result)
    result = _TEXT_LONG_NUMBER.sub(lambda m: mask_account(m.group()), result)
    result = _TEXT_MOBILE.sub(lambda m: mask_phone(m.group()), result)
    result = _TEXT_LANDLINE.sub(lambda m: mask_phone(m.group()), result)
    for name in names:
        name = name.strip()
        if len(name) >= 2:  # one character would mask that character everywhere in the text
            result = result.replace(name, mask_name(name))
    return result
