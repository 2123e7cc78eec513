"""Small typed readers for settings that come from environment variables.

Every variable read here is listed in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import math
import os
from collections import Counter

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


def secret_is_random(secret: str, min_length: int = 50, min_bits: float = 200.0) -> bool:
    """Whether `secret` looks generated, not typed: long enough, and its characters spread so that its
    estimated entropy (Shannon entropy per character × length) reaches `min_bits`. A repeated fragment
    such as "abcde" × 10 has 50 characters but only about 116 bits; token_urlsafe(64) has over 400."""
    if len(secret) < min_length:
        return False
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret) >= min_bits and len(counts) >= 12
