"""The operator's Django admin shows stored packs and runs, and changes none of them."""

from __future__ import annotations

import pytest
from django.test import Client

from yingshang.policies import services
from yingshang.policies.models import PolicyPack
from yingshang.policies.testing import finished_match
from yingshang.registry.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(world) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("operator", password="Operator-2026-test"))
    return client


def test_the_operator_sees_pack_versions_items_and_runs(world, operator: Client) -> None:
    services.sync_shipped_packs()
    run = finished_match()
    pack = PolicyPack.objects.first()
    for path in (
        "/django-admin/policies/policypack/",
        f"/django-admin/policies/policypack/{pack.pk}/change/",
        f"/django-admin/policies/policypack/{pack.pk}/history/",
        "/django-admin/policies/rewarditem/",
        f"/django-admin/policies/matchrun/{run.pk}/change/",
    ):
        assert operator.get(path).status_code == 200, path


def test_nothing_can_be_added_changed_or_deleted_there(world, operator: Client) -> None:
    services.sync_shipped_packs()
    pack = PolicyPack.objects.first()
    base = f"/django-admin/policies/policypack/{pack.pk}"
    assert operator.get("/django-admin/policies/policypack/add/").status_code == 403
    assert operator.post(f"{base}/change/", {"title": "改"}).status_code == 403
    assert operator.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    pack.refresh_from_db()
    assert pack.title != "改"


def test_staff_who_are_not_operators_are_sent_to_the_login(world) -> None:
    client = world.client_for(world.admin)
    assert client.get("/django-admin/policies/policypack/").status_code == 302
