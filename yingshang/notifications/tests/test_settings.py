"""The notification settings refuse to start with a gateway that does not exist or lacks its address.

Each case imports the settings in a fresh interpreter, as a server start would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

READ = (
    "import yingshang.settings as s; print(s.NOTIFY_SMS_GATEWAY, s.NOTIFY_EMAIL_GATEWAY, s.NOTIFY_SITE_URL)"
)


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("YINGSHANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(YINGSHANG_DATA_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "-c", READ], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_by_default_both_channels_only_log(tmp_path):
    result = start(tmp_path)
    assert result.stdout.split() == ["logging", "logging"]


def test_a_real_sms_platform_and_mail_server_can_be_chosen(tmp_path):
    result = start(
        tmp_path,
        YINGSHANG_SMS_GATEWAY="http",
        YINGSHANG_SMS_URL="https://sms.example/send",
        YINGSHANG_EMAIL_GATEWAY="django",
        YINGSHANG_SITE_URL="https://yingshang.example/",
    )
    assert result.stdout.split() == ["http", "django", "https://yingshang.example"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"YINGSHANG_SMS_GATEWAY": "aliyun"}, "YINGSHANG_SMS_GATEWAY 只能是 logging 或 http"),
        ({"YINGSHANG_EMAIL_GATEWAY": "smtp"}, "YINGSHANG_EMAIL_GATEWAY 只能是 logging 或 django"),
        ({"YINGSHANG_SMS_GATEWAY": "http"}, "必须设置 YINGSHANG_SMS_URL"),
    ],
)
def test_an_unknown_gateway_or_a_missing_address_refuses_to_start(tmp_path, variables, message):
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    assert message in result.stderr
