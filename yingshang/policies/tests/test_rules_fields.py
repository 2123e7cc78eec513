"""The closed field registry and qualification kinds, the profile reader, and the engine's
independence from Django."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from yingshang.policies.rules.fields import (
    FieldType,
    field_registry,
    lookup_field,
    lookup_kind,
    lookup_level,
    qualification_kinds,
    suggest_fields,
)
from yingshang.policies.rules.profile import QualRecord, read_profile
from yingshang.registry import vocab


def test_every_spelling_of_a_field_names_exactly_one_field() -> None:
    spellings = [name for f in field_registry().values() for name in (f.key, f.label, *f.aliases)]
    assert len(spellings) == len(set(spellings))


def test_every_spelling_of_a_qualification_kind_names_exactly_one_kind() -> None:
    spellings = [name for k in qualification_kinds().values() for name in (k.code, k.label, *k.aliases)]
    assert len(spellings) == len(set(spellings))


def test_the_registry_vocabularies_are_used_as_they_are() -> None:
    assert field_registry()["entity_type"].choices == tuple(vocab.ENTITY_TYPES)
    assert field_registry()["scale"].choices == tuple(vocab.SCALES)
    registry_kinds = {code for code, _ in vocab.QUALIFICATION_KINDS}
    assert registry_kinds <= set(qualification_kinds())
    assert {k.code for k in qualification_kinds().values() if k.tracked} == registry_kinds


def test_fields_not_in_the_registry_yet_are_not_machine_checkable_and_name_their_source() -> None:
    pending = {
        "rd_expense_fen",
        "new_hires",
        "insured_employees",
        "layoff_rate",
        "listing_stage",
        "revenue_growth",
    }
    for key in pending:
        f = field_registry()[key]
        assert not f.machine_checkable and f.source


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("从业人数", "employees"),
        ("employees", "employees"),
        ("职工人数", "employees"),
        ("营收", "annual_revenue_fen"),
    ],
)
def test_fields_are_found_by_key_label_or_alias(name: str, key: str) -> None:
    assert lookup_field(name).key == key


@pytest.mark.parametrize(
    ("word", "first"), [("员工数", "从业人数"), ("研发经费", "研发费用"), ("成立时间", "成立日期")]
)
def test_close_spellings_suggest_the_field_meant(word: str, first: str) -> None:
    assert suggest_fields(word)[0] == first


@pytest.mark.parametrize(
    ("name", "code"),
    [("高企", "hnte"), ("专精特新小巨人", "little_giant"), ("境内上市辅导备案", "listing_domestic_filed")],
)
def test_qualification_kinds_are_found_by_any_spelling(name: str, code: str) -> None:
    assert lookup_kind(name).code == code


@pytest.mark.parametrize(
    ("name", "code"),
    [("国家", "national"), ("国家级", "national"), ("省级", "provincial"), ("市", "municipal")],
)
def test_levels_are_found_by_any_spelling(name: str, code: str) -> None:
    assert lookup_level(name) == code


def test_a_profile_is_read_from_keys_or_labels_into_typed_values() -> None:
    profile, errors = read_profile(
        {
            "从业人数": "12人",
            "annual_revenue_fen": 2_500_000_000,
            "研发费用": "300万元",
            "裁员率": "4.5%",
            "营业收入增长率": -3,
            "成立日期": "2020年2月29日",
            "企业规模": "小型",
            "严重失信主体": "否",
            "行业大类": 39,
            "纳税信用等级": None,
            "资质认定": [
                {"资质": "高企", "层级": "国家级", "认定日期": "2024-12-01", "有效期至": "2027-11-30"}
            ],
            "已确认资质类型": ["院士工作站"],
        }
    )
    assert errors == []
    assert profile.values == {
        "employees": 12,
        "annual_revenue_fen": 2_500_000_000,
        "rd_expense_fen": 300_000_000,
        "layoff_rate": Decimal("4.5"),
        "revenue_growth": Decimal(-3),
        "registered_on": dt.date(2020, 2, 29),
        "scale": "small",
        "serious_dishonesty": False,
        "industry_division": "39",
    }
    assert profile.get("tax_credit_rating") is None  # None is unknown, not a value
    assert profile.qualifications == (
        QualRecord("hnte", "national", dt.date(2024, 12, 1), dt.date(2027, 11, 30)),
    )
    assert profile.confirmed_kinds == {"academician_station"}


def test_every_bad_profile_value_is_reported_at_once() -> None:
    profile, errors = read_profile({"员工数": 3, "研发费用": 1.5, "成立日期": "昨天"})
    assert profile is None
    assert [e.place.section for e in errors] == [
        "企业数据“员工数”",
        "企业数据“研发费用”",
        "企业数据“成立日期”",
    ]


def test_field_types_each_have_a_chinese_name() -> None:
    assert {t.label for t in FieldType} == {
        "整数",
        "金额",
        "百分比",
        "日期",
        "文本",
        "选项",
        "是/否",
        "资质认定记录",
    }


def test_the_rules_engine_does_not_import_django() -> None:
    code = (
        "import sys, yingshang.policies.rules as r; "
        "r.load_pack('id: x'); "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_field_and_qualification_tables_in_the_docs_list_every_entry() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[2].strip(" `") for line in docs.splitlines() if line.startswith("| ") and "`" in line
    }
    assert set(field_registry()) <= rows
    assert set(qualification_kinds()) <= rows


PROFILE_JUNK = [[], {}, 42, -1, "x", 1.5, float("nan"), Decimal("Infinity"), True, dt.date(2024, 1, 1)]
PROFILE_JUNK += [dt.datetime(2024, 1, 1), "5%", "5万元", [1], [{}], [{"kind": "hnte"}], None, "", object()]


@pytest.mark.parametrize("key", [*field_registry(), "qualification_kinds_confirmed"])
def test_junk_profile_values_give_errors_not_a_crash(key: str) -> None:
    for junk in PROFILE_JUNK:
        profile, errors = read_profile({key: junk})
        assert (profile is None) == bool(errors)
