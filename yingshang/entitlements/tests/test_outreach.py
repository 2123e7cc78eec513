"""核实推送 (services/outreach.py): 需确认 pairs enter the ledger only when the office pushes them,
within its district, once, each push with its own 知晓率."""

from __future__ import annotations

import pytest

from yingshang.conftest import World
from yingshang.entitlements.models import Entitlement, LedgerSync
from yingshang.entitlements.services import (
    EntitlementRefused,
    create_entitlements_from_run,
    ledger_run,
    mark_seen,
    outreach_lines,
    possible_by_item,
    push_for_confirmation,
)
from yingshang.notifications.models import Message
from yingshang.policies.models import MatchResult, MatchRun
from yingshang.policies.testing import finished_match, store_city_wide_packs

pytestmark = pytest.mark.django_db

BACKBONE = "xx18_art3_srdi_backbone"


@pytest.fixture
def run(world: World) -> MatchRun:
    # City-wide packs: both districts' enterprises have pairs (the shipped packs are 渭滨区's).
    store_city_wide_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    LedgerSync.objects.create(run=run, state="done", finished_at=run.finished_at)
    return run


def test_the_ledger_run_is_the_run_of_the_newest_finished_ledger(world: World, run: MatchRun) -> None:
    assert ledger_run() == run
    LedgerSync.objects.all().delete()
    assert ledger_run() == run  # synced from the command line: its entitlements say which run
    Entitlement.objects.all().delete()
    assert ledger_run() is None


def test_the_city_office_pushes_an_item_s_possible_pairs_to_every_district(
    world: World, run: MatchRun
) -> None:
    expected = MatchResult.objects.filter(run=run, verdict="needs_confirmation", item__key=BACKBONE)
    outreach = push_for_confirmation(run, BACKBONE, by=world.admin)
    pushed = Entitlement.objects.filter(outreach=outreach)
    assert outreach.count == pushed.count() == expected.count() == 2  # acme and bolt
    assert outreach.district is None
    assert set(pushed.values_list("state", "verdict")) == {("pushed", "needs_confirmation")}
    assert all(e.pushed_at is not None for e in pushed)
    assert Message.objects.filter(enterprise=world.acme).count() == 1
    assert Message.objects.filter(enterprise=world.bolt).count() == 1


def test_a_district_office_pushes_only_its_own_enterprises(world: World, run: MatchRun) -> None:
    outreach = push_for_confirmation(run, BACKBONE, by=world.weibin_admin)
    assert outreach.district == world.weibin
    assert list(Entitlement.objects.filter(outreach=outreach).values_list("enterprise", flat=True)) == [
        world.acme.pk
    ]
    assert not Message.objects.filter(enterprise=world.bolt).exists()


def test_a_pair_already_pushed_is_not_pushed_again(world: World, run: MatchRun) -> None:
    push_for_confirmation(run, BACKBONE, by=world.weibin_admin)
    second = push_for_confirmation(run, BACKBONE, by=world.admin)
    assert list(Entitlement.objects.filter(outreach=second).values_list("enterprise", flat=True)) == [
        world.bolt.pk
    ]
    with pytest.raises(EntitlementRefused, match="没有待推送的需确认结果"):
        push_for_confirmation(run, BACKBONE, by=world.admin)


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_only_an_office_admin_may_push(world: World, run: MatchRun, who: str) -> None:
    with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
        push_for_confirmation(run, BACKBONE, by=getattr(world, who))
    assert not Entitlement.objects.filter(verdict="needs_confirmation").exists()


def test_another_district_s_office_finds_nothing_of_this_district_to_push(
    world: World, run: MatchRun
) -> None:
    push_for_confirmation(run, BACKBONE, by=world.jintai_admin)
    with pytest.raises(EntitlementRefused):
        push_for_confirmation(run, BACKBONE, by=world.jintai_admin)
    assert not Entitlement.objects.filter(enterprise=world.acme, verdict="needs_confirmation").exists()


def test_possible_pairs_per_item_are_counted_within_the_viewer_s_district(
    world: World, run: MatchRun
) -> None:
    weibin = {line.item_key: line for line in possible_by_item(world.clerk, run)}
    expected = MatchResult.objects.filter(run=run, verdict="needs_confirmation", district=world.weibin)
    assert sum(line.pairs for line in weibin.values()) == expected.count()
    assert weibin[BACKBONE].pairs == 1 and weibin[BACKBONE].possible_fen == 300_000_00
    push_for_confirmation(run, BACKBONE, by=world.weibin_admin)
    assert BACKBONE not in {line.item_key for line in possible_by_item(world.clerk, run)}
    assert possible_by_item(world.nobody, run) == []
    assert possible_by_item(None, run) == []


def test_each_push_has_its_own_awareness(world: World, run: MatchRun) -> None:
    outreach = push_for_confirmation(run, BACKBONE, by=world.admin)
    mark_seen(Entitlement.objects.get(outreach=outreach, enterprise=world.acme))
    [line] = outreach_lines(world.admin)
    assert (line.pushed, line.seen, line.confirmed, line.awareness_percent) == (2, 1, 0, "50.0%")
    assert outreach_lines(world.other_clerk) == []  # a city-wide push is the city's
    assert outreach_lines(None) == []
