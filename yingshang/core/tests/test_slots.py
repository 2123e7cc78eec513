"""The navigation bar and the to-do list are filled by the apps (core.slots), in their order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.core import slots
from yingshang.core.slots import Todo

pytestmark = pytest.mark.django_db


def test_every_app_registered_its_entries_in_the_order_of_the_bar() -> None:
    labels = [entry.label for entry in slots.nav_entries()]
    assert labels[:4] == ["首页", "市场主体", "本企业", "政策"]
    assert (
        labels.index("政策兑现") < labels.index("诉求") < labels.index("工作日历") < labels.index("接口令牌")
    )


def test_registering_the_same_entry_twice_keeps_one() -> None:
    before = len(slots.nav_entries())
    slots.add_nav("首页", "home", None, order=0)
    assert len(slots.nav_entries()) == before


def test_urgent_lines_come_first_and_empty_ones_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slots, "_todo_providers", [])
    slots.add_todos(lambda user: [Todo("甲", 2, "/a"), Todo("乙", 0, "/b"), Todo("丙", 1, "/c", urgent=True)])
    assert [todo.label for todo in slots.todos_for(None)] == ["丙", "甲"]


def test_a_home_page_with_nothing_to_do_says_so(world: World) -> None:
    page = world.client_for(world.clerk).get(reverse("home")).content.decode()
    assert "待办" in page and "目前没有等待您办理的事项" in page
