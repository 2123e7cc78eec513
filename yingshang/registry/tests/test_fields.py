"""The enterprise fields, written once (registry/fields.py): real model fields, and the same list the
import writes provenance for, until the import and the export read it themselves."""

from __future__ import annotations

import pytest

from yingshang.registry import importer
from yingshang.registry.fields import ENTERPRISE_FIELDS, RECORDED_FIELDS
from yingshang.registry.models import Enterprise


@pytest.mark.parametrize("field", ENTERPRISE_FIELDS, ids=lambda f: f.name)
def test_every_field_is_a_field_of_the_enterprise_model(field):
    model_field = Enterprise._meta.get_field(field.name)
    assert model_field.attname == field.attname
    assert (field.kind == "ref") == model_field.is_relation


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("registered_capital_fen", "money"),
        ("annual_revenue_fen", "money"),
        ("total_assets_fen", "money"),
        ("tax_paid_fen", "money"),
        ("employees", "count"),
        ("registered_on", "date"),
        ("industry", "ref"),
        ("scale", "choice"),
    ],
)
def test_a_field_says_what_kind_of_value_it_holds(name, kind):
    assert next(f.kind for f in ENTERPRISE_FIELDS if f.name == name) == kind


def test_the_labels_and_names_are_each_written_once():
    assert len({f.name for f in ENTERPRISE_FIELDS}) == len({f.label for f in ENTERPRISE_FIELDS}) == 15


def test_the_recorded_fields_are_those_the_import_writes_a_source_for():
    written = {importer.provenance_key(name) for name in importer.ENTERPRISE_DATA_FIELDS} | {"uscc"}
    assert set(RECORDED_FIELDS) == written
    assert "scale" not in RECORDED_FIELDS  # computed here, never imported


@pytest.mark.parametrize(
    "field", [f for f in ENTERPRISE_FIELDS if f.kind not in ("ref",)], ids=lambda f: f.name
)
def test_the_imports_headers_start_with_the_same_labels(field):
    headers = [c.header for c in importer.ENTERPRISE_COLUMNS if c.field == field.attname]
    assert all(h.split("（")[0] == field.label for h in headers)
