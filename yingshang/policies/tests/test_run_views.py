"""Batch match pages: the list of runs, starting one (office admin), the run page with its status
line and per-item figures, the per-item results list and its .xlsx download, scoped by district."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import MatchResult, MatchRun, RewardItem
from yingshang.policies.testing import HNTE_ITEM, finished_match, store_city_wide_packs

pytestmark = pytest.mark.django_db

# Neither acme nor bolt is on a 规上服务业 roll the platform does not hold: both need to confirm it.
SHARED_ITEM = "xx18_art2_above_scale_service"


@pytest.fixture
def run(world: World) -> MatchRun:
    store_city_wide_packs()  # city-level: results in both districts, to see who sees which
    return finished_match(world.admin)


def item_of(run: MatchRun, key: str) -> RewardItem:
    return RewardItem.objects.get(key=key, policy__pack__in=run.packs.all())


def sheet_usccs(data: bytes) -> list[str]:
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return [row[0] for row in rows[2:]]


def test_the_run_list_shows_each_run_with_its_state_date_counts_and_packs(world, run):
    body = world.client_for(world.admin).get(reverse("policies:run_list")).content.decode()
    assert reverse("policies:run_detail", args=[run.pk]) in body
    assert "已完成" in body and "2026-06-30" in body and "全市" in body
    assert f"{run.eligible_count:,}" in body
    for pack in run.packs.all():
        assert pack.title in body and pack.version not in body
    assert "第 1 版" in body
    assert "开始批量匹配" in body


def test_a_clerk_sees_the_runs_without_the_start_button_and_with_their_districts_figures(world, run):
    body = world.client_for(world.clerk).get(reverse("policies:run_list")).content.decode()
    assert reverse("policies:run_detail", args=[run.pk]) in body and "渭滨区" in body
    assert "开始批量匹配" not in body


def test_the_office_admin_starts_a_run_and_lands_on_its_status_page(world, run):
    response = world.client_for(world.admin).post(reverse("policies:run_start"), {"as_of": "2026-06-30"})
    started = MatchRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:run_detail", args=[started.pk])
    assert started.state == "queued" and started.started_by == world.admin
    assert started.as_of.isoformat() == "2026-06-30"
    page = world.client_for(world.admin).get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("policies:run_status", args=[started.pk]) in page
    assert "排队中" in page


def test_a_second_start_while_one_is_running_goes_to_the_running_one(world, run):
    client = world.client_for(world.admin)
    first = client.post(reverse("policies:run_start"))
    second = client.post(reverse("policies:run_start"))
    assert second["Location"] == first["Location"]
    assert MatchRun.objects.count() == 2


def test_the_status_line_asks_htmx_to_reload_the_page_once_the_run_is_finished(world, run):
    client = world.client_for(world.admin)
    queued = services.start_match_run(world.admin, runner="task")  # no worker in tests: it waits
    polling = client.get(reverse("policies:run_status", args=[queued.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polling and "排队中" in polling.content.decode()
    finished = client.get(reverse("policies:run_status", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true" and "已完成" in finished.content.decode()


def test_a_failed_runs_status_line_gives_its_reason_once_not_fail_fail(world, run):
    MatchRun.objects.filter(pk=run.pk).update(
        state="failed", progress="失败", error="运行中断：处理进程已不在运行"
    )
    status = world.client_for(world.admin).get(reverse("policies:run_status", args=[run.pk])).content.decode()
    assert "失败</strong>：" in status and "运行中断：处理进程已不在运行" in status
    assert "失败：失败" not in status.replace("</strong>", "")


def test_the_run_page_shows_each_items_counts_and_exact_total(world, run):
    response = world.client_for(world.admin).get(reverse("policies:run_detail", args=[run.pk]))
    body = response.content.decode()
    lines = {line["key"]: line for line in response.context["items"]}
    assert len(lines) == run.item_count
    hnte = item_of(run, HNTE_ITEM)
    assert lines[HNTE_ITEM]["eligible"] == 1 and lines[HNTE_ITEM]["payable_fen"] == 10_0000_00
    assert reverse("policies:run_item_download", args=[run.pk, hnte.pk]) in body
    total = run.total_amount_fen
    assert f"{total // 100:,}.{total % 100:02d} 元" in body
    assert [title for title, _ in response.context["breakdowns"]] == ["按区县", "按行业门类", "按规模"]


def test_a_district_clerk_sees_only_their_districts_part_of_each_item(world, run):
    response = world.client_for(world.other_clerk).get(reverse("policies:run_detail", args=[run.pk]))
    lines = {line["key"]: line for line in response.context["items"]}
    assert lines[HNTE_ITEM]["eligible"] == 0  # acme's 高企 award is in 渭滨区
    assert lines[SHARED_ITEM]["needs_confirmation"] == 1
    assert response.context["figures"]["scope"] == "金台区"
    assert response.context["breakdowns"] == []


def test_the_results_of_an_item_list_the_entities_with_reasons(world, run):
    hnte = item_of(run, HNTE_ITEM)
    response = world.client_for(world.admin).get(reverse("policies:run_item_results", args=[run.pk, hnte.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.acme.uscc in body and "100,000.00 元" in body and "高新技术企业" in body and "满足" in body
    assert reverse("policies:calculator", args=[world.acme.uscc]) in body


def test_the_results_are_limited_to_the_clerks_district(world, run):
    shared = item_of(run, SHARED_ITEM)
    url = reverse("policies:run_item_results", args=[run.pk, shared.pk])
    assert MatchResult.objects.filter(run=run, item=shared).count() == 2
    mine = world.client_for(world.clerk).get(url).content.decode()
    assert world.acme.name in mine and world.bolt.name not in mine
    theirs = world.client_for(world.other_clerk).get(url).content.decode()
    assert world.bolt.name in theirs and world.acme.name not in theirs


def test_the_results_can_be_filtered_by_verdict(world, run):
    shared = item_of(run, SHARED_ITEM)
    url = reverse("policies:run_item_results", args=[run.pk, shared.pk])
    client = world.client_for(world.admin)
    assert client.get(url, {"verdict": "eligible"}).context["page"].paginator.count == 0
    assert client.get(url, {"verdict": "needs_confirmation"}).context["page"].paginator.count == 2


def test_the_office_admin_downloads_every_result_of_an_item(world, run):
    shared = item_of(run, SHARED_ITEM)
    response = world.client_for(world.admin).get(
        reverse("policies:run_item_download", args=[run.pk, shared.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    assert sorted(sheet_usccs(response.content)) == sorted([world.acme.uscc, world.bolt.uscc])


@pytest.mark.parametrize(("who", "mine"), [("clerk", "acme"), ("other_clerk", "bolt")])
def test_a_district_clerks_download_holds_only_their_districts_entities(world, run, who, mine):
    shared = item_of(run, SHARED_ITEM)
    response = world.client_for(getattr(world, who)).get(
        reverse("policies:run_item_download", args=[run.pk, shared.pk])
    )
    assert sheet_usccs(response.content) == [getattr(world, mine).uscc]
    header = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1]
    assert header == services.RESULT_HEADERS


def test_an_item_not_in_the_run_and_an_unfinished_run_have_no_results(world, run):
    client = world.client_for(world.admin)
    queued = services.start_match_run(world.admin, runner="task")
    hnte = item_of(run, HNTE_ITEM)
    assert client.get(reverse("policies:run_item_results", args=[queued.pk, hnte.pk])).status_code == 404
    assert client.get(reverse("policies:run_item_results", args=[run.pk, 10**9])).status_code == 404


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_may_start_a_run(world, run, who):
    response = world.client_for(getattr(world, who)).post(reverse("policies:run_start"))
    assert response.status_code == 403
    assert MatchRun.objects.count() == 1


def test_a_city_wide_run_is_started_by_the_city_not_by_a_district_admin(world, run):
    """Leak: a district's 营商办 admin started a city-wide batch match."""
    client = world.client_for(world.weibin_admin)
    response = client.post(reverse("policies:run_start"))
    assert response.status_code == 403 and "全市层面的功能" in response.content.decode()
    assert MatchRun.objects.count() == 1
    page = client.get(reverse("policies:run_list")).content.decode()
    assert reverse("policies:run_start") not in page  # no start button either


def test_a_district_admin_may_not_turn_a_city_wide_run_into_entitlements(world, run):
    """Leak: a district's 营商办 admin generated the 兑现台账 of every district from a city-wide run."""
    url = reverse("entitlements:run_entitlements", args=[run.pk])
    client = world.client_for(world.jintai_admin)
    assert client.post(url).status_code == 403
    assert not run.entitlements.exists()
    assert url not in client.get(reverse("policies:run_detail", args=[run.pk])).content.decode()


@pytest.mark.parametrize("who", ["inspector", "owner", "other_owner", "nobody"])
def test_runs_and_results_are_refused_to_users_without_policy_access(world, run, who):
    client = world.client_for(getattr(world, who))
    hnte = item_of(run, HNTE_ITEM)
    for url in (
        reverse("policies:run_list"),
        reverse("policies:run_detail", args=[run.pk]),
        reverse("policies:run_status", args=[run.pk]),
        reverse("policies:run_item_results", args=[run.pk, hnte.pk]),
        reverse("policies:run_item_download", args=[run.pk, hnte.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(world, run):
    for url in (reverse("policies:run_list"), reverse("policies:run_detail", args=[run.pk])):
        response = world.client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert world.client_for(None).post(reverse("policies:run_start")).status_code == 302
    assert MatchRun.objects.count() == 1
