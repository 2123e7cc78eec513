"""Password complexity (等保 level 2/3): enough kinds of characters, on top of Django's validators."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator, get_default_password_validators
from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
    ("符号", lambda c: not c.isalnum() and not c.isspace()),
)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols `password` uses."""
    return sum(1 for _, test in CLASSES if any(test(c) for c in password))


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                f"密码至少要包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"


class LengthValidator(MinimumLengthValidator):
    """Django's length rule with a Chinese message (its zh-hans catalogue lacks this plural form)."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短：至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符。"


# Letters and digits that cannot be mistaken for one another when read out or copied from a screen.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"
_SYMBOLS = "-_#@"


def one_time_password(length: int = 14) -> str:
    """A random password an administrator hands over once (a new account, a reset): every kind of
    character, so it passes CharacterClassValidator whatever the configured minimum."""
    configured = (getattr(v, "min_length", 0) for v in get_default_password_validators())
    length = max([length, *configured])
    kinds = (_UPPER, _LOWER, _DIGITS, _SYMBOLS)
    chars = [secrets.choice(kind) for kind in kinds]
    chars += [secrets.choice(_UPPER + _LOWER + _DIGITS) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
