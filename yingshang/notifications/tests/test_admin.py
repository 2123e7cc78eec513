"""The Django admin lists messages and contacts read-only, contact details masked (personal data)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.notifications import services
from yingshang.notifications.models import EnterpriseContact, Message
from yingshang.registry.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="Root-pass-123456"))
    return client


def test_contact_listings_show_mobile_and_email_masked(world, root):
    contact = EnterpriseContact.objects.create(
        enterprise=world.acme, contact_name="张三", mobile="13812341234", email="zhang@example.com"
    )
    for url in (
        reverse("admin:notifications_enterprisecontact_changelist"),
        reverse("admin:notifications_enterprisecontact_change", args=[contact.pk]),
    ):
        page = root.get(url).content.decode()
        assert "138****1234" in page and "z***@example.com" in page
        assert "13812341234" not in page and "zhang@example.com" not in page


def test_message_listings_show_the_recipient_masked(world, root, monkeypatch):
    EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234")
    services.notify(world.acme, topic="t", subject="可享政策", body="正文", dedupe_key="k")
    services.deliver_pending()
    sms = Message.objects.get(channel="sms")
    for url in (
        reverse("admin:notifications_message_changelist"),
        reverse("admin:notifications_message_change", args=[sms.pk]),
    ):
        page = root.get(url).content.decode()
        assert "138****1234" in page
        assert "13812341234" not in page


def test_nothing_can_be_added_changed_or_deleted_here(world, root):
    contact = EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234")
    assert root.get(reverse("admin:notifications_enterprisecontact_add")).status_code == 403
    root.post(
        reverse("admin:notifications_enterprisecontact_change", args=[contact.pk]), {"mobile": "13900000000"}
    )
    contact.refresh_from_db()
    assert contact.mobile == "13812341234"
