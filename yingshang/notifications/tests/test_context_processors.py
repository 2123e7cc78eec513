"""The unread badge in the top bar: enterprise users see their own count; staff see no 消息 link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.notifications import services

pytestmark = pytest.mark.django_db


def push(enterprise, key: str) -> None:
    services.notify(enterprise, topic="t", subject="通知", body="正文", dedupe_key=key)


def test_an_enterprise_user_sees_its_unread_count_in_the_top_bar(world):
    push(world.acme, "a")
    push(world.acme, "b")
    push(world.bolt, "c")
    page = world.client_for(world.owner).get(reverse("home")).content.decode()
    assert 'title="未读消息">2</span>' in page


def test_with_nothing_unread_the_link_shows_no_number(world):
    page = world.client_for(world.owner).get(reverse("home")).content.decode()
    assert 'class="inbox-link">消息</a>' in page
    assert "未读消息" not in page


@pytest.mark.parametrize("who", ["admin", "clerk", "nobody"])
def test_staff_and_the_unassigned_user_have_no_message_link(world, who):
    page = world.client_for(getattr(world, who)).get(reverse("home")).content.decode()
    assert "inbox-link" not in page
