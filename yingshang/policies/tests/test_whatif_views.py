"""政策测算 pages: change an item's amount or conditions, or paste a draft pack, and see the entities
and the cost side by side with the working version, by district, industry section and scale.
Errors come back at once in Chinese; nothing is published. Office admin only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.models import MatchRun, PolicyPack
from yingshang.policies.testing import (
    AS_OF,
    HNTE_ITEM,
    MEASURES,
    store_city_wide_packs,
    with_hnte_amount,
    without_district,
)
from yingshang.registry.models import Qualification

pytestmark = pytest.mark.django_db


@pytest.fixture
def packs(world: World) -> list[PolicyPack]:
    return store_city_wide_packs()  # city-level: the breakdowns have both districts


def finish(run: MatchRun) -> MatchRun:
    """Do what the background worker would do with a queued what-if run."""
    return services.execute_run(run.pk)


def ask(world: World, data: dict[str, str]):
    return world.client_for(world.admin).post(reverse("policies:whatif"), data)


def test_choosing_an_item_loads_its_conditions_and_amount_as_written(world, packs):
    response = world.client_for(world.admin).get(reverse("policies:whatif"), {"item": HNTE_ITEM})
    form = response.context["item_form"]
    assert form.initial["item"] == HNTE_ITEM and form.initial["amount"] == "10万元"
    assert "高新技术企业" in form.initial["conditions"]


def loaded_item(world: World, key: str) -> dict[str, str]:
    response = world.client_for(world.admin).get(reverse("policies:whatif"), {"item": key})
    return response.context["item_form"].initial


def test_a_changed_amount_is_estimated_side_by_side_with_the_working_version(world, packs):
    given = loaded_item(world, HNTE_ITEM) | {"kind": "item", "amount": "20万元", "as_of": AS_OF.isoformat()}
    response = ask(world, given)
    run = MatchRun.objects.get(kind="whatif")
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:whatif_detail", args=[run.pk])
    assert run.summary["input"]["item_changes"] == {HNTE_ITEM: {"amount": "20万元"}}
    finish(run)
    page = world.client_for(world.admin).get(response["Location"])
    body = page.content.decode()
    hnte = next(item for item in page.context["result"].items if item.key == HNTE_ITEM)
    assert hnte.status == "changed"
    assert (hnte.current.payable_fen, hnte.draft.payable_fen) == (10_0000_00, 20_0000_00)
    assert "100,000.00 元" in body and "200,000.00 元" in body and "+100,000.00 元" in body
    assert "按区县" in body and "渭滨区" in body and "按行业门类" in body and "按规模" in body
    assert [item.key for item in page.context["changed"]] == [HNTE_ITEM]


def test_nothing_is_published_by_an_estimate(world, packs):
    before = list(PolicyPack.objects.filter(is_working=True).values_list("pk", flat=True))
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    finish(MatchRun.objects.get(kind="whatif"))
    assert list(PolicyPack.objects.filter(is_working=True).values_list("pk", flat=True)) == before


def test_a_changed_threshold_counts_the_entities_that_become_entitled(world, packs):
    # bolt was certified before the policy took effect: entitled only if the date window is dropped.
    Qualification.objects.create(
        enterprise=world.bolt, kind="hnte", level="national", certified_on=dt.date(2023, 3, 1)
    )
    given = {"kind": "item", "item": HNTE_ITEM, "amount": "10万元", "as_of": AS_OF.isoformat()}
    ask(world, given | {"conditions": "- {qualification: 高新技术企业, level: 国家}"})
    run = finish(MatchRun.objects.get(kind="whatif"))
    page = world.client_for(world.admin).get(reverse("policies:whatif_detail", args=[run.pk]))
    hnte = next(item for item in page.context["result"].items if item.key == HNTE_ITEM)
    assert (hnte.current.eligible, hnte.draft.eligible) == (1, 2)
    by_district = {split.label: split for split in hnte.by_district}
    assert by_district["金台区"].delta.eligible == 1 and by_district["渭滨区"].delta.eligible == 0


def test_an_unreadable_amount_is_explained_in_chinese_and_nothing_is_queued(world, packs):
    response = ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "二十万"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "无法测算" in body and "金额" in body
    assert not MatchRun.objects.filter(kind="whatif").exists()


def test_an_unchanged_item_is_not_estimated(world, packs):
    response = ask(world, loaded_item(world, HNTE_ITEM) | {"kind": "item"})
    assert response.status_code == 400 and "都没有修改" in response.content.decode()
    assert not MatchRun.objects.filter(kind="whatif").exists()


def test_a_draft_pack_is_estimated_and_can_be_taken_to_the_editor(world, packs):
    response = ask(
        world,
        {"kind": "draft", "draft_text": without_district(with_hnte_amount(20)), "as_of": AS_OF.isoformat()},
    )
    run = finish(MatchRun.objects.get(kind="whatif"))
    assert run.state == "done", run.error
    page = world.client_for(world.admin).get(response["Location"])
    assert [i.key for i in page.context["changed"]] == [HNTE_ITEM]
    editor = reverse("policies:pack_edit", args=[MEASURES]) + f"?whatif={run.pk}"
    assert editor in page.content.decode()
    loaded = world.client_for(world.admin).get(editor)
    assert loaded.context["form"].initial["text"] == without_district(with_hnte_amount(20))


def test_a_broken_draft_lists_its_errors_with_their_places(world, packs):
    text = without_district(with_hnte_amount(20)).replace("amount: 20万元", "amount: 二十万元", 1)
    response = ask(world, {"kind": "draft", "draft_text": text})
    body = response.content.decode()
    assert response.status_code == 400 and "草稿.yaml 第" in body and "行" in body
    assert not MatchRun.objects.filter(kind="whatif").exists()


def test_the_status_line_of_a_queued_estimate_polls_until_it_is_done(world, packs):
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    run = MatchRun.objects.get(kind="whatif")
    client = world.client_for(world.admin)
    page = client.get(reverse("policies:whatif_detail", args=[run.pk])).content.decode()
    assert reverse("policies:run_status", args=[run.pk]) in page and "排队中" in page
    finish(run)
    status = client.get(reverse("policies:run_status", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"


def test_past_estimates_are_listed(world, packs):
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    run = MatchRun.objects.get(kind="whatif")
    body = world.client_for(world.admin).get(reverse("policies:whatif")).content.decode()
    assert reverse("policies:whatif_detail", args=[run.pk]) in body and "排队中" in body


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_may_estimate(world, packs, who):
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    run = MatchRun.objects.get(kind="whatif")
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("policies:whatif")).status_code == 403
    assert (
        client.post(
            reverse("policies:whatif"), {"kind": "item", "item": HNTE_ITEM, "amount": "1元"}
        ).status_code
        == 403
    )
    assert client.get(reverse("policies:whatif_detail", args=[run.pk])).status_code == 403
    assert client.get(reverse("policies:run_status", args=[run.pk])).status_code in (403, 404)
    assert MatchRun.objects.filter(kind="whatif").count() == 1


def test_what_if_is_the_citys_a_district_admin_may_not_estimate_or_read_estimates(world, packs):
    """Leak: a district's 营商办 admin ran 政策测算 over every district and read its city-wide figures."""
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    run = MatchRun.objects.get(kind="whatif")
    client = world.client_for(world.weibin_admin)
    refused = client.get(reverse("policies:whatif"))
    assert refused.status_code == 403 and "全市层面的功能" in refused.content.decode()
    posted = client.post(reverse("policies:whatif"), {"kind": "item", "item": HNTE_ITEM, "amount": "1元"})
    assert posted.status_code == 403
    assert client.get(reverse("policies:whatif_detail", args=[run.pk])).status_code == 403
    assert client.get(reverse("policies:run_status", args=[run.pk])).status_code == 404
    assert MatchRun.objects.filter(kind="whatif").count() == 1


def test_a_what_if_run_is_not_shown_as_a_batch_match(world, packs):
    ask(world, {"kind": "item", "item": HNTE_ITEM, "amount": "20万元"})
    run = MatchRun.objects.get(kind="whatif")
    assert world.client_for(world.clerk).get(reverse("policies:run_detail", args=[run.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(world, packs):
    response = world.client_for(None).get(reverse("policies:whatif"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
