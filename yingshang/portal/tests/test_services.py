"""portal.services: which industries an item is open to, what an enterprise must confirm, which
entitlements wait for it, and the public columns of a 公示."""

from __future__ import annotations

import pytest

from yingshang.entitlements.models import Entitlement
from yingshang.policies.models import RewardItem
from yingshang.policies.rules import ast
from yingshang.portal import services

ON_C = ast.Member("industry_section", ("C",))
ON_A_OR_C = ast.Member("industry_section", ("A", "C"))
ON_DIVISION_39 = ast.Compare("industry_division", "eq", "39")
STAFF = ast.Compare("employees", "ge", 10)


@pytest.mark.parametrize(
    ("listed", "conditions", "expected"),
    [
        ([], None, None),
        ([], ast.AllOf((STAFF,)), None),
        ([], ON_C, {"C"}),
        ([], ast.AllOf((STAFF, ON_A_OR_C)), {"A", "C"}),
        ([], ast.AllOf((ON_A_OR_C, ON_DIVISION_39)), {"C"}),
        ([], ast.AllOf((ast.Member("industry_code", ("0511", "3911")),)), {"A", "C"}),
        ([], ast.AllOf((ast.Member("industry_section", ("C",), negated=True),)), None),
        ([], ast.AnyOf((ON_C, STAFF)), None),  # an alternative is not a restriction
        ([], ast.AllOf((ast.Compare("industry_section", "ne", "C"),)), None),
        (["I"], ON_C, {"I"}),  # the item's own list wins
        (["c", "3911", "65"], None, {"C", "I"}),
        (["ZZ"], ON_C, {"C"}),  # an unknown listed code is ignored
    ],
)
def test_the_industries_an_item_is_open_to(listed, conditions, expected):
    found = services.industry_sections(RewardItem(industries=listed), conditions)
    assert found == (frozenset(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("state", "mode", "verdict", "awaiting"),
    [
        ("pushed", "快申快享", "eligible", True),
        ("pushed", "免申即享", "needs_confirmation", True),
        ("pushed", "免申即享", "eligible", False),
        ("matched", "快申快享", "eligible", False),
        ("confirmed", "快申快享", "eligible", False),
        ("paid", "快申快享", "eligible", False),
    ],
)
def test_which_entitlements_wait_for_the_enterprise(state, mode, verdict, awaiting):
    assert services.awaits_confirmation(Entitlement(state=state, mode=mode, verdict=verdict)) is awaiting


@pytest.mark.parametrize(
    ("to_confirm", "manual", "expected"),
    [
        (["条件甲", "条件乙"], ["手工条件"], ["条件甲", "条件乙"]),
        ([], ["手工条件"], ["手工条件"]),
        (["  "], ["手工条件"], ["手工条件"]),
        ([], [], []),
    ],
)
def test_what_the_enterprise_is_asked_to_confirm(to_confirm, manual, expected):
    e = Entitlement(to_confirm=to_confirm, item=RewardItem(manual_conditions=manual))
    assert services.conditions_to_confirm(e) == expected


def test_the_public_columns_name_no_personal_field():
    personal = ("confirmation", "payee", "contact", "phone", "reviewed_by", "voucher")
    for column in services.PUBLIC_COLUMNS:
        assert not any(word in column for word in personal), column
