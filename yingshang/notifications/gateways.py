"""How an SMS or e-mail leaves the platform: a small pluggable gateway per channel.

A gateway has one method, `send(to, subject, body)`, and raises `GatewayError` (with a Chinese
reason) when the message did not go out; `services.deliver_pending` records that reason on the
message and tries again on a later run. Which gateway a channel uses is a setting
(`YINGSHANG_SMS_GATEWAY`, `YINGSHANG_EMAIL_GATEWAY`; docs/notifications.md):

- "logging": writes the message to the `yingshang.notifications` log (the demo; the default);
- "http" (SMS): POSTs JSON {mobile, text} to `YINGSHANG_SMS_URL` with a bearer token;
- "django" (e-mail): Django's `send_mail` through the SMTP server of `YINGSHANG_EMAIL_HOST` and the others.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail

from yingshang.core.errors import UserError
from yingshang.core.masking import mask_contact
from yingshang.notifications.models import Channel

logger = logging.getLogger("yingshang.notifications")


class GatewayError(UserError):
    """The message did not go out; `reason` (= `message`) says why, in Chinese, for the message's
    error field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Gateway(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class LoggingGateway:
    """Sends nothing: logs that it would have (recipient masked: logs are read by more people)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, to: str, subject: str, body: str) -> None:
        logger.info("[%s] 发往 %s：%s｜%s", Channel(self.channel).label, mask_contact(to), subject, body)


class DjangoEmailGateway:
    """E-mail through django.core.mail (EMAIL_HOST and friends, from YINGSHANG_EMAIL_HOST and the others)."""

    def send(self, to: str, subject: str, body: str) -> None:
        try:
            send_mail(subject, body, None, [to], fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise GatewayError(f"邮件服务器拒绝或无法连接：{exc}") from exc


class HttpSmsGateway:
    """SMS through an HTTP platform: POST {"mobile", "text"} as JSON, bearer token, any 2xx is success.

    Most provincial 政务短信平台 and commercial providers accept this shape directly or through a
    small adapter; docs/notifications.md says how to plug in another one.
    """

    def __init__(self, url: str, token: str = "", timeout: float = 10) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, to: str, subject: str, body: str) -> None:
        payload = json.dumps({"mobile": to, "text": sms_text(subject, body)}, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=payload.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise GatewayError(f"短信平台返回 HTTP {exc.code}：{_excerpt(exc)}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GatewayError(f"无法连接短信平台：{reason}") from exc
        if not 200 <= status < 300:
            raise GatewayError(f"短信平台返回 HTTP {status}")


def sms_text(subject: str, body: str) -> str:
    """One text: 【营商】subject：body (SMS has no separate subject line)."""
    return f"【营商】{subject}：{body}"


def _excerpt(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(200).decode("utf-8", "replace").strip() or (error.reason or "")
    except OSError:
        return str(error.reason or "")


def gateway_for(channel: str) -> Gateway:
    """The configured gateway of an outgoing channel (settings are read each time: tests change them)."""
    if channel == Channel.SMS:
        name = settings.NOTIFY_SMS_GATEWAY
        if name == "http":
            return HttpSmsGateway(
                settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_TOKEN, settings.NOTIFY_SMS_TIMEOUT
            )
        if name == "logging":
            return LoggingGateway(channel)
    elif channel == Channel.EMAIL:
        name = settings.NOTIFY_EMAIL_GATEWAY
        if name == "django":
            return DjangoEmailGateway()
        if name == "logging":
            return LoggingGateway(channel)
    else:
        raise ValueError(f"渠道 {channel} 不经网关发送")
    raise ValueError(f"未知的{Channel(channel).label}网关：{name}")
