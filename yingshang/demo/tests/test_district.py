"""The demo district: its generator (deterministic, realistic mixes) and its loader (idempotent)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from functools import cache

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from stdnum.cn import uscc as uscc_std

from yingshang.core.roles import Role
from yingshang.demo import district as demo
from yingshang.registry.industries import industry_table, section_of
from yingshang.registry.models import Department, Enterprise, Qualification, User, compute_scale

SAMPLE = 2_000
SMALL = 300


@cache
def sample() -> tuple[demo.DemoEntity, ...]:
    return tuple(demo.generate_entities(SAMPLE))


@cache
def district() -> tuple[demo.DemoEntity, ...]:
    """The full default demo (generated once for the module: about a second)."""
    return tuple(demo.generate_entities(demo.DEFAULT_ENTITIES))


def share(predicate) -> float:
    return sum(1 for e in sample() if predicate(e)) / SAMPLE


# --- the generator -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_district() -> None:
    assert list(demo.generate_entities(SMALL)) == list(demo.generate_entities(SMALL))


def test_a_small_demo_is_the_start_of_a_bigger_one() -> None:
    assert list(demo.generate_entities(SMALL)) == list(sample()[:SMALL])
    assert district()[:SAMPLE] == sample()


def test_another_seed_gives_another_district() -> None:
    other = list(demo.generate_entities(SMALL, seed=demo.SEED + 1))
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
    assert demo.org_code_check(body) == check


def test_every_org_code_inside_a_uscc_carries_its_gb_11714_check() -> None:
    assert all(demo.org_code_check(e.uscc[8:16]) == e.uscc[16] for e in sample())


def test_the_fast_check_digit_agrees_with_stdnum() -> None:
    for entity in sample()[:200]:
        assert demo.uscc_with_check(entity.uscc[:17]) == entity.uscc[:17] + uscc_std.calc_check_digit(
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


@pytest.mark.parametrize("table", [demo.INDIVIDUAL_TRADES, demo.ENTERPRISE_TRADES, demo.COOPERATIVE_TRADES])
def test_every_trade_is_a_finest_level_code_of_the_shipped_table(table: tuple[demo.Trade, ...]) -> None:
    codes = industry_table()
    assert all(code in codes and codes[code].level == "小类" for code, _, _ in table)


def test_every_street_belongs_to_its_district() -> None:
    streets = {d.code: {name for name, _ in d.streets} for d in demo.DISTRICTS}
    assert all(e.street is None or e.street in streets[e.district_code] for e in sample())


def test_no_date_lies_after_the_as_of_day() -> None:
    assert all(dt.date(1995, 1, 1) <= e.registered_on <= demo.AS_OF for e in sample())
    qualifications = [(e, q) for e in district() for q in e.qualifications]
    assert all(e.registered_on <= q.certified_on <= demo.AS_OF for e, q in qualifications)
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
        assert entity.provenance["name"]["source"] == demo.REGISTRATION_SOURCE


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
        q.expires_on == demo._years_later(q.certified_on, 3)
        for e in holders
        for q in e.qualifications
        if q.kind == "hnte"
    )


def test_above_scale_firms_meet_the_revenue_floor() -> None:
    for entity in district():
        if any(q.kind == "above_scale_industry" for q in entity.qualifications):
            assert entity.annual_revenue_fen >= demo.ABOVE_SCALE_INDUSTRY_FEN
            assert section_of(entity.industry) in "BCD"


# --- the loader --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_once(django_db_setup: None, django_db_blocker) -> Iterator[demo.DemoSummary]:
    """The district loaded once for the module, in a transaction rolled back when the module ends;
    each test runs in its own savepoint inside it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield demo.load_demo(SMALL, progress=False)
        transaction.set_rollback(True)


@pytest.fixture
def loaded(loaded_once: demo.DemoSummary, db: None) -> demo.DemoSummary:
    return loaded_once


def test_loading_writes_the_entities_with_their_qualifications(loaded: demo.DemoSummary) -> None:
    assert loaded.entities_created == SMALL == Enterprise.objects.count()
    expected = sum(len(e.qualifications) for e in sample()[:SMALL])
    assert Qualification.objects.count() == expected == loaded.qualifications_created


def test_loaded_entities_get_their_derived_scale_and_section(loaded: demo.DemoSummary) -> None:
    for enterprise in Enterprise.objects.all()[:100]:
        assert enterprise.scale == (compute_scale(enterprise) or "")
        assert enterprise.industry_section == section_of(enterprise.industry_id)


def test_loading_builds_the_department_tree_of_the_plan(loaded: demo.DemoSummary) -> None:
    weibin = Department.objects.get(code="weibin")
    leads = set(weibin.children.values_list("name", flat=True))
    for unit in ("行政审批局", "市场监管局", "税务局", "人社局", "工信局", "发改局", "财政局", "大数据局"):
        assert f"渭滨区{unit}" in leads
    assert "渭滨区城市治理指挥中心" in leads
    samr = Department.objects.get(code="weibin-samr")
    assert set(samr.children.values_list("name", flat=True)) >= {"登记注册科", "执法稽查科"}
    assert Department.objects.get(code="jintai-samr").district.name == "金台区"


def test_loading_twice_changes_nothing(loaded: demo.DemoSummary) -> None:
    before = (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Department.history.count(),
        User.history.count(),
        list(User.objects.order_by("username").values_list("password", flat=True)),
    )
    again = demo.load_demo(SMALL, progress=False)
    after = (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Department.history.count(),
        User.history.count(),
        list(User.objects.order_by("username").values_list("password", flat=True)),
    )
    assert again.entities_created == 0 and again.qualifications_created == 0
    assert after == before


def test_a_bigger_load_adds_only_the_missing_entities(loaded: demo.DemoSummary) -> None:
    first = set(Enterprise.objects.values_list("uscc", "updated_at"))
    bigger = demo.load_demo(SMALL + 100, progress=False)
    assert bigger.entities_created == 100
    assert first <= set(Enterprise.objects.values_list("uscc", "updated_at"))


def test_each_role_has_one_demo_user(loaded: demo.DemoSummary) -> None:
    roles = Counter(User.objects.values_list("role", flat=True))
    for role in (Role.OFFICE_ADMIN, Role.INSPECTOR, Role.ENTERPRISE, Role.NONE):
        assert roles[role.value] == 1
    # One in each district's 市场监管局 (to show the scoping), and 渭滨区工信局's reviewer of 政策兑现.
    assert roles[Role.DEPT_STAFF.value] == 3


def logs_in(username: str, password: str) -> bool:
    """Through the login page, as a person does (the lockout backend needs the request)."""
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("login", demo.DEMO_LOGINS, ids=lambda login: login.username)
def test_each_demo_user_logs_in_with_the_printed_password(
    loaded: demo.DemoSummary, login: demo.DemoLogin
) -> None:
    assert logs_in(login.username, demo.DEMO_PASSWORD)
    assert not logs_in(login.username, "wrong-password")


def test_a_changed_demo_password_is_put_back(loaded: demo.DemoSummary) -> None:
    admin = User.objects.get(username="admin")
    admin.set_password("something-else-2026")
    admin.save()
    demo.load_demo(SMALL, progress=False)
    assert logs_in("admin", demo.DEMO_PASSWORD)


def test_the_enterprise_user_is_bound_to_a_qualified_enterprise(loaded: demo.DemoSummary) -> None:
    company = User.objects.get(username="company")
    assert company.enterprise.uscc == demo.showcase_uscc()
    assert company.enterprise.qualifications.filter(kind="hnte").exists()
    assert company.enterprise.district.name == "渭滨区"


def test_the_office_admin_works_in_the_business_environment_office(loaded: demo.DemoSummary) -> None:
    admin = User.objects.get(username="admin")
    assert admin.department.name == "渭滨区职转和营商办"
    inspector = User.objects.get(username="inspector")
    assert (inspector.department.parent.name, inspector.department.name) == ("渭滨区市场监管局", "执法稽查科")


def test_the_other_districts_clerk_sees_none_of_weibins_entities(loaded: demo.DemoSummary) -> None:
    clerk = User.objects.get(username="jintai_staff")
    visible = clerk.visible_enterprises()
    assert visible.exists()
    assert not visible.filter(district__code="610302").exists()
    response = Client()
    response.force_login(clerk)
    assert response.get(f"/registry/enterprises/{demo.showcase_uscc()}/").status_code == 404


def test_the_user_without_a_role_cannot_open_the_registry(loaded: demo.DemoSummary) -> None:
    client = Client()
    client.force_login(User.objects.get(username="guest"))
    assert client.get("/registry/enterprises/").status_code == 403


def test_the_enterprise_user_cannot_open_another_enterprise(loaded: demo.DemoSummary) -> None:
    client = Client()
    client.force_login(User.objects.get(username="company"))
    other = Enterprise.objects.exclude(uscc=demo.showcase_uscc()).first()
    assert client.get(f"/registry/enterprises/{other.uscc}/").status_code in (403, 404)


def test_a_non_positive_size_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="至少为 1"):
        demo.load_demo(0, progress=False)
