"""Closed vocabularies of the registry (Chinese labels shown to users, stable codes stored)."""

from __future__ import annotations

ENTITY_TYPES: list[tuple[str, str]] = [
    ("enterprise", "企业"),
    ("individual", "个体工商户"),
    ("cooperative", "农民专业合作社"),
]

SCALES: list[tuple[str, str]] = [
    ("large", "大型"),
    ("medium", "中型"),
    ("small", "小型"),
    ("micro", "微型"),
]

CREDIT_CLASSES: list[tuple[str, str]] = [("A", "A类"), ("B", "B类"), ("C", "C类"), ("D", "D类")]

STATUSES: list[tuple[str, str]] = [
    ("active", "存续"),
    ("deregistered", "注销"),
    ("revoked", "吊销"),
]

QUALIFICATION_KINDS: list[tuple[str, str]] = [
    ("hnte", "高新技术企业"),
    ("tech_sme", "科技型中小企业"),
    ("innovative_sme", "创新型中小企业"),
    ("srdi_sme", "专精特新中小企业"),
    ("little_giant", "专精特新“小巨人”"),
    ("above_scale_industry", "规上工业企业"),
    ("above_quota_trade", "限上商贸企业"),
    ("single_champion", "制造业单项冠军"),
]

QUALIFICATION_LEVELS: list[tuple[str, str]] = [
    ("national", "国家"),
    ("provincial", "省"),
    ("municipal", "市"),
    ("district", "区"),
]

DEPARTMENT_KINDS: list[tuple[str, str]] = [
    ("city", "市"),
    ("district", "区"),
    ("department", "部门"),
    ("section", "科室"),
]


def label_of(choices: list[tuple[str, str]], code: str | None) -> str:
    return dict(choices).get(code or "", "")


def code_of(choices: list[tuple[str, str]], label_or_code: str) -> str | None:
    """Accept either the stored code or the Chinese label, as spreadsheets carry either."""
    text = label_or_code.strip()
    for code, label in choices:
        if text in (code, label):
            return code
    return None
