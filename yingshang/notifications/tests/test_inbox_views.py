"""消息中心 pages (views.inbox, message_detail, read_all): an enterprise reads its own messages; another
enterprise's message is not found; staff, the unassigned user and anonymous visitors get nothing."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from yingshang.notifications import services, signals
from yingshang.notifications.models import EnterpriseContact, Message

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")


def push(enterprise, key: str, subject: str = "您有一项可享政策", link: str = "/policies/") -> Message:
    return services.notify(
        enterprise,
        topic="entitlement.push",
        subject=subject,
        body="高企认定奖励\n20 万元",
        link=link,
        dedupe_key=key,
    )[0]


def test_the_inbox_lists_the_enterprises_messages_unread_in_bold_with_the_count(world):
    read = push(world.acme, "a", subject="已经读过的通知")
    push(world.acme, "b", subject="还没读的通知")
    push(world.bolt, "c", subject="别家企业的通知")
    services.mark_read(read)
    page = world.client_for(world.owner).get(INBOX).content.decode()
    assert "未读消息 <strong>1</strong> 条" in page
    assert "<strong>还没读的通知</strong>" in page
    assert "已经读过的通知" in page and "<strong>已经读过的通知</strong>" not in page
    assert "别家企业的通知" not in page
    assert page.index("还没读的通知") < page.index("已经读过的通知")


def test_the_inbox_shows_no_sms_or_email_copies(world):
    EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234")
    push(world.acme, "a", subject="只出现一次的通知")
    page = world.client_for(world.owner).get(INBOX).content.decode()
    assert page.count("只出现一次的通知") == 1


def test_an_empty_inbox_says_so(world):
    page = world.client_for(world.owner).get(INBOX).content.decode()
    assert "暂无消息" in page


def test_opening_a_message_shows_it_and_marks_it_read_once(world):
    message = push(world.acme, "a")
    received = []

    def receiver(sender, message, **kwargs):
        received.append(message.pk)

    signals.message_read.connect(receiver)
    try:
        client = world.client_for(world.owner)
        url = reverse("notifications:detail", args=[message.pk])
        page = client.get(url).content.decode()
        first_read = Message.objects.get(pk=message.pk).read_at
        client.get(url)
    finally:
        signals.message_read.disconnect(receiver)
    assert "高企认定奖励<br>20 万元" in page
    assert 'href="/policies/"' in page
    assert first_read is not None
    assert Message.objects.get(pk=message.pk).read_at == first_read
    assert received == [message.pk]


def test_another_enterprises_message_is_not_found_and_stays_unread(world):
    theirs = push(world.bolt, "a")
    response = world.client_for(world.owner).get(reverse("notifications:detail", args=[theirs.pk]))
    assert response.status_code == 404
    assert Message.objects.get(pk=theirs.pk).read_at is None


def test_an_sms_copy_cannot_be_opened_as_a_message(world):
    EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234")
    push(world.acme, "a")
    sms = Message.objects.get(channel="sms")
    assert (
        world.client_for(world.owner).get(reverse("notifications:detail", args=[sms.pk])).status_code == 404
    )


def test_read_all_marks_every_unread_message_read(world):
    push(world.acme, "a")
    push(world.acme, "b")
    push(world.bolt, "c")
    response = world.client_for(world.owner).post(reverse("notifications:read_all"), follow=True)
    assert "已将 2 条消息标记为已读" in response.content.decode()
    assert services.unread_count(world.acme) == 0
    assert services.unread_count(world.bolt) == 1


def test_read_all_refuses_get(world):
    push(world.acme, "a")
    assert world.client_for(world.owner).get(reverse("notifications:read_all")).status_code == 405
    assert services.unread_count(world.acme) == 1


@pytest.mark.parametrize("who", ["admin", "clerk", "other_clerk", "inspector", "nobody"])
@pytest.mark.parametrize("name", ["inbox", "detail", "read_all", "preferences"])
def test_staff_and_the_unassigned_user_are_refused(world, who, name):
    message = push(world.acme, "a")
    url = reverse(f"notifications:{name}", args=[message.pk] if name == "detail" else [])
    client = world.client_for(getattr(world, who))
    response = client.post(url) if name == "read_all" else client.get(url)
    assert response.status_code == 403
    assert Message.objects.get(pk=message.pk).read_at is None


@pytest.mark.parametrize("name", ["inbox", "detail", "read_all", "preferences"])
def test_anonymous_visitors_are_sent_to_the_login_page(world, name):
    message = push(world.acme, "a")
    url = reverse(f"notifications:{name}", args=[message.pk] if name == "detail" else [])
    response = world.client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_inbox_include_can_link_messages_to_another_page(world):
    message = push(world.acme, "a")
    context = services.inbox_context(world.acme)
    default = render_to_string("notifications/_inbox.html", context)
    assert f'href="{reverse("notifications:detail", args=[message.pk])}"' in default
    # Any URL name taking the message's pk (the 企业码 page has its own); policies:run_detail stands in.
    other = render_to_string(
        "notifications/_inbox.html", {**context, "inbox_detail_url": "policies:run_detail"}
    )
    assert f'href="{reverse("policies:run_detail", args=[message.pk])}"' in other
