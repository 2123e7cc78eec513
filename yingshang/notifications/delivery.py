"""Delivery of SMS and e-mail: what is pending, claimed in batches so each message goes out at most
once however many workers run, sent through the configured gateways (gateways.py), failures kept for
the next run. Called by the background task (tasks.py) and the `notifications deliver` command;
other apps reach it through services.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yingshang.notifications.gateways import Gateway, GatewayError, gateway_for
from yingshang.notifications.models import Channel, ChannelPreference, EnterpriseContact, Message, Status

logger = logging.getLogger("yingshang.notifications")

OUTGOING = (Channel.SMS, Channel.EMAIL)
# A failing message is tried again on later runs, at most this many times in all.
MAX_ATTEMPTS = 5
CLAIM_BATCH = 100
OPTED_OUT = "企业已退订该渠道"


def address_of(contact: EnterpriseContact | None, channel: str) -> str:
    """The enterprise's mobile number or e-mail address for a channel, '' when it left none."""
    if contact is None:
        return ""
    return contact.mobile if channel == Channel.SMS else contact.email


@dataclass
class DeliverySummary:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.suppressed

    def __str__(self) -> str:
        return (
            f"已发送 {self.sent} 条，失败 {self.failed} 条（下次运行时重试），"
            f"未发送 {self.suppressed} 条（已退订或无联系方式）"
        )


Progress = Callable[[int, int], None]


def pending(started: dt.datetime | None = None, dedupe_key: str | None = None) -> QuerySet[Message]:
    """SMS / e-mail waiting to go: queued, or failed before `started` with attempts left."""
    started = started or timezone.now()
    waiting = Message.objects.filter(
        Q(status=Status.QUEUED)
        | Q(status=Status.FAILED, last_attempt_at__lt=started, attempts__lt=MAX_ATTEMPTS),
        channel__in=OUTGOING,
    )
    return waiting if dedupe_key is None else waiting.filter(dedupe_key=dedupe_key)


def deliver_pending(
    limit: int | None = None, progress: Progress | None = None, *, dedupe_key: str | None = None
) -> DeliverySummary:
    """Send what is pending (only one notice's messages with `dedupe_key`), oldest first, each message
    at most once even with several workers: a batch is claimed (status `sending`) in its own short
    transaction before anything is sent. A message that failed in this run waits for the next run.
    `progress(done, total)` is called after each message."""
    started = timezone.now()
    total = pending(started, dedupe_key).count()
    if limit is not None:
        total = min(total, limit)
    summary = DeliverySummary()
    gateways: dict[str, Gateway] = {}
    if progress:
        progress(0, total)
    while limit is None or summary.handled < limit:
        size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - summary.handled)
        batch = _claim(pending(started, dedupe_key), size)
        if not batch:
            break
        opted_out = set(
            ChannelPreference.objects.filter(
                enterprise_id__in={m.enterprise_id for m in batch}, opted_out=True
            ).values_list("enterprise_id", "channel")
        )
        for message in batch:
            _deliver(message, (message.enterprise_id, message.channel) in opted_out, gateways, summary)
            if progress:
                progress(summary.handled, max(total, summary.handled))
    return summary


def _claim(waiting: QuerySet[Message], size: int) -> list[Message]:
    with transaction.atomic():
        # SKIP LOCKED (PostgreSQL): a second worker takes the next rows instead of waiting for these;
        # SQLite ignores it and serialises writers instead.
        ids = list(
            waiting.select_for_update(skip_locked=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(status=Status.SENDING, last_attempt_at=timezone.now())
    return list(
        Message.objects.filter(pk__in=ids).select_related("enterprise__contact").order_by("created_at", "pk")
    )


def _deliver(
    message: Message, opted_out: bool, gateways: dict[str, Gateway], summary: DeliverySummary
) -> None:
    contact = getattr(message.enterprise, "contact", None)
    address = address_of(contact, message.channel)
    update = ["status", "error", "attempts", "recipient", "sent_at"]
    if opted_out or not address:
        message.status = Status.SUPPRESSED
        message.error = OPTED_OUT if opted_out else "企业已删除该渠道的联系方式"
        summary.suppressed += 1
        message.save(update_fields=update)
        return
    message.attempts += 1
    message.recipient = address
    try:
        if message.channel not in gateways:
            gateways[message.channel] = gateway_for(message.channel)
        gateways[message.channel].send(address, message.subject, outgoing_body(message))
    except GatewayError as exc:
        message.status, message.error = Status.FAILED, exc.reason
        summary.failed += 1
    except Exception as exc:  # one broken message or gateway must not stop the run
        logger.exception("发送消息 %s 出错", message.pk)
        message.status, message.error = Status.FAILED, f"发送出错：{exc!r}"
        summary.failed += 1
    else:
        message.status, message.error, message.sent_at = Status.SENT, "", timezone.now()
        summary.sent += 1
    message.save(update_fields=update)


def outgoing_body(message: Message) -> str:
    """The body of an SMS / e-mail: the text and, when the site's address is known, the full link."""
    if not message.link:
        return message.body
    if message.link.startswith("/"):
        site = settings.NOTIFY_SITE_URL
        if not site:
            return f"{message.body}\n详情请登录营商环境服务平台查看。"
        return f"{message.body}\n详情：{site}{message.link}"
    return f"{message.body}\n详情：{message.link}"
