"""政策兑现's lines in the home page's to-do list: what waits for whom, and nothing for the wrong side."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.core import slots
from yingshang.entitlements.tests.entitlement_builders import (
    DAY,
    approved,
    department_clerk,
    on_day,
    pushed,
)
from yingshang.entitlements.todos import todos_for
from yingshang.policies.testing import HNTE_ITEM

pytestmark = pytest.mark.django_db

QUICK_ITEM = "xx18_art2_above_quota"  # 快申快享: the enterprise confirms before review


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    on_day(monkeypatch, DAY)


def counts(user: object) -> dict[str, int]:
    return {todo.label: todo.count for todo in todos_for(user)}


def test_the_office_sees_what_waits_for_review_and_for_publicity(world: World) -> None:
    pushed(world, world.acme)  # 免申即享 and eligible: ready for review once pushed
    approved(world, world.bolt)
    found = counts(world.admin)
    assert found["待我审核的兑现事项"] == 1
    assert found["审核通过、待公示的兑现事项"] == 1


def test_a_bureau_clerk_counts_only_what_its_bureau_leads_in_its_district(world: World) -> None:
    pushed(world, world.acme, HNTE_ITEM)  # led by 区工信局
    pushed(world, world.bolt, HNTE_ITEM)  # 金台区
    weibin = department_clerk(world, "渭滨区工信局", "weibin_miit")
    other_bureau = department_clerk(world, "渭滨区商务局", "weibin_commerce")
    jintai = department_clerk(world, "金台区工信局", "jintai_miit", district="jintai")
    assert counts(weibin)["待我审核的兑现事项"] == 1
    assert counts(other_bureau)["待我审核的兑现事项"] == 0
    assert counts(jintai)["待我审核的兑现事项"] == 1  # bolt's, not acme's


def test_the_enterprise_sees_what_it_must_confirm_and_another_enterprise_does_not(world: World) -> None:
    pushed(world, world.acme, QUICK_ITEM, verdict="needs_confirmation", amount=None)
    assert counts(world.owner) == {"待本企业确认的政策兑现事项": 1}
    assert counts(world.other_owner) == {"待本企业确认的政策兑现事项": 0}


def test_nobody_and_inspectors_get_no_entitlement_lines(world: World) -> None:
    pushed(world, world.acme)
    assert todos_for(world.nobody) == []
    assert todos_for(world.inspector) == []


def test_the_home_page_lists_the_lines_with_something_to_do_linking_to_the_filtered_ledger(
    world: World,
) -> None:
    pushed(world, world.acme)
    assert [todo.label for todo in slots.todos_for(world.admin)] == ["待我审核的兑现事项"]
    page = world.client_for(world.admin).get(reverse("home")).content.decode()
    assert "待我审核的兑现事项" in page
    assert f"{reverse('entitlements:entitlement_list')}?to_review=1" in page


def test_the_to_review_filter_shows_exactly_the_counted_entitlements(world: World) -> None:
    e = pushed(world, world.acme)
    approved(world, world.bolt)
    page = world.client_for(world.admin).get(reverse("entitlements:entitlement_list"), {"to_review": "1"})
    rows = list(page.context["page"].object_list)
    assert [row.pk for row in rows] == [e.pk]
