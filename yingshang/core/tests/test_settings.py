"""Settings from environment variables: production refuses to start unsafe, and every variable is documented.

Each case imports the settings in a fresh interpreter, as a server start would; the running test process
keeps its own settings untouched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

from yingshang.env import ConfigurationError, env_bool, env_int, env_list, env_str, secret_is_random

REPO = Path(__file__).resolve().parents[3]
GOOD_SECRET = "k3J9-vQx_7pLm2NwRt5ZyA8bC4dE6fG1hH0iJ-uKoP9sQrS2tUvW3xYz4AbCdEfGhIj"
SETTINGS_READ = (
    "import json, yingshang.settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': s.DATABASES['default']['NAME'], 'secure_cookie': s.SESSION_COOKIE_SECURE, "
    "'hosts': s.ALLOWED_HOSTS, 'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
    "'hsts': s.SECURE_HSTS_SECONDS}))"
)


def import_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import yingshang.settings in a new interpreter with exactly these YINGSHANG_* variables."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YINGSHANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["YINGSHANG_DATA_DIR"] = str(tmp_path)
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_READ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = import_settings(tmp_path, YINGSHANG_ENV="production")
    assert result.returncode != 0
    assert "生产环境必须设置 YINGSHANG_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "secret",
    [
        "dev-only-insecure-key-do-not-use-in-production",  # the development default
        "too-short-but-random-7Gx2",  # under 50 characters
        "a" * 64,  # long, but one repeated character
        "abcde" * 10,  # 50 characters of every kind the old check counted, but a repeated fragment
        "Aa1!" * 16,  # four character kinds, still a repeated fragment
    ],
)
def test_production_refuses_a_development_short_or_trivial_secret_key(tmp_path, secret):
    result = import_settings(tmp_path, YINGSHANG_ENV="production", YINGSHANG_SECRET_KEY=secret)
    assert result.returncode != 0
    assert "YINGSHANG_SECRET_KEY" in result.stderr and "至少 50 个字符" in result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path):
    result = import_settings(
        tmp_path, YINGSHANG_ENV="production", YINGSHANG_SECRET_KEY=GOOD_SECRET, YINGSHANG_DEBUG="true"
    )
    assert result.returncode != 0
    assert "生产环境不得开启 YINGSHANG_DEBUG" in result.stderr


def test_production_starts_with_a_real_secret_and_debug_off(tmp_path):
    result = import_settings(
        tmp_path,
        YINGSHANG_ENV="production",
        YINGSHANG_SECRET_KEY=GOOD_SECRET,
        YINGSHANG_ALLOWED_HOSTS="yingshang.example.gov.cn, 10.0.0.5",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["secure_cookie"] is True
    assert values["hosts"] == ["yingshang.example.gov.cn", "10.0.0.5"]
    assert values["hsts"] == 31_536_000


def test_development_needs_no_variable_and_uses_sqlite_in_the_data_dir(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert Path(values["name"]) == tmp_path / "yingshang.sqlite3"


def test_the_database_url_selects_postgresql(tmp_path):
    result = import_settings(
        tmp_path,
        YINGSHANG_DATABASE_URL="postgres://yingshang:secret@db.internal:5433/yingshang",
        YINGSHANG_DB_CONN_MAX_AGE="60",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "yingshang"
    assert values["conn_max_age"] == 60


def test_an_unknown_environment_name_is_refused(tmp_path):
    result = import_settings(tmp_path, YINGSHANG_ENV="staging")
    assert result.returncode != 0
    assert "YINGSHANG_ENV 只能是 development 或 production" in result.stderr


@pytest.mark.parametrize("ceiling", ["0", "20000000000"])
def test_an_item_amount_ceiling_outside_one_yuan_to_ten_billion_is_refused(tmp_path, ceiling):
    result = import_settings(tmp_path, YINGSHANG_ITEM_AMOUNT_CEILING_YUAN=ceiling)
    assert result.returncode != 0
    expected = "YINGSHANG_ITEM_AMOUNT_CEILING_YUAN 应是 1 到 10000000000（100亿）之间的整数（元）"
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("1", True),
        ("Yes", True),
        (" on ", True),
        ("false", False),
        ("0", False),
        ("OFF", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("YINGSHANG_TEST_FLAG", raw)
    assert env_bool("YINGSHANG_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", [None, ""])
def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("YINGSHANG_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("YINGSHANG_TEST_FLAG", raw)
    assert env_bool("YINGSHANG_TEST_FLAG", default=True) is True
    assert env_bool("YINGSHANG_TEST_FLAG", default=False) is False


def test_env_bool_rejects_a_value_it_cannot_read_with_a_chinese_message(monkeypatch):
    monkeypatch.setenv("YINGSHANG_DEBUG", "maybe")
    with pytest.raises(ConfigurationError, match="环境变量 YINGSHANG_DEBUG 的值“maybe”无法识别为真假值"):
        env_bool("YINGSHANG_DEBUG")


def test_env_int_rejects_a_non_integer_with_a_chinese_message(monkeypatch):
    monkeypatch.setenv("YINGSHANG_IMPORT_MAX_MB", "20MB")
    with pytest.raises(ConfigurationError, match="环境变量 YINGSHANG_IMPORT_MAX_MB 的值“20MB”不是整数"):
        env_int("YINGSHANG_IMPORT_MAX_MB", 20)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, ["fallback"]), ("  ", ["fallback"]), ("a.gov.cn", ["a.gov.cn"]), (" a , ,b ", ["a", "b"])],
)
def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("YINGSHANG_TEST_LIST", raising=False)
    else:
        monkeypatch.setenv("YINGSHANG_TEST_LIST", raw)
    assert env_list("YINGSHANG_TEST_LIST", ["fallback"]) == expected


def test_env_str_returns_the_value_or_the_default(monkeypatch):
    monkeypatch.delenv("YINGSHANG_TEST_TEXT", raising=False)
    assert env_str("YINGSHANG_TEST_TEXT", "默认") == "默认"
    monkeypatch.setenv("YINGSHANG_TEST_TEXT", "17:00")
    assert env_str("YINGSHANG_TEST_TEXT", "默认") == "17:00"


def variables_read_by(paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        names.update(re.findall(r"\bYINGSHANG_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    return names


def test_every_variable_the_code_reads_is_documented():
    code = [REPO / "dev.py"] + [
        path for path in (REPO / "yingshang").rglob("*.py") if "tests" not in path.relative_to(REPO).parts
    ]
    documented = set(
        re.findall(r"`(YINGSHANG_[A-Z0-9_]+)`", (REPO / "docs" / "configuration.md").read_text())
    )
    read = variables_read_by(code)
    assert {"YINGSHANG_SECRET_KEY", "YINGSHANG_DATABASE_URL"} <= read  # the scan itself works
    assert sorted(read - documented) == []


@pytest.mark.parametrize(
    ("secret", "random"),
    [
        (GOOD_SECRET, True),
        ("Xq7" + "-" * 47, False),  # long enough, but almost one character
        ("abcde" * 10, False),
        ("0123456789" * 6, False),  # ten distinct characters only
    ],
)
def test_a_secret_must_look_generated_not_typed(secret: str, random: bool) -> None:
    assert secret_is_random(secret) is random


def test_generated_secrets_pass() -> None:
    assert all(secret_is_random(secrets.token_urlsafe(64)) for _ in range(20))
    assert all(secret_is_random(get_random_secret_key()) for _ in range(20))
