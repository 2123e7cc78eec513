"""The demo district's generator (generate.py, from tables.py): deterministic, realistic mixes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import cache

import pytest
from stdnum.cn import uscc as uscc_std

from yingshang.demo import generate, tables
from yingshang.registry.industries import industry_table, section_of

SAMPLE = 2_000
SMALL = 300


@cache
def sample() -> tuple[generate.DemoEntity, ...]:
    return tuple(generate.generate_entities(SAMPLE))


@cache
def district() -> tuple[generate.DemoEntity, ...]:
    """The full default demo (generated once for the module: about a second)."""
    return tuple(generate.generate_entities(tables.DEFAULT_ENTITIES))


def share(predicate) -> float:
    return sum(1 for e in sample() if predicate(e)) / SAMPLE


# --- the generator -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_district() -> None:
    assert list(generate.generate_entities(SMALL)) == list(generate.generate_entities(SMALL))


def test_a_small_demo_is_the_start_of_a_bigger_one() -> None:
    assert list(generate.generate_entities(SMALL)) == list(sample()[:SMALL])
    assert district()[:SAMPLE] == sample()


def test_another_seed_gives_another_district() -> None:
    other = list(generate.generate_entities(SMALL, seed=tables.SEED + 1))
    assert [e.uscc for e in other[1:]] != [e.uscc for e in sample()[1:SMALL]]


def test_every_uscc_is_valid_and_unique() -> None:
    codes = [e.uscc for e in sample()]
    assert all(uscc_std.is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    ("entity_type", "prefix"), [("enterprise", "91"), ("individual", "92"), ("cooperative", "93")]
)
def test_the_uscc_names_the_registering_authority_type_and_district(entity_type: str, prefix: str) -> None:
    entities = [e for e in sample() if e.entity_type == entity_type]
    assert entities
    assert all(e.uscc[:2] == prefix and e.uscc[2:8] == e.district_code for e in entities)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("60003734", "1"),  # 91110000600037341L, stdnum's example
        ("22060418", "0"),
    ],
)
def test_the_org_code_check_character_follows_gb_11714(body: str, check: str) -> None:
    assert generate.org_code_check(body) == check


def test_every_org_code_inside_a_uscc_carries_its_gb_11714_check() -> None:
    assert all(generate.org_code_check(e.uscc[8:16]) == e.uscc[16] for e in sample())


def test_the_fast_check_digit_agrees_with_stdnum() -> None:
    for entity in sample()[:200]:
        assert generate.uscc_with_check(entity.uscc[:17]) == entity.uscc[:17] + uscc_std.calc_check_digit(
            entity.uscc[:17]
        )


def test_about_three_quarters_are_individual_businesses() -> None:
    assert 0.70 <= share(lambda e: e.entity_type == "individual") <= 0.80
    assert 0.19 <= share(lambda e: e.entity_type == "enterprise") <= 0.29
    assert 0.002 <= share(lambda e: e.entity_type == "cooperative") <= 0.025


def test_most_entities_are_in_weibin() -> None:
    assert 0.80 <= share(lambda e: e.district_code == "610302") <= 0.90


def test_individual_businesses_are_mostly_shops_food_and_personal_services() -> None:
    individuals = [e for e in sample() if e.entity_type == "individual"]
    trades = Counter(e.industry[:2] for e in individuals)
    assert (trades["52"] + trades["62"] + trades["80"] + trades["81"]) / len(individuals) >= 0.8


def test_cooperatives_farm_in_the_towns() -> None:
    cooperatives = [e for e in district() if e.entity_type == "cooperative"]
    assert cooperatives
    assert all(section_of(e.industry) == "A" for e in cooperatives)
    assert all(e.street is None or e.street.endswith("镇") for e in cooperatives)
    assert all(e.name.endswith("专业合作社") for e in cooperatives)


@pytest.mark.parametrize(
    "table", [tables.INDIVIDUAL_TRADES, tables.ENTERPRISE_TRADES, tables.COOPERATIVE_TRADES]
)
def test_every_trade_is_a_finest_level_code_of_the_shipped_table(table: tuple[tables.Trade, ...]) -> None:
    codes = industry_table()
    assert all(code in codes and codes[code].level == "小类" for code, _, _ in table)


def test_every_street_belongs_to_its_district() -> None:
    streets = {d.code: {name for name, _ in d.streets} for d in tables.DISTRICTS}
    assert all(e.street is None or e.street in streets[e.district_code] for e in sample())


def test_no_date_lies_after_the_as_of_day() -> None:
    assert all(dt.date(1995, 1, 1) <= e.registered_on <= tables.AS_OF for e in sample())
    qualifications = [(e, q) for e in district() for q in e.qualifications]
    assert all(e.registered_on <= q.certified_on <= tables.AS_OF for e, q in qualifications)
    assert all(q.expires_on is None or q.expires_on >= q.certified_on for _, q in qualifications)


def test_some_figures_are_unknown_and_the_known_ones_are_plausible() -> None:
    revenues = [e.annual_revenue_fen for e in sample()]
    assert 0.05 <= revenues.count(None) / SAMPLE <= 0.5
    assert all(r is None or r >= 0 for r in revenues)
    assert all(e.employees is None or 1 <= e.employees < 100_000 for e in sample())
    assert all(e.registered_capital_fen is None for e in sample() if e.entity_type == "individual")


def test_every_known_field_has_a_source_and_an_unknown_one_has_none() -> None:
    for entity in sample():
        for name in ("employees", "annual_revenue_fen", "total_assets_fen", "tax_paid_fen"):
            assert (name in entity.provenance) == (getattr(entity, name) is not None)
        assert entity.provenance["name"]["source"] == generate.REGISTRATION_SOURCE


def test_most_entities_are_active_and_most_credit_classes_are_b() -> None:
    assert 0.85 <= share(lambda e: e.status == "active") <= 0.95
    classes = Counter(e.credit_class for e in sample())
    assert classes["B"] > classes["A"] > classes["C"] > classes["D"] > 0
    assert classes[""] > 0


def test_names_follow_the_entity_type() -> None:
    for entity in sample():
        if entity.entity_type == "enterprise":
            assert entity.name.endswith("公司")
        elif entity.entity_type == "individual":
            assert "公司" not in entity.name and entity.name.startswith(("渭滨区", "金台区", "宝鸡市"))


@pytest.fixture(scope="module")
def district_qualifications() -> Counter[str]:
    return Counter(q.kind for e in district() for q in e.qualifications)


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        ("hnte", 0.007, 0.013),  # 高新技术企业 about 1% of all entities
        ("tech_sme", 0.010, 0.020),
        ("srdi_sme", 0.0015, 0.0045),
        ("little_giant", 0.0001, 0.0010),
        ("above_scale_industry", 0.001, 0.01),
    ],
)
def test_qualifications_come_at_realistic_rates(
    district_qualifications: Counter[str], kind: str, low: float, high: float
) -> None:
    assert low <= district_qualifications[kind] / len(district()) <= high


def test_the_district_has_one_or_two_single_champions(district_qualifications: Counter[str]) -> None:
    assert 1 <= district_qualifications["single_champion"] <= 3


def test_high_tech_status_goes_only_to_manufacturing_it_and_science_firms() -> None:
    holders = [e for e in district() if any(q.kind == "hnte" for q in e.qualifications)]
    assert holders
    assert all(e.entity_type == "enterprise" and section_of(e.industry) in "CIM" for e in holders)
    assert all(
        q.expires_on == generate._years_later(q.certified_on, 3)
        for e in holders
        for q in e.qualifications
        if q.kind == "hnte"
    )


def test_above_scale_firms_meet_the_revenue_floor() -> None:
    for entity in district():
        if any(q.kind == "above_scale_industry" for q in entity.qualifications):
            assert entity.annual_revenue_fen >= generate.ABOVE_SCALE_INDUSTRY_FEN
            assert section_of(entity.industry) in "BCD"
