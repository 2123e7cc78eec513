"""确定与可能 pages (views/outreach.py): the 需确认 results not in the ledger, the 核实推送 button, the
数据缺口报表 and its .xlsx; who may see and push, and what another district learns."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.conftest import World
from yingshang.entitlements.gap_report import build_gap_report
from yingshang.entitlements.models import Entitlement, LedgerSync, Outreach
from yingshang.entitlements.services import create_entitlements_from_run
from yingshang.policies.models import MatchResult, MatchRun
from yingshang.policies.testing import finished_match, store_city_wide_packs

pytestmark = pytest.mark.django_db

POSSIBLE = reverse("entitlements:possible")
PUSH = reverse("entitlements:push_possible")
GAPS = reverse("entitlements:data_gaps")
GAPS_XLSX = reverse("entitlements:data_gaps_export")
BACKBONE = "xx18_art3_srdi_backbone"


@pytest.fixture
def run(world: World) -> MatchRun:
    # City-wide packs: both districts' enterprises have pairs (the shipped packs are 渭滨区's).
    store_city_wide_packs()
    run = finished_match(world.admin)
    create_entitlements_from_run(run)
    LedgerSync.objects.create(run=run, state="done", finished_at=run.finished_at)
    return run


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("url", [POSSIBLE, GAPS, GAPS_XLSX])
@pytest.mark.parametrize("who", ["owner", "nobody", "inspector"])
def test_people_without_the_capability_are_refused(world: World, run: MatchRun, url: str, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(url).status_code == 403


@pytest.mark.parametrize("url", [POSSIBLE, GAPS, GAPS_XLSX])
def test_an_anonymous_visitor_is_sent_to_log_in(world: World, url: str) -> None:
    response = world.client_for(None).get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_clerk_sees_its_district_s_possible_pairs_without_a_push_button(
    world: World, run: MatchRun
) -> None:
    page = text_of(world.client_for(world.clerk).get(POSSIBLE))
    count = MatchResult.objects.filter(run=run, verdict="needs_confirmation", district=world.weibin).count()
    assert f"未推送的需确认结果共 {count:,} 户·项" in page
    assert "专精特新" in page
    assert 'action="/policies/possible/push/"' not in page


def test_the_district_office_pushes_an_item_from_the_page(world: World, run: MatchRun) -> None:
    client = world.client_for(world.weibin_admin)
    assert 'action="/policies/possible/push/"' in text_of(client.get(POSSIBLE))
    response = client.post(PUSH, {"run": run.pk, "item": BACKBONE}, follow=True)
    page = text_of(response)
    assert "已向 1 户企业推送" in page
    e = Entitlement.objects.get(enterprise=world.acme, item_key=BACKBONE)
    assert (e.state, e.outreach.district) == ("pushed", world.weibin)
    assert "知晓率" in page and "0.0%" in page


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_pushing_is_refused_to_everyone_but_an_office_admin(world: World, run: MatchRun, who: str) -> None:
    response = world.client_for(getattr(world, who)).post(PUSH, {"run": run.pk, "item": BACKBONE})
    assert response.status_code == 403
    assert not Outreach.objects.exists()


def test_another_district_s_office_cannot_push_this_district_s_enterprises(
    world: World, run: MatchRun
) -> None:
    client = world.client_for(world.jintai_admin)
    client.post(PUSH, {"run": run.pk, "item": BACKBONE})
    client.post(PUSH, {"run": run.pk, "item": BACKBONE})
    assert not Entitlement.objects.filter(enterprise=world.acme, item_key=BACKBONE).exists()
    assert Outreach.objects.get().district == world.jintai


def test_a_push_from_a_page_of_an_older_ledger_is_refused_with_a_reason(world: World, run: MatchRun) -> None:
    response = world.client_for(world.admin).post(PUSH, {"run": run.pk + 1, "item": BACKBONE}, follow=True)
    assert "兑现台账已按新的比对批次更新" in text_of(response)
    assert not Outreach.objects.exists()


def test_an_unknown_item_is_refused_with_a_reason(world: World, run: MatchRun) -> None:
    response = world.client_for(world.admin).post(PUSH, {"run": run.pk, "item": "no_such_item"}, follow=True)
    assert "该事项没有待推送的需确认结果" in text_of(response)


def test_before_the_first_ledger_the_pages_say_what_to_do(world: World) -> None:
    assert "还没有生成兑现台账" in text_of(world.client_for(world.admin).get(POSSIBLE))
    assert "还没有生成兑现台账" in text_of(world.client_for(world.admin).get(GAPS))


def test_the_data_gap_report_names_the_missing_data_its_money_and_its_department(
    world: World, run: MatchRun
) -> None:
    page = text_of(world.client_for(world.clerk).get(GAPS))
    assert "数据缺口报表 · 渭滨区" in page
    assert "按提供部门" in page and "按数据项" in page
    assert "认定记录" in page  # a qualification the registry does not track for every enterprise
    tally = build_gap_report(world.clerk).tally
    assert tally is not None and f"{tally.enterprises:,} 户企业、{tally.pairs:,} 户·项" in page


def test_the_data_gap_workbook_has_both_tables_with_exact_money(world: World, run: MatchRun) -> None:
    response = world.client_for(world.admin).get(GAPS_XLSX)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按数据项", "按提供部门"]
    rows = list(book["按数据项"].iter_rows(values_only=True))
    assert rows[0][0] == f"数据缺口报表（全市）·按数据项：依据批次 {run.pk} 的需确认结果"
    assert rows[1][:2] == ("缺少的数据", "提供部门")
    assert len(rows) > 2


def test_another_district_s_gap_report_counts_none_of_this_district(world: World, run: MatchRun) -> None:
    mine = build_gap_report(world.other_clerk)
    jintai = MatchResult.objects.filter(run=run, verdict="needs_confirmation", district=world.jintai)
    assert mine.tally is not None and mine.tally.pairs == jintai.count()
    assert mine.tally.enterprises == 1
