"""Small typed readers for settings that come from environment variables.

Every variable read here is listed in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import os

from yingshang.core.errors import UserError


class ConfigurationError(UserError, RuntimeError):
    """A setting is missing or malformed; raised before the server starts."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"环境变量 {name} 的值“{raw}”无法识别为真假值，请使用 true 或 false")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"环境变量 {name} 的值“{raw}”不是整数") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]
