"""精准推送: messages to enterprises, one per channel, and what each enterprise chose to receive.

A `Message` is one notice on one channel: the in-app inbox (站内信, delivered on creation) or an SMS /
e-mail queued for `services.deliver_pending`. The same notice is never stored twice on a channel:
(enterprise, channel, dedupe_key) is unique, and callers name the notice with a stable key
(e.g. `entitlement:42:push`).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from yingshang.core.scope import Owned
from yingshang.registry.models import Enterprise

MOBILE_PATTERN = r"^1[3-9]\d{9}$"
mobile_validator = RegexValidator(
    MOBILE_PATTERN, "格式不正确：应为 11 位数字、以 1 开头、第二位为 3–9，如 13812341234"
)


class Channel(models.TextChoices):
    INBOX = "inbox", "站内信"
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


# Only these may be switched off: the inbox is where the platform's record of a notice lives.
OPTIONAL_CHANNELS = (Channel.SMS, Channel.EMAIL)


class Status(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SUPPRESSED = "suppressed", "未发送（企业已退订或无联系方式）"


class Message(models.Model):
    scope = Owned(district="enterprise__district", enterprise="enterprise")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="messages", verbose_name="企业"
    )
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    topic = models.CharField("类别", max_length=40, help_text="如 entitlement.push；报表按类别统计")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    link = models.CharField("链接", max_length=500, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField("失败原因", blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_attempt_at = models.DateTimeField("最近一次发送", null=True, blank=True)
    # Where an SMS / e-mail went, filled when it is sent (the contact may change later).
    recipient = models.CharField("接收方", max_length=254, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "channel", "dedupe_key"], name="notif_message_once_per_channel"
            ),
        ]
        indexes = [
            # The inbox and its unread badge: one enterprise's messages on one channel, newest first.
            models.Index(fields=["enterprise", "channel", "-created_at"], name="notif_inbox"),
            # deliver_pending: queued and failed SMS / e-mail, oldest first.
            models.Index(fields=["status", "channel", "created_at"], name="notif_pending"),
            # 知晓率 per topic.
            models.Index(fields=["topic", "channel"], name="notif_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}：{self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EnterpriseContact(models.Model):
    """Where SMS and e-mail for an enterprise go. Personal data: staff listings show it masked."""

    scope = Owned(district="enterprise__district", enterprise="enterprise")

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="contact", verbose_name="企业"
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=11, blank=True, validators=[mobile_validator])
    email = models.EmailField("电子邮箱", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业联系方式"

    def __str__(self) -> str:
        return f"{self.enterprise.name} 联系方式"


class ChannelPreference(models.Model):
    """An enterprise's choice on one optional channel; no row means it receives it."""

    scope = Owned(district="enterprise__district", enterprise="enterprise")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="channel_preferences", verbose_name="企业"
    )
    channel = models.CharField("渠道", max_length=8, choices=[(c.value, c.label) for c in OPTIONAL_CHANNELS])
    opted_out = models.BooleanField("已退订", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "接收偏好"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "channel"], name="notif_preference_once"),
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in OPTIONAL_CHANNELS]),
                name="notif_preference_optional_channel",
            ),
        ]

    def __str__(self) -> str:
        state = "不接收" if self.opted_out else "接收"
        return f"{self.enterprise.name} {state}{self.get_channel_display()}"
