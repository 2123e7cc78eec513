"""The OpenAPI schema and the interactive docs: public, documented, and working offline."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from yingshang.api import describe_validation_error

SCHEMA_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"


def test_the_schema_is_public_json_at_the_documented_url() -> None:
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_every_operation_requires_the_token_and_documents_its_errors() -> None:
    schema = Client().get(SCHEMA_URL).json()
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    assert len(operations) >= 8
    for op in operations:
        assert op["security"] == [{"TokenAuth": []}], op["operationId"]
        assert "401" in op["responses"], op["operationId"]
        if op["operationId"] != "me":
            assert {"403", "422"} <= set(op["responses"]), op["operationId"]


def test_money_fields_are_integers_named_in_fen() -> None:
    schema = Client().get(SCHEMA_URL).json()
    profile = schema["components"]["schemas"]["EnterpriseDetailOut"]["properties"]
    money = [name for name in profile if name.endswith("_fen")]
    assert set(money) == {"registered_capital_fen", "annual_revenue_fen", "total_assets_fen", "tax_paid_fen"}
    for name in money:
        assert {"type": "integer"} in profile[name]["anyOf"]


def test_the_docs_page_loads_only_local_static_files() -> None:
    response = Client().get(DOCS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the docs page should load Swagger UI"
    assert all(url.startswith("/static/") for url in urls), urls
    assert "//" not in "".join(urls)
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a shipped static file"


@pytest.mark.parametrize(
    ("error", "field", "msg"),
    [
        ({"type": "greater_than_equal", "loc": ("query", "page"), "ctx": {"ge": 1}}, "page", "不能小于 1"),
        (
            {"type": "less_than_equal", "loc": ("query", "page_size"), "ctx": {"le": 200}},
            "page_size",
            "不能大于 200",
        ),
        ({"type": "missing", "loc": ("path", "uscc")}, "uscc", "缺少必填参数"),
        ({"type": "int_parsing", "loc": ("query", "page")}, "page", "应为整数"),
        (
            {"type": "string_too_long", "loc": ("query", "q"), "ctx": {"max_length": 100}},
            "q",
            "长度不能超过 100 个字符",
        ),
        (
            {"type": "literal_error", "loc": ("query", "scale"), "ctx": {"expected": "'a', 'b' or 'c'"}},
            "scale",
            "取值无效，可选值：'a', 'b', 'c'",
        ),
        ({"type": "mystery", "loc": ("query", "x"), "msg": "odd"}, "x", "取值无效（odd）"),
        ({"type": "greater_than_equal", "loc": ("query", "page")}, "page", "取值无效"),  # no bound given
    ],
)
def test_validation_errors_are_described_in_chinese(error: dict, field: str, msg: str) -> None:
    described = describe_validation_error(error)
    assert described["field"] == field
    assert described["msg"] == msg
    assert described["type"] == error["type"]
