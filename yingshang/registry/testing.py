"""Builders for tests and the demo: valid USCCs and enterprises with provenance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import uscc as uscc_std

from yingshang.registry.models import District, Enterprise


def make_uscc(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters (the check digit is computed)."""
    return body + uscc_std.calc_check_digit(body)


def make_enterprise(uscc: str, name: str, district: District, **fields: Any) -> Enterprise:
    values: dict[str, Any] = {
        "entity_type": "enterprise",
        "industry_id": "3911",
        "registered_on": dt.date(2018, 5, 1),
        "employees": 50,
        "annual_revenue_fen": 30_000_000_00,
        "status": "active",
        "credit_class": "B",
    }
    values.update(fields)
    provenance = {
        field: {"source": "测试数据", "as_of": "2026-06-30"}
        for field in (
            "name",
            "entity_type",
            "industry",
            "district",
            "registered_on",
            "employees",
            "annual_revenue_fen",
            "credit_class",
            "status",
        )
    }
    return Enterprise.objects.create(uscc=uscc, name=name, district=district, provenance=provenance, **values)
