"""The operator's Django admin lists 企业码 versions with their history, and changes none of them."""

from __future__ import annotations

import pytest
from django.test import Client

from yingshang.portal import codes
from yingshang.registry.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(world) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("operator", password="Operator-2026-test"))
    return client


def test_the_operator_sees_card_versions_and_their_history(world, operator):
    code = codes.reissue_code(world.acme, by=world.admin)
    base = f"/django-admin/portal/enterprisecode/{code.pk}"
    listing = operator.get("/django-admin/portal/enterprisecode/", {"q": world.acme.uscc})
    assert listing.status_code == 200 and world.acme.name in listing.content.decode()
    assert operator.get(f"{base}/change/").status_code == 200
    assert "重新签发企业码" in operator.get(f"{base}/history/").content.decode()


def test_a_card_version_cannot_be_edited_added_or_deleted_there(world, operator):
    codes.current_code(world.acme)
    code = codes.reissue_code(world.acme, by=world.admin)  # version 2: the first card is revoked
    base = f"/django-admin/portal/enterprisecode/{code.pk}"
    operator.post(f"{base}/change/", {"version": "1", "issued_at_0": "2026-01-01", "issued_at_1": "00:00"})
    assert operator.get("/django-admin/portal/enterprisecode/add/").status_code == 403
    assert operator.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    code.refresh_from_db()
    assert code.version == 2
