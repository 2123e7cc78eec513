"""COPY writes on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from yingshang.core.bulk import copy_rows
from yingshang.registry.models import District

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_copy_rows_writes_every_row_in_the_named_columns() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    rows = [("610398", "测试一区"), ("610399", "测试二区")]
    with connection.cursor() as cursor:
        copy_rows(cursor.cursor, District._meta.db_table, ["code", "name"], iter(rows))
    assert set(District.objects.values_list("code", "name")) >= set(rows)
