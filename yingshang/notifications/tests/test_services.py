"""notify, the inbox, read marks, preferences and 知晓率 (services.py), on the shared world."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from yingshang.notifications import services, signals
from yingshang.notifications.models import Channel, ChannelPreference, EnterpriseContact, Message, Status
from yingshang.notifications.services import Notice, NotificationRefused

pytestmark = pytest.mark.django_db


def push(enterprise, key: str = "entitlement:1:push", **fields) -> list[Message]:
    values = {
        "topic": "entitlement.push",
        "subject": "您有一项可享政策",
        "body": "高企认定奖励 20 万元",
        **fields,
    }
    return services.notify(enterprise, dedupe_key=key, **values)


def with_contact(
    enterprise, mobile: str = "13812341234", email: str = "boss@example.com"
) -> EnterpriseContact:
    return EnterpriseContact.objects.create(
        enterprise=enterprise, contact_name="张三", mobile=mobile, email=email
    )


@pytest.fixture
def reads():
    received: list[Message] = []

    def receiver(sender, message, **kwargs):
        assert sender is Message
        received.append(message)

    signals.message_read.connect(receiver)
    yield received
    signals.message_read.disconnect(receiver)


def test_an_enterprise_without_contact_details_gets_only_the_inbox_message(world):
    stored = push(world.acme)
    assert [(m.channel, m.status) for m in stored] == [(Channel.INBOX, Status.SENT)]
    assert stored[0].sent_at is not None and stored[0].read_at is None


def test_an_enterprise_with_mobile_and_email_gets_one_message_per_channel(world):
    with_contact(world.acme)
    stored = push(world.acme, link="/policies/")
    assert [(m.channel, m.status) for m in stored] == [
        (Channel.INBOX, Status.SENT),
        (Channel.SMS, Status.QUEUED),
        (Channel.EMAIL, Status.QUEUED),
    ]
    assert {m.link for m in stored} == {"/policies/"}


def test_notifying_twice_with_the_same_key_stores_nothing_new(world):
    with_contact(world.acme)
    first = push(world.acme)
    second = push(world.acme, subject="改过的标题")
    assert Message.objects.count() == 3
    assert [m.pk for m in second] == [m.pk for m in first]
    assert {m.subject for m in second} == {"您有一项可享政策"}


def test_the_same_key_for_another_enterprise_is_another_message(world):
    push(world.acme)
    push(world.bolt)
    assert Message.objects.filter(dedupe_key="entitlement:1:push").count() == 2


def test_a_channel_the_enterprise_opted_out_of_is_stored_as_suppressed(world):
    with_contact(world.acme)
    services.set_opt_out(world.acme, Channel.SMS, True)
    statuses = {m.channel: m.status for m in push(world.acme)}
    assert statuses == {
        Channel.INBOX: Status.SENT,
        Channel.SMS: Status.SUPPRESSED,
        Channel.EMAIL: Status.QUEUED,
    }


def test_the_inbox_cannot_be_opted_out_of(world):
    with pytest.raises(NotificationRefused, match="站内信"):
        services.set_opt_out(world.acme, Channel.INBOX, True)
    assert not ChannelPreference.objects.exists()


def test_opting_back_in_clears_the_opt_out(world):
    services.set_opt_out(world.acme, Channel.EMAIL, True)
    services.set_opt_out(world.acme, Channel.EMAIL, False)
    assert services.opted_out_channels(world.acme) == set()
    assert ChannelPreference.objects.count() == 1


def test_notify_many_stores_a_push_to_many_enterprises_and_skips_what_exists(world):
    with_contact(world.bolt, email="")
    push(world.acme, key="entitlement:7:push")
    notices = [
        Notice(world.acme.pk, "entitlement.push", "可享政策", "正文", "entitlement:7:push"),
        Notice(world.bolt.pk, "entitlement.push", "可享政策", "正文", "entitlement:8:push"),
    ]
    assert services.notify_many(notices) == 2
    assert sorted(Message.objects.values_list("enterprise__name", "channel", "dedupe_key")) == sorted(
        [
            (world.acme.name, "inbox", "entitlement:7:push"),
            (world.bolt.name, "inbox", "entitlement:8:push"),
            (world.bolt.name, "sms", "entitlement:8:push"),
        ]
    )


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"dedupe_key": ""}, "去重键"),
        ({"subject": ""}, "标题"),
        ({"topic": ""}, "类别"),
        ({"link": "javascript:alert(1)"}, "链接"),
        ({"link": "//evil.example/"}, "链接"),
    ],
)
def test_a_malformed_notice_is_refused_and_nothing_is_stored(world, fields, problem):
    values = {"topic": "t", "subject": "s", "body": "b", "dedupe_key": "k", **fields}
    with pytest.raises(ValueError, match=problem):
        services.notify(world.acme, **values)
    assert not Message.objects.exists()


def test_the_inbox_lists_unread_messages_first_then_newest(world):
    old, middle, new = (push(world.acme, key=f"k{i}")[0] for i in range(3))
    services.mark_read(new)
    assert [m.pk for m in services.inbox_for(world.acme)] == [middle.pk, old.pk, new.pk]
    assert services.unread_count(world.acme) == 2


def test_the_inbox_holds_only_the_enterprises_own_inbox_messages(world):
    with_contact(world.acme)
    push(world.acme)
    push(world.bolt)
    inbox = list(services.inbox_for(world.acme))
    assert [(m.enterprise_id, m.channel) for m in inbox] == [(world.acme.pk, Channel.INBOX)]


def test_the_first_read_sets_read_at_and_fires_the_signal_once(world, reads):
    message = push(world.acme)[0]
    assert services.mark_read(message) is True
    first_read = Message.objects.get(pk=message.pk).read_at
    assert first_read is not None
    stale = Message.objects.get(pk=message.pk)
    assert services.mark_read(stale) is False
    assert services.mark_read(Message.objects.get(pk=message.pk)) is False
    assert Message.objects.get(pk=message.pk).read_at == first_read
    assert [m.pk for m in reads] == [message.pk]
    assert reads[0].dedupe_key == "entitlement:1:push"


def test_a_stale_copy_read_after_another_request_read_it_fires_nothing(world, reads):
    message = push(world.acme)[0]
    copy = Message.objects.get(pk=message.pk)
    services.mark_read(message)
    assert services.mark_read(copy) is False
    assert copy.read_at is not None
    assert len(reads) == 1


def test_an_sms_cannot_be_marked_read(world):
    with_contact(world.acme)
    sms = push(world.acme)[1]
    with pytest.raises(ValueError):
        services.mark_read(sms)


def test_mark_all_read_reads_each_unread_message_once(world, reads):
    for i in range(3):
        push(world.acme, key=f"k{i}")
    push(world.bolt, key="k0")
    assert services.mark_all_read(world.acme) == 3
    assert services.mark_all_read(world.acme) == 0
    assert len(reads) == 3
    assert services.unread_count(world.bolt) == 1


def test_read_rate_counts_read_inbox_messages_over_inbox_messages(world):
    with_contact(world.acme)
    for i in range(4):
        push(world.acme, key=f"k{i}")
    for message in list(services.inbox_for(world.acme))[:1]:
        services.mark_read(message)
    rate = services.read_rate(Message.objects.filter(enterprise=world.acme))
    assert (rate.read, rate.total, rate.percent) == (1, 4, "25.0%")
    assert rate.ratio == 0.25


def test_read_rate_of_nothing_is_shown_as_a_dash(world):
    rate = services.read_rate(Message.objects.none())
    assert (rate.total, rate.ratio, rate.percent) == (0, None, "—")


def test_inbox_context_gives_the_include_its_messages_and_unread_count(world):
    for i in range(3):
        push(world.acme, key=f"k{i}")
    context = services.inbox_context(world.acme, limit=2)
    assert len(context["inbox_messages"]) == 2
    assert (context["unread_count"], context["inbox_total"], context["inbox_more"]) == (3, 3, 1)
    assert context["inbox_url"] == "/messages/"


def test_saving_preferences_stores_the_contact_and_both_switches(world):
    services.save_preferences(
        world.acme, contact_name="张三", mobile="13912345678", email="a@example.com", sms=False, email_on=True
    )
    contact = EnterpriseContact.objects.get(enterprise=world.acme)
    assert (contact.mobile, contact.email) == ("13912345678", "a@example.com")
    assert services.opted_out_channels(world.acme) == {"sms"}


def test_a_bad_mobile_number_saves_nothing(world):
    with pytest.raises(ValidationError) as error:
        services.save_preferences(
            world.acme, contact_name="", mobile="12345", email="", sms=False, email_on=False
        )
    assert "mobile" in error.value.message_dict
    assert not EnterpriseContact.objects.exists()
    assert not ChannelPreference.objects.exists()


def test_the_push_key_of_an_entitlement_is_the_one_policies_reads():
    assert services.entitlement_push_key(42) == "entitlement:42:push"
