"""精准推送: notify an enterprise once per notice and channel, deliver SMS / e-mail, read and 知晓率.

    notify(enterprise, topic=..., subject=..., body=..., link=..., dedupe_key=...) -> list[Message]

stores one message per channel: the inbox always (delivered on creation), an SMS when the enterprise
left a mobile number and an e-mail when it left an address — queued, or `suppressed` when it opted out
of that channel. (enterprise, channel, dedupe_key) is unique in the database, so a second call with
the same key, or two at once, store nothing new. `deliver_pending()` (delivery.py, re-exported here)
sends the queued ones through the configured gateways (gateways.py), each at most once;
`schedule_delivery()` queues that as a background task (tasks.py) once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from yingshang.core.errors import UserError
from yingshang.core.scope import Scope, scoped
from yingshang.notifications import signals
from yingshang.notifications.delivery import (  # noqa: F401  (delivery is part of this module's API)
    MAX_ATTEMPTS,
    OPTED_OUT,
    OUTGOING,
    DeliverySummary,
    address_of,
    deliver_pending,
    pending,
)
from yingshang.notifications.models import (
    OPTIONAL_CHANNELS,
    Channel,
    ChannelPreference,
    EnterpriseContact,
    Message,
    Status,
)
from yingshang.notifications.tasks import deliver_pending_task
from yingshang.registry.models import Enterprise

NOTIFY_CHUNK = 2000
CHANNEL_ORDER = {Channel.INBOX: 0, Channel.SMS: 1, Channel.EMAIL: 2}


class NotificationRefused(UserError):
    """A request the rules do not allow (e.g. opting out of the inbox); message in Chinese."""


@dataclass(frozen=True)
class Notice:
    """One notice to one enterprise, before it becomes a message per channel."""

    enterprise_id: int
    topic: str
    subject: str
    body: str
    dedupe_key: str
    link: str = ""


def entitlement_push_key(entitlement_id: int) -> str:
    """The dedupe key of an entitlement's push; the 政策兑现 receiver of `message_read` parses it."""
    return f"entitlement:{entitlement_id}:push"


def notify(
    enterprise: Enterprise, *, topic: str, subject: str, body: str, link: str = "", dedupe_key: str
) -> list[Message]:
    """Store the notice on every channel the enterprise receives; return this key's messages
    (inbox first), whether stored now or by an earlier call."""
    notify_many([Notice(enterprise.pk, topic, subject, body, dedupe_key, link)])
    found = Message.objects.filter(enterprise=enterprise, dedupe_key=dedupe_key)
    return sorted(found, key=lambda m: CHANNEL_ORDER[Channel(m.channel)])


def notify_many(notices: Iterable[Notice]) -> int:
    """`notify` for many enterprises at once (a push of thousands): a few queries per 2,000 notices.
    Returns the number of notices handled; existing (enterprise, channel, key) rows are left alone."""
    handled = 0
    chunk: list[Notice] = []
    for notice in notices:
        _check(notice)
        chunk.append(notice)
        if len(chunk) >= NOTIFY_CHUNK:
            handled += _store(chunk)
            chunk = []
    if chunk:
        handled += _store(chunk)
    return handled


def _check(notice: Notice) -> None:
    # Callers are our own code; a bad notice is a programming error, said plainly.
    if not notice.dedupe_key or len(notice.dedupe_key) > 200:
        raise ValueError(f"消息去重键不能为空且不超过 200 个字符：{notice.dedupe_key!r}")
    if not notice.subject or len(notice.subject) > 200:
        raise ValueError(f"消息标题不能为空且不超过 200 个字符：{notice.subject!r}")
    if not notice.topic or len(notice.topic) > 40:
        raise ValueError(f"消息类别不能为空且不超过 40 个字符：{notice.topic!r}")
    # A path on this site or a full http(s) address; not "//host" (another site) nor "javascript:".
    if notice.link and (
        notice.link.startswith("//") or not notice.link.startswith(("/", "https://", "http://"))
    ):
        raise ValueError(f"消息链接只能是站内路径或 http(s) 地址：{notice.link!r}")
    if len(notice.link) > 500:
        raise ValueError("消息链接超过 500 个字符")


def _store(notices: list[Notice]) -> int:
    enterprise_ids = {n.enterprise_id for n in notices}
    contacts = {
        c.enterprise_id: c for c in EnterpriseContact.objects.filter(enterprise_id__in=enterprise_ids)
    }
    opted_out = set(
        ChannelPreference.objects.filter(enterprise_id__in=enterprise_ids, opted_out=True).values_list(
            "enterprise_id", "channel"
        )
    )
    now = timezone.now()
    rows: list[Message] = []
    for notice in notices:
        fields = {
            "enterprise_id": notice.enterprise_id,
            "topic": notice.topic,
            "subject": notice.subject,
            "body": notice.body,
            "link": notice.link,
            "dedupe_key": notice.dedupe_key,
            "created_at": now,
        }
        rows.append(Message(channel=Channel.INBOX, status=Status.SENT, sent_at=now, **fields))
        contact = contacts.get(notice.enterprise_id)
        for channel in OUTGOING:
            if not address_of(contact, channel):
                continue  # no number / address: nothing to send on that channel, nothing stored
            if (notice.enterprise_id, channel.value) in opted_out:
                rows.append(Message(channel=channel, status=Status.SUPPRESSED, error=OPTED_OUT, **fields))
            else:
                rows.append(Message(channel=channel, status=Status.QUEUED, **fields))
    # ON CONFLICT DO NOTHING on the unique (enterprise, channel, dedupe_key): a repeated or concurrent
    # notify stores nothing new and raises nothing.
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(notices)


# --- the inbox ------------------------------------------------------------------------------------


def inbox_for(enterprise: Enterprise) -> QuerySet[Message]:
    """The enterprise's in-app messages, unread first, newest first within each."""
    return (
        scoped(Message.objects.all(), Scope.of_enterprise(enterprise.pk))
        .filter(channel=Channel.INBOX)
        .annotate(
            read_rank=Case(
                When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("read_rank", "-created_at", "-pk")
    )


def unread_count(enterprise: Enterprise) -> int:
    return Message.objects.filter(enterprise=enterprise, channel=Channel.INBOX, read_at__isnull=True).count()


def inbox_context(enterprise: Enterprise, *, limit: int | None = 10) -> dict[str, Any]:
    """What `notifications/_inbox.html` needs, for any page that shows an enterprise's messages
    (the message centre, the 企业码 page). `inbox_messages`, not `messages`: base.html shows Django's
    flash messages under that name."""
    inbox = inbox_for(enterprise)
    total = inbox.count()
    shown = list(inbox[:limit] if limit is not None else inbox)
    return {
        "inbox_messages": shown,
        "inbox_total": total,
        "inbox_more": total - len(shown),
        "unread_count": unread_count(enterprise),
        "inbox_url": reverse("notifications:inbox"),
    }


def mark_read(message: Message) -> bool:
    """The first read of an inbox message: set read_at and send `message_read` once. Later reads, and
    a concurrent second first read, change nothing. Returns whether this call was the first read."""
    if message.channel != Channel.INBOX:
        raise ValueError("只有站内信可以标记已读")
    now = timezone.now()
    # The conditional UPDATE is the guard: of two requests at once, only one sees a row change.
    first = Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now) == 1
    if first:
        message.read_at = now
        signals.message_read.send(sender=Message, message=message)
    elif message.read_at is None:
        message.refresh_from_db(fields=["read_at"])
    return first


def mark_all_read(enterprise: Enterprise) -> int:
    """Read every unread inbox message (each sends `message_read`); returns how many."""
    count = 0
    for message in Message.objects.filter(enterprise=enterprise, channel=Channel.INBOX, read_at__isnull=True):
        count += mark_read(message)
    return count


# --- preferences and contacts ---------------------------------------------------------------------


def opted_out_channels(enterprise: Enterprise) -> set[str]:
    return set(
        ChannelPreference.objects.filter(enterprise=enterprise, opted_out=True).values_list(
            "channel", flat=True
        )
    )


def set_opt_out(enterprise: Enterprise, channel: str, opted_out: bool) -> ChannelPreference:
    """Switch SMS or e-mail off (or on again). The inbox cannot be switched off. Messages already
    queued on a switched-off channel are not sent (deliver_pending checks at sending time)."""
    if channel not in OPTIONAL_CHANNELS:
        raise NotificationRefused(
            "站内信是平台留存通知的渠道，不能退订" if channel == Channel.INBOX else f"未知的渠道：{channel}"
        )
    preference, _ = ChannelPreference.objects.update_or_create(
        enterprise=enterprise, channel=channel, defaults={"opted_out": opted_out}
    )
    return preference


def contact_of(enterprise: Enterprise) -> EnterpriseContact:
    """The enterprise's contact row, unsaved and empty when it never left one."""
    try:
        return enterprise.contact
    except EnterpriseContact.DoesNotExist:
        return EnterpriseContact(enterprise=enterprise)


@transaction.atomic
def save_preferences(
    enterprise: Enterprise, *, contact_name: str, mobile: str, email: str, sms: bool, email_on: bool
) -> EnterpriseContact:
    """The preferences page in one step: contact details (validated by the model) and both switches.
    Raises ValidationError with per-field Chinese messages; nothing is saved then."""
    contact = contact_of(enterprise)
    contact.contact_name, contact.mobile, contact.email = contact_name.strip(), mobile.strip(), email.strip()
    contact.full_clean(exclude=["enterprise"])
    contact.save()
    set_opt_out(enterprise, Channel.SMS, not sms)
    set_opt_out(enterprise, Channel.EMAIL, not email_on)
    return contact


# --- 知晓率 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRate:
    """知晓率: inbox messages read by their enterprise / inbox messages sent."""

    read: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.read / self.total if self.total else None

    @property
    def percent(self) -> str:
        return "—" if not self.total else f"{100 * self.read / self.total:.1f}%"


def read_rate(messages: QuerySet[Message]) -> ReadRate:
    """知晓率 of any selection of messages (a topic, a push, a period); only inbox messages count:
    an SMS or e-mail cannot tell whether it was read."""
    figures = messages.filter(channel=Channel.INBOX).aggregate(
        total=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False))
    )
    return ReadRate(read=figures["read"], total=figures["total"])


def schedule_delivery() -> None:
    """Enqueue one delivery run after the current transaction commits (call once after a push)."""
    transaction.on_commit(deliver_pending_task.enqueue)
