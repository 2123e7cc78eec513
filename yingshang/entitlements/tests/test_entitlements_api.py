"""政策兑现 JSON API (read only): who sees which entitlements, filters, and every forbidden side."""

from __future__ import annotations

import pytest

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.testing import make_entitlement
from yingshang.entitlements.workflow import State
from yingshang.registry.models import User
from yingshang.registry.testing import BearerClient, bearer_client_for

pytestmark = pytest.mark.django_db

BASE = "/api/policies"


def api_for(user: User) -> BearerClient:
    return bearer_client_for(BASE, user)


@pytest.fixture
def ledger(world: World) -> dict[str, Entitlement]:
    return {
        "acme_pushed": make_entitlement(world.acme, state=State.PUSHED, pushed_at=clock.now()),
        "acme_matched": make_entitlement(world.acme, item_key="xx18_art2_above_quota"),
        "bolt_paid": make_entitlement(world.bolt, state=State.PAID, paid_fen=100_000_00, voucher_no="PZ-9"),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def test_the_office_reads_every_entitlement_with_amounts_in_fen(world: World, ledger) -> None:
    response = api_for(world.admin).get("/entitlements")
    assert ids(response) == {e.pk for e in ledger.values()}
    paid = next(row for row in response.json()["items"] if row["id"] == ledger["bolt_paid"].pk)
    assert (paid["state"], paid["state_label"], paid["paid_fen"]) == ("paid", "已兑付", 100_000_00)
    assert paid["voucher_no"] == "PZ-9" and paid["district"] == "金台区"


def test_a_district_clerk_reads_only_its_districts_entitlements(world: World, ledger) -> None:
    assert ids(api_for(world.clerk).get("/entitlements")) == {
        ledger["acme_pushed"].pk,
        ledger["acme_matched"].pk,
    }
    assert api_for(world.other_clerk).get(f"/entitlements/{ledger['acme_pushed'].pk}").status_code == 404


def test_an_enterprise_reads_only_its_own_pushed_entitlements(world: World, ledger) -> None:
    assert ids(api_for(world.owner).get("/entitlements")) == {ledger["acme_pushed"].pk}
    own = api_for(world.owner).get(f"/entitlements/{ledger['acme_pushed'].pk}")
    assert own.status_code == 200 and own.json()["uscc"] == world.acme.uscc
    assert api_for(world.owner).get(f"/entitlements/{ledger['acme_matched'].pk}").status_code == 404
    assert api_for(world.other_owner).get(f"/entitlements/{ledger['acme_pushed'].pk}").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"state": "paid"}, {"bolt_paid"}), ({"item": "xx18_art2_above_quota"}, {"acme_matched"})],
)
def test_the_list_filters_by_state_and_item(world: World, ledger, params, expected) -> None:
    assert ids(api_for(world.admin).get("/entitlements", **params)) == {ledger[k].pk for k in expected}


def test_the_list_filters_by_uscc(world: World, ledger) -> None:
    found = ids(api_for(world.admin).get("/entitlements", uscc=world.bolt.uscc))
    assert found == {ledger["bolt_paid"].pk}


def test_a_bad_filter_is_refused_in_chinese_and_names_the_field(world: World, ledger) -> None:
    response = api_for(world.admin).get("/entitlements", state="spent")
    assert response.status_code == 422
    assert "state" in response.content.decode()


@pytest.mark.parametrize("who", ["inspector", "nobody"])
def test_roles_without_entitlements_are_refused(world: World, ledger, who: str) -> None:
    assert api_for(getattr(world, who)).get("/entitlements").status_code == 403
    assert api_for(getattr(world, who)).get(f"/entitlements/{ledger['acme_pushed'].pk}").status_code == 403


def test_anonymous_callers_and_bad_tokens_are_refused(ledger) -> None:
    assert BearerClient(BASE, None).get("/entitlements").status_code == 401
    assert BearerClient(BASE, "not-a-token").get("/entitlements").status_code == 401
