"""The category → department table: the city's office edits it, a district's office reads it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.appeals.models import Category
from yingshang.appeals.testing import category
from yingshang.conftest import World

pytestmark = pytest.mark.django_db
LIST = reverse("appeals:categories")
ADD = reverse("appeals:category_add")


def test_the_city_office_adds_a_category_with_its_department(world: World) -> None:
    response = world.client_for(world.admin).post(
        ADD,
        {"code": "tax", "name": "税费", "department_name": "税务局", "order": 10, "is_active": "on"},
        follow=True,
    )
    assert "已保存类别“税费”：由各区的税务局承办" in response.content.decode()
    assert Category.objects.get(code="tax").department_name == "税务局"


def test_a_duplicate_code_is_refused_in_chinese(world: World) -> None:
    category(code="tax", name="税费")
    response = world.client_for(world.admin).post(
        ADD, {"code": "tax", "name": "税费二", "department_name": "税务局", "order": 10}
    )
    assert response.status_code == 400 and "编码已被其他类别使用" in response.content.decode()


def test_a_district_office_reads_the_table_but_cannot_change_it(world: World) -> None:
    row = category()
    client = world.client_for(world.weibin_admin)
    assert row.name in client.get(LIST).content.decode()
    assert client.get(ADD).status_code == 403
    edit = reverse("appeals:category_edit", args=[row.pk])
    assert (
        client.post(edit, {"code": "x", "name": "y", "department_name": "z", "order": 1}).status_code == 403
    )
    assert Category.objects.get(pk=row.pk).code == row.code


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_the_table_is_the_offices(world: World, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(LIST).status_code == 403
