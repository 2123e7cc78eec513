from __future__ import annotations

import pytest

from yingshang.registry.models import Enterprise
from yingshang.registry.queries import (
    CappedCountPaginator,
    EnterpriseFilters,
    _successor,
    filter_enterprises,
    uscc_prefix_q,
)
from yingshang.registry.testing import make_enterprise, make_uscc

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


# --- USCC prefix as a range, and the capped count of the list page ------------------------------


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [
        ("91", "92"),
        ("99", "9A"),  # digits sort before letters
        ("9H", "9J"),  # I is not in the code alphabet
        ("9Y", "A"),  # Y is the last character: carry into the one before
        ("YY", None),  # nothing comes after: no upper bound
        ("91610302MA6X", "91610302MA6Y"),
    ],
)
def test_the_prefix_successor_follows_the_code_alphabet(prefix, successor):
    assert _successor(prefix) == successor


EDGE_CODES = (
    "91610302MA6X00000",
    "91610302MA6X0000Y",
    "91610302MA6XY0000",
    "91610302MA6Y00000",
    "91610302MA7000000",
    "92610302MA6Y00001",
)


@pytest.mark.parametrize(
    "prefix", ["91", "9161030", "91610302", "91610302MA6X0000", "91610302MA6Y", "91610303"]
)
def test_a_uscc_prefix_range_finds_exactly_the_codes_with_that_prefix(world, prefix):
    for body in EDGE_CODES:
        make_enterprise(make_uscc(body), f"主体{body}", world.weibin)
    matched = set(Enterprise.objects.filter(uscc_prefix_q(prefix)).values_list("uscc", flat=True))
    assert matched == {u for u in Enterprise.objects.values_list("uscc", flat=True) if u.startswith(prefix)}
    assert matched


class _TinyPaginator(CappedCountPaginator):
    limit = 3


def _five(world):
    for i in range(3):
        make_enterprise(make_uscc(f"91610302MA6X1000{i}"), f"主体{i}", world.weibin)
    return Enterprise.objects.select_related("district").order_by("uscc")


def test_the_count_stops_at_the_limit_and_says_so(world):
    paginator = _TinyPaginator(_five(world), 2)
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (3, True, 2)


def test_a_count_below_the_limit_is_exact(world):
    paginator = CappedCountPaginator(_five(world), 2)
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (5, False, 3)


@pytest.mark.parametrize(("rows", "count", "capped"), [(list(range(5)), 3, True), (["a", "b"], 2, False)])
def test_a_plain_list_is_counted_and_capped_too(rows, count, capped):
    paginator = _TinyPaginator(rows, 2)
    assert (paginator.count, paginator.is_capped) == (count, capped)
    assert list(paginator.page(1)) == rows[:2]


def test_a_page_keeps_the_order_and_never_goes_past_the_counted_rows(world):
    rows = _five(world)
    codes = list(rows.values_list("uscc", flat=True))
    capped = _TinyPaginator(rows, 2)
    assert [e.uscc for e in capped.page(1)] == codes[:2]
    assert [e.uscc for e in capped.page(2)] == codes[2:3]
    assert [e.uscc for e in CappedCountPaginator(rows, 2).page(3)] == codes[4:5]


def test_the_list_page_says_when_the_count_was_capped(world, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "limit", 1)
    response = world.client_for(world.admin).get("/registry/enterprises/")
    assert "超过 1 条" in response.content.decode()
