"""Builders for tests and the demo: valid USCCs and enterprises with provenance; an API test client."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from stdnum.cn import uscc as uscc_std

from yingshang.registry.models import ApiToken, District, Enterprise, User


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


class BearerClient:
    """A test client for the JSON API under `base` that sends one bearer token (none: `key` None)."""

    def __init__(self, base: str, key: str | None) -> None:
        self.base = base
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self.base + path, params, headers=self.headers)


def bearer_client_for(base: str, user: User) -> BearerClient:
    """The API under `base` as `user`, with a token issued for the test."""
    return BearerClient(base, ApiToken.issue(user, "测试")[1])
