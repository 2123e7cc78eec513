"""政策找企业 JSON API: items, the calculator, runs and results; every forbidden side."""

from __future__ import annotations

import pytest

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import MatchResult, MatchRun
from yingshang.policies.testing import AS_OF, HNTE_ITEM, finished_match, store_city_wide_packs
from yingshang.registry.models import User
from yingshang.registry.testing import BearerClient, bearer_client_for

pytestmark = pytest.mark.django_db

BASE = "/api/policies"


def api_with(key: str | None) -> BearerClient:
    return BearerClient(BASE, key)


def api_for(user: User) -> BearerClient:
    return bearer_client_for(BASE, user)


@pytest.fixture
def matched(world: World) -> MatchRun:
    store_city_wide_packs()  # city-level: results in both districts, to see who sees which
    return finished_match(world.admin)


# ---- items --------------------------------------------------------------------------------------


def test_staff_and_enterprises_read_the_current_items_with_their_sentences(
    world: World, matched: MatchRun
) -> None:
    for user in (world.admin, world.clerk, world.owner):
        response = api_for(user).get("/items", as_of=AS_OF.isoformat())
        assert response.status_code == 200
        items = {i["key"]: i for i in response.json()}
        assert len(items) == len(services.current_items(AS_OF))
        hnte = items[HNTE_ITEM]
        assert hnte["mode"] == "免申即享" and "高新技术企业" in hnte["sentence"]
        assert hnte["amount_sentence"] and hnte["exclusivity_group"] == "第三条科技创新奖励"


def test_items_of_a_later_day_leave_out_expired_policies(world: World, matched: MatchRun) -> None:
    keys = {i["key"] for i in api_for(world.admin).get("/items", as_of="2027-06-30").json()}
    assert keys and HNTE_ITEM not in keys


@pytest.mark.parametrize(("user", "status"), [("nobody", 403), (None, 401)])
def test_items_are_refused_to_users_without_a_role_and_to_anonymous_callers(
    world: World, user: str | None, status: int
) -> None:
    api = api_for(getattr(world, user)) if user else api_with(None)
    response = api.get("/items")
    assert response.status_code == status and response.json()["detail"]


def test_a_bad_day_is_a_chinese_422(world: World) -> None:
    response = api_for(world.admin).get("/items", as_of="2026-13-01")
    assert response.status_code == 422 and "日期" in response.json()["detail"]


# ---- calculator ---------------------------------------------------------------------------------


def calculator(api: BearerClient, uscc: str):
    return api.get(f"/calculator/{uscc}", as_of=AS_OF.isoformat())


def test_an_enterprise_user_runs_the_calculator_for_their_own_enterprise(
    world: World, matched: MatchRun
) -> None:
    response = calculator(api_for(world.owner), world.acme.uscc.lower())
    assert response.status_code == 200
    body = response.json()
    assert body["enterprise"] == {"uscc": world.acme.uscc, "name": world.acme.name, "district": "渭滨区"}
    hnte = next(i for i in body["items"] if i["key"] == HNTE_ITEM)
    assert (hnte["verdict"], hnte["verdict_label"], hnte["payable_fen"]) == ("eligible", "符合", 10_000_000)
    outcome = next(o for o in hnte["outcomes"] if o["field"] == "qualifications")
    assert outcome["status"] == "pass" and "高新技术企业" in outcome["actual"]
    entity_type = next(o for i in body["items"] for o in i["outcomes"] if o["field"] == "entity_type")
    assert entity_type["source"] == "测试数据，截至 2026-06-30"
    assert body["total_payable_fen"] == sum(i["payable_fen"] for i in body["items"])
    assert body["counts"]["eligible"] == sum(1 for i in body["items"] if i["verdict"] == "eligible")


def test_an_enterprise_user_cannot_see_another_enterprise(world: World, matched: MatchRun) -> None:
    response = calculator(api_for(world.owner), world.bolt.uscc)
    assert response.status_code == 404 and "无权查看" in response.json()["detail"]
    assert calculator(api_for(world.other_owner), world.acme.uscc).status_code == 404


def test_a_district_clerk_runs_the_calculator_only_inside_their_district(
    world: World, matched: MatchRun
) -> None:
    assert calculator(api_for(world.clerk), world.acme.uscc).status_code == 200
    assert calculator(api_for(world.clerk), world.bolt.uscc).status_code == 404
    assert calculator(api_for(world.other_clerk), world.acme.uscc).status_code == 404
    assert calculator(api_for(world.admin), world.bolt.uscc).status_code == 200


def test_the_calculator_is_refused_without_a_role_or_a_token(world: World, matched: MatchRun) -> None:
    assert calculator(api_for(world.nobody), world.acme.uscc).status_code == 403
    assert calculator(api_with(None), world.acme.uscc).status_code == 401


def test_an_unknown_uscc_is_the_same_404(world: World) -> None:
    response = calculator(api_for(world.admin), "91610302MA6X9999XX")
    assert response.status_code == 404 and "无权查看" in response.json()["detail"]


# ---- runs and results ---------------------------------------------------------------------------


def test_staff_list_runs_with_figures_for_their_own_scope(world: World, matched: MatchRun) -> None:
    city = api_for(world.admin).get("/runs").json()
    weibin = api_for(world.clerk).get("/runs").json()
    assert city["count"] == weibin["count"] == 1
    run_city, run_weibin = city["items"][0], weibin["items"][0]
    assert run_city["id"] == matched.pk and run_city["state"] == "done" and run_city["scope"] == "全市"
    assert run_city["total_amount_fen"] == matched.total_amount_fen
    assert run_weibin["scope"] == "渭滨区" and run_weibin["entity_count"] == 1
    expected = sum(r.payable_fen for r in MatchResult.objects.filter(run=matched, district=world.weibin))
    assert run_weibin["total_amount_fen"] == expected
    assert {p["name"] for p in run_city["packs"]} == {p.name for p in matched.packs.all()}


def test_one_run_reads_like_its_line_in_the_list(world: World, matched: MatchRun) -> None:
    one = api_for(world.admin).get(f"/runs/{matched.pk}").json()
    assert one == api_for(world.admin).get("/runs").json()["items"][0]


@pytest.mark.parametrize("user", ["owner", "nobody"])
def test_runs_are_refused_to_enterprises_and_users_without_a_role(
    world: World, matched: MatchRun, user: str
) -> None:
    api = api_for(getattr(world, user))
    assert api.get("/runs").status_code == 403
    assert api.get(f"/runs/{matched.pk}").status_code == 403
    assert api.get(f"/runs/{matched.pk}/results").status_code == 403


def test_runs_need_a_token(world: World, matched: MatchRun) -> None:
    assert api_with(None).get(f"/runs/{matched.pk}/results").status_code == 401


def test_results_show_only_entities_in_the_users_scope(world: World, matched: MatchRun) -> None:
    def usccs(user: User) -> set[str]:
        body = api_for(user).get(f"/runs/{matched.pk}/results", page_size=200).json()
        return {r["uscc"] for r in body["items"]}

    assert usccs(world.admin) == {world.acme.uscc, world.bolt.uscc}
    assert usccs(world.clerk) == {world.acme.uscc}
    assert usccs(world.other_clerk) == {world.bolt.uscc}


def test_results_filter_by_item_and_verdict_and_explain_in_chinese(world: World, matched: MatchRun) -> None:
    body = api_for(world.admin).get(f"/runs/{matched.pk}/results", item=HNTE_ITEM).json()
    assert body["count"] == 1
    result = body["items"][0]
    assert (result["uscc"], result["verdict"], result["amount_fen"]) == (
        world.acme.uscc,
        "eligible",
        10_000_000,
    )
    assert result["reason_codes"] == ["entity_type.in.pass", "qual.hnte.pass"]
    assert any("高新技术企业" in r and "满足" in r for r in result["reasons"])
    confirm = api_for(world.admin).get(f"/runs/{matched.pk}/results", verdict="needs_confirmation").json()
    assert confirm["count"] == matched.needs_confirmation_count
    assert all(r["to_confirm"] for r in confirm["items"])


def test_an_unknown_run_or_item_is_a_404(world: World, matched: MatchRun) -> None:
    api = api_for(world.admin)
    assert api.get(f"/runs/{matched.pk + 1000}").status_code == 404
    assert api.get(f"/runs/{matched.pk + 1000}/results").status_code == 404
    response = api.get(f"/runs/{matched.pk}/results", item="xx18_no_such_item")
    assert response.status_code == 404 and "奖励项" in response.json()["detail"]


def test_a_whatif_run_is_not_listed_as_a_match(world: World, matched: MatchRun) -> None:
    whatif_run = MatchRun.objects.create(kind="whatif", as_of=AS_OF, state="done")
    api = api_for(world.admin)
    assert [r["id"] for r in api.get("/runs").json()["items"]] == [matched.pk]
    assert api.get(f"/runs/{whatif_run.pk}").status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2099-12-31", "9999-12-31"])
def test_any_calendar_day_is_answered_without_a_server_error(
    world: World, matched: MatchRun, day: str
) -> None:
    api = api_for(world.admin)
    assert api.get(f"/calculator/{world.acme.uscc}", as_of=day).status_code == 200
    assert api.get("/items", as_of=day).status_code == 200


@pytest.mark.parametrize("day", ["0", "1700000000", "2026-6-30", "2026-06-31"])
def test_a_day_that_is_not_yyyy_mm_dd_is_refused(world: World, day: str) -> None:
    response = api_for(world.admin).get("/items", as_of=day)
    assert response.status_code == 422 and "YYYY-MM-DD" in response.json()["detail"]
