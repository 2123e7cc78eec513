from __future__ import annotations

import pytest

from yingshang.registry.models import Enterprise
from yingshang.registry.queries import EnterpriseFilters, filter_enterprises

pytestmark = pytest.mark.django_db


def _names(**params: str) -> set[str]:
    qs = filter_enterprises(Enterprise.objects.all(), EnterpriseFilters.from_params(params))
    return set(qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("params", "expect_acme", "expect_bolt"),
    [
        ({}, True, True),
        ({"q": "螺栓"}, False, True),
        ({"q": "91610302"}, True, False),  # a USCC prefix
        ({"q": "91610302ma6x"}, True, False),  # typed in lower case
        ({"section": "C"}, True, True),
        ({"section": "F"}, False, False),
        ({"district": "610303"}, False, True),
        ({"scale": "small"}, True, False),
        ({"scale": "micro"}, False, True),
        ({"qualification": "hnte"}, True, False),
        ({"credit_class": "B"}, True, True),
        ({"credit_class": "D"}, False, False),
        ({"status": "active"}, True, True),
        ({"entity_type": "individual"}, False, False),
    ],
)
def test_each_filter_narrows_the_list(world, params, expect_acme, expect_bolt):
    names = _names(**params)
    assert (world.acme.name in names) is expect_acme
    assert (world.bolt.name in names) is expect_bolt


def test_a_uscc_prefix_does_not_match_the_middle_of_a_code(world):
    assert _names(q="610302") == set()


def test_blank_and_padded_parameters_are_ignored(world):
    assert len(_names(q="  ", section="", scale=" ")) == 2
