"""core.passwords: the one-time password an administrator hands over meets every configured rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password

from yingshang.core.passwords import character_classes, one_time_password


@pytest.mark.parametrize("min_length", [8, 10, 24])
def test_a_one_time_password_meets_the_configured_rules(settings, min_length):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "yingshang.core.passwords.LengthValidator", "OPTIONS": {"min_length": min_length}},
        {"NAME": "yingshang.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 4}},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
    password = one_time_password()
    validate_password(password)
    assert len(password) >= min_length and character_classes(password) == 4


def test_one_time_passwords_differ():
    assert len({one_time_password() for _ in range(50)}) == 50
