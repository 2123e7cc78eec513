"""The batch engine agrees with the one-enterprise calculator, pair by pair: verdict, amount, payable
after 不重复奖, mode, reason codes and what to confirm, on random profiles full of unknowns, edge
values and odd qualification records, against the shipped packs and random items; and every test case
embedded in the shipped packs holds for the batch engine too."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingshang.policies.rules.batch import evaluate_batch, plain_strings, profiles_to_table
from yingshang.policies.rules.calculator import calculate
from yingshang.policies.rules.cases import case_day, case_profile
from yingshang.policies.rules.model import Pack
from yingshang.policies.rules.pack import load_pack, load_pack_file, shipped_pack_paths
from yingshang.policies.rules.profile import read_profile
from yingshang.policies.rules.samples import edge_values, random_pack_text, random_profile

ALL = ("eligible", "needs_confirmation", "not_eligible")
DAYS = (dt.date(2024, 12, 31), dt.date(2025, 6, 30), dt.date(2026, 6, 30), dt.date(2028, 2, 29))


def _load(path) -> Pack:
    pack, errors = load_pack_file(path, run_cases=False)
    assert errors == [], [str(e) for e in errors]
    return pack


SHIPPED = [_load(path) for path in shipped_pack_paths()]


def random_pack(seed: int, items: int) -> Pack:
    pack, errors = load_pack(
        random_pack_text(random.Random(seed), items, f"random_{seed}"), "random.yaml", False
    )
    assert errors == [], [str(e) for e in errors][:5]
    return pack


Row = tuple[str, int | None, int, str, tuple[str, ...], tuple[str, ...]]


def calculator_rows(
    packs: Sequence[Pack], profiles: list[dict], as_of: dt.date
) -> dict[tuple[str, str], Row]:
    rows = {}
    for profile in profiles:
        for pack in packs:
            for r in calculate(pack, profile, as_of).items:
                rows[(profile["uscc"], r.item_id)] = (
                    r.verdict.value,
                    r.amount_fen,
                    r.payable_fen,
                    r.mode.value,
                    r.codes,
                    r.to_confirm,
                )
    return rows


def batch_rows(
    packs: Sequence[Pack], profiles: list[dict], as_of: dt.date, keep=ALL
) -> dict[tuple[str, str], Row]:
    table = evaluate_batch(profiles_to_table(profiles), packs, as_of, keep=keep, reasons="lists")
    return {
        (row["uscc"], row["item_id"]): (
            row["verdict"],
            row["amount_fen"],
            row["payable_fen"],
            row["mode"],
            tuple(row["reason_codes"]),
            tuple(row["to_confirm"]),
        )
        for row in plain_strings(table).to_pylist()
    }


def assert_agree(packs: Sequence[Pack], profiles: list[dict], as_of: dt.date) -> int:
    """Every pair equal, and the default run keeps exactly the eligible and needs-confirmation pairs."""
    expected = calculator_rows(packs, profiles, as_of)
    got = batch_rows(packs, profiles, as_of)
    by_uscc = {p["uscc"]: p for p in profiles}
    wrong = [
        f"{key} on {as_of}: batch {got.get(key)} calculator {value} profile {by_uscc[key[0]]}"
        for key, value in expected.items()
        if got.get(key) != value
    ]
    assert not wrong, "\n".join(wrong[:5])
    assert set(got) == set(expected)
    kept = batch_rows(packs, profiles, as_of, keep=("eligible", "needs_confirmation"))
    assert kept == {key: row for key, row in expected.items() if row[0] != "not_eligible"}
    return len(expected)


def profiles_for(packs: Sequence[Pack], as_of: dt.date, count: int, seed: int) -> list[dict]:
    rng, edges = random.Random(seed), edge_values(packs, as_of)
    return [random_profile(rng, edges, as_of, index) for index in range(count)]


@pytest.mark.parametrize("as_of", DAYS[1:3])
def test_batch_and_calculator_agree_on_random_profiles_against_the_shipped_packs(as_of: dt.date) -> None:
    pairs = assert_agree(SHIPPED, profiles_for(SHIPPED, as_of, 80, seed=as_of.toordinal()), as_of)
    assert pairs > 80 * 30


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_and_calculator_agree_on_random_items(seed: int) -> None:
    packs = [random_pack(seed, 40)]
    as_of = DAYS[seed]
    assert_agree(packs, profiles_for(packs, as_of, 80, seed=seed), as_of)


@pytest.mark.parametrize(
    "keep",
    [
        ("eligible",),
        ("needs_confirmation",),
        ("not_eligible",),
        ("eligible", "not_eligible"),
        ("needs_confirmation", "not_eligible"),
    ],
)
def test_every_choice_of_kept_verdicts_keeps_exactly_those_pairs(keep: tuple[str, ...]) -> None:
    packs = [*SHIPPED, random_pack(5, 16)]
    profiles = profiles_for(packs, DAYS[1], 60, seed=5)
    expected = calculator_rows(packs, profiles, DAYS[1])
    assert batch_rows(packs, profiles, DAYS[1], keep=keep) == {
        k: r for k, r in expected.items() if r[0] in keep
    }


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), day=st.sampled_from(DAYS), unknown=st.sampled_from([0.0, 0.3, 0.9]))
def test_batch_and_calculator_agree_on_hypothesis_drawn_items_and_profiles(
    seed: int, day: dt.date, unknown: float
) -> None:
    packs = [random_pack(seed, 12), SHIPPED[0]]
    rng, edges = random.Random(seed), edge_values(packs, day)
    profiles = [random_profile(rng, edges, day, index, unknown) for index in range(12)]
    assert_agree(packs, profiles, day)


@pytest.mark.slow
def test_batch_and_calculator_agree_on_thousands_of_random_profiles() -> None:
    """2,000 profiles × (the shipped packs and 40 random items) on each of two days."""
    packs = [*SHIPPED, random_pack(2026, 40)]
    days = (DAYS[1], DAYS[2])
    pairs = sum(
        assert_agree(packs, profiles_for(packs, day, 2_000, seed=i), day) for i, day in enumerate(days)
    )
    assert pairs > 2 * 2_000 * 60


# --- the cases written in the shipped packs -------------------------------------------------------


def _case_profile(raw: dict, uscc: str) -> dict:
    profile, errors = read_profile(raw)
    assert errors == []
    values = dict(profile.values)
    if profile.qualifications is not None:
        values["qualifications"] = [vars(r) for r in profile.qualifications]
    values["qualification_kinds_confirmed"] = sorted(profile.confirmed_kinds)
    return {**values, "uscc": uscc}


SHIPPED_CASES = [
    pytest.param(pack, policy, item, case, id=f"{item.id}:{case.id}")
    for pack in SHIPPED
    for policy, item in pack.items()
    for case in item.cases
]
SHIPPED_SCENARIOS = [
    pytest.param(pack, policy, case, id=f"{policy.id}:{case.id}")
    for pack in SHIPPED
    for policy in pack.policies
    for case in policy.cases
]


@pytest.mark.parametrize(("pack", "policy", "item", "case"), SHIPPED_CASES)
def test_each_shipped_item_case_holds_for_the_batch_engine(pack, policy, item, case) -> None:
    day = case_day(policy, case)
    profile = _case_profile(case_profile(case, pack.district), "CASE")
    rows = batch_rows([pack], [profile], day)
    verdict, amount, _, mode, codes, _ = rows[("CASE", item.id)]
    expect = case.expect
    if expect.verdict:
        assert verdict == expect.verdict.value
    if expect.has_amount:
        assert amount == expect.amount_fen
    if expect.mode:
        assert mode == expect.mode.value
    assert set(expect.codes) <= set(codes)
    assert rows == calculator_rows([pack], [profile], day)


@pytest.mark.parametrize(("pack", "policy", "case"), SHIPPED_SCENARIOS)
def test_each_shipped_policy_scenario_pays_the_same_in_batch(pack, policy, case) -> None:
    rows = batch_rows(
        [pack], [_case_profile(case_profile(case, pack.district), "CASE")], case_day(policy, case)
    )
    paid = {item_id: row[2] for (_, item_id), row in rows.items() if item_id in {i.id for i in policy.items}}
    for item_id, fen in case.expect.payable:
        assert paid[item_id] == fen
    if case.expect.total_fen is not None:
        assert sum(paid.values()) == case.expect.total_fen
