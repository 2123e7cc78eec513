"""The shipped GB/T 4754-2017 code table, read once. Plain Python, no Django."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("data") / "gbt4754_2017.csv"


@dataclass(frozen=True)
class IndustryCode:
    code: str
    name: str
    level: str  # 门类 | 大类 | 中类 | 小类
    parent: str


@cache
def industry_table() -> dict[str, IndustryCode]:
    with TABLE_PATH.open(encoding="utf-8") as handle:
        return {
            row["code"]: IndustryCode(row["code"], row["name"], row["level"], row["parent"])
            for row in csv.DictReader(handle)
        }


def section_of(code: str) -> str:
    """The 门类 letter of any code in the table; '' for an unknown code."""
    table = industry_table()
    entry = table.get(code)
    while entry is not None and entry.level != "门类":
        entry = table.get(entry.parent)
    return entry.code if entry else ""


def sections() -> list[IndustryCode]:
    return [c for c in industry_table().values() if c.level == "门类"]


def divisions() -> list[IndustryCode]:
    return [c for c in industry_table().values() if c.level == "大类"]
