"""Enterprise scale (大/中/小/微) by 统计上大中小微型企业划分办法（2017）, 国统字〔2017〕213号.

Plain Python, no Django: the thresholds come from the shipped copy of the public table
(`data/enterprise_scale_2017.csv`). Rules (说明 1): 大型、中型、小型 must meet the lower bound of
every listed indicator, otherwise drop one band; 微型 needs only one indicator below the 小型 bound.

Missing figures are not guessed: when one known indicator is already below the 小型 bound the answer
is 微型 whatever the others are; otherwise every listed indicator must be known, or the scale is None.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FEN_PER_WAN_YUAN = 1_000_000
TIERS = ("large", "medium", "small")

# Which indicators each industry group uses, keyed by the CSV's `industry` column.
_INDICATOR_KEYS = {"从业人员(X)": "employees", "营业收入(Y)": "revenue", "资产总额(Z)": "assets"}


@dataclass(frozen=True)
class Threshold:
    indicator: str  # employees | revenue | assets
    large: int  # in 人 for employees, in fen for money
    medium: int
    small: int


def _group_of(code: str) -> str | None:
    """The CSV industry group for a GB/T 4754-2017 code (门类 letter, or a 2–4 digit code)."""
    code = code.strip().upper()
    if not code:
        return None
    if code.isalpha():
        return {"A": "农、林、牧、渔业", "E": "建筑业", "L": "租赁和商务服务业"}.get(code) or (
            "工业*"
            if code in {"B", "C", "D"}
            else "其他未列明行业*"
            if code in {"M", "N", "O", "R"}
            else None
        )
    if not code.isdigit() or len(code) < 2:
        return None
    division = int(code[:2])
    if 1 <= division <= 5:
        return "农、林、牧、渔业"
    if 6 <= division <= 46:
        return "工业*"
    if 47 <= division <= 50:
        return "建筑业"
    simple = {
        51: "批发业",
        52: "零售业",
        60: "邮政业",
        61: "住宿业",
        62: "餐饮业",
        65: "软件和信息技术服务业",
    }
    if division in simple:
        return simple[division]
    if 54 <= division <= 58:
        return "交通运输业*"
    if division == 59:
        if len(code) < 3:
            return None  # 591 is 交通运输业, the rest 仓储业: a bare 59 cannot be placed
        return "交通运输业*" if code.startswith("591") else "仓储业"
    if division in (63, 64):
        return "信息传输业*"
    if division == 70:
        if len(code) < 4:
            return None
        return {
            "7010": "房地产开发经营",
            "7020": "物业管理",
            "7030": "其他未列明行业*",
            "7090": "其他未列明行业*",
        }.get(code[:4])
    if division in (71, 72):
        return "租赁和商务服务业"
    if 73 <= division <= 82 or division == 85 or 86 <= division <= 90:
        return "其他未列明行业*"
    return None  # 53 铁路, K 金融, P 教育, Q 卫生 (but 85), S, T: outside the 办法's table


@cache
def _thresholds() -> dict[str, tuple[Threshold, ...]]:
    table: dict[str, list[Threshold]] = {}
    path = Path(__file__).with_name("data") / "enterprise_scale_2017.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = _INDICATOR_KEYS[row["indicator"]]
            factor = 1 if key == "employees" else FEN_PER_WAN_YUAN
            table.setdefault(row["industry"], []).append(
                Threshold(
                    key,
                    int(row["large_min"]) * factor,
                    int(row["medium_min"]) * factor,
                    int(row["small_min"]) * factor,
                )
            )
    return {group: tuple(items) for group, items in table.items()}


def classify_scale(
    industry_code: str,
    *,
    employees: int | None,
    revenue_fen: int | None,
    assets_fen: int | None = None,
) -> str | None:
    """Return 'large' | 'medium' | 'small' | 'micro', or None when the figures cannot decide it."""
    group = _group_of(industry_code)
    if group is None:
        return None
    values = {"employees": employees, "revenue": revenue_fen, "assets": assets_fen}
    thresholds = _thresholds()[group]
    if any((value := values[t.indicator]) is not None and value < t.small for t in thresholds):
        return "micro"
    if any(values[t.indicator] is None for t in thresholds):
        return None
    for tier in TIERS:
        if all(values[t.indicator] >= getattr(t, tier) for t in thresholds):
            return tier
    return "micro"  # unreachable: every indicator is ≥ the 小型 bound here
