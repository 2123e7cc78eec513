"""Builders for tests and the demo: valid USCCs and enterprises with provenance; an API test client."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
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


# ---- small 企业名录 files for the import/export tests (made in the test, never stored) ----


HEADERS = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "行业代码",
    "区县",
    "街道",
    "成立日期",
    "注册资本（万元）",
    "从业人数",
    "年营业收入（万元）",
    "资产总额（万元）",
    "年纳税额（万元）",
    "信用风险分类",
    "登记状态",
]
QUALIFICATION_HEADERS = ["统一社会信用代码", "资质类型", "认定层级", "认定日期", "有效期至"]


def uscc(number: int, district: str = "610302") -> str:
    """A valid code: 91 + district + MA + a 7-digit serial (17 characters) + its check digit."""
    return make_uscc(f"91{district}MA{number:07d}")


def enterprise_row(code: str, name: str | None = None, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {
        "统一社会信用代码": code,
        "名称": name or f"宝鸡市测试企业{code[-6:]}有限公司",
        "主体类型": "企业",
        "行业代码": "3911",
        "区县": "渭滨区",
        "街道": "",
        "成立日期": "2018-05-01",
        "注册资本（万元）": "500",
        "从业人数": "50",
        "年营业收入（万元）": "3000",
        "资产总额（万元）": "1000",
        "年纳税额（万元）": "12.5",
        "信用风险分类": "B",
        "登记状态": "存续",
    }
    values.update({_header(k): v for k, v in cells.items()})
    return [values[h] for h in HEADERS]


_SHORT = {
    "name": "名称",
    "entity_type": "主体类型",
    "industry": "行业代码",
    "district": "区县",
    "street": "街道",
    "registered_on": "成立日期",
    "capital": "注册资本（万元）",
    "employees": "从业人数",
    "revenue": "年营业收入（万元）",
    "assets": "资产总额（万元）",
    "tax": "年纳税额（万元）",
    "credit": "信用风险分类",
    "status": "登记状态",
}


def _header(key: str) -> str:
    return _SHORT.get(key, key)


def csv_bytes(rows: list[list[Any]], headers: list[str] = HEADERS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows: list[list[Any]],
    headers: list[str] = HEADERS,
    qualifications: list[list[Any]] | None = None,
    title: str | None = None,
) -> bytes:
    """A workbook as Excel writes it (shared strings, styled date cells)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if qualifications is not None:
        extra = book.create_sheet("资质")
        extra.append(QUALIFICATION_HEADERS)
        for row in qualifications:
            extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
