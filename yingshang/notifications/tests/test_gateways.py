"""The gateways (gateways.py): the HTTP SMS gateway against a real local HTTP server, the e-mail gateway
through Django's test outbox and a refusing SMTP server, the logging gateway, and the choice by setting."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core import mail

from yingshang.notifications.gateways import (
    DjangoEmailGateway,
    GatewayError,
    HttpSmsGateway,
    LoggingGateway,
    gateway_for,
)


class SmsPlatform(BaseHTTPRequestHandler):
    """A stand-in SMS platform: records each request, answers with the status the test sets."""

    received: list[dict] = []
    answer = 200
    delay = 0.0

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length).decode("utf-8"))
        type(self).received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "json": body}
        )
        if type(self).delay:
            threading.Event().wait(type(self).delay)
        try:
            self.send_response(type(self).answer)
            self.end_headers()
            self.wfile.write('{"message": "余额不足"}'.encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the timeout test's client has already gone

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[tuple[str, type[SmsPlatform]]]:
    handler = type("Platform", (SmsPlatform,), {"received": [], "answer": 200, "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", handler
    server.shutdown()
    server.server_close()


def test_the_http_gateway_posts_mobile_and_text_with_the_bearer_token(platform):
    url, handler = platform
    HttpSmsGateway(url, "tok-123").send("13812341234", "可享政策", "高企奖励 20 万元")
    assert handler.received == [
        {
            "path": "/send",
            "auth": "Bearer tok-123",
            "json": {"mobile": "13812341234", "text": "【营商】可享政策：高企奖励 20 万元"},
        }
    ]


def test_without_a_token_no_authorization_header_is_sent(platform):
    url, handler = platform
    HttpSmsGateway(url).send("13812341234", "s", "b")
    assert handler.received[0]["auth"] is None


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_a_non_2xx_answer_is_a_gateway_error_with_the_status_and_what_it_said(platform, status):
    url, handler = platform
    handler.answer = status
    with pytest.raises(GatewayError) as error:
        HttpSmsGateway(url).send("13812341234", "s", "b")
    assert f"HTTP {status}" in error.value.reason
    assert "余额不足" in error.value.reason


def test_a_platform_that_does_not_answer_in_time_is_a_gateway_error(platform):
    url, handler = platform
    handler.delay = 1.0
    with pytest.raises(GatewayError, match="无法连接短信平台"):
        HttpSmsGateway(url, timeout=0.2).send("13812341234", "s", "b")


def test_an_unreachable_platform_is_a_gateway_error():
    with pytest.raises(GatewayError, match="无法连接短信平台"):
        HttpSmsGateway("http://127.0.0.1:9/send", timeout=1).send("13812341234", "s", "b")


def test_the_email_gateway_sends_through_django_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "yingshang@baoji.example"
    DjangoEmailGateway().send("boss@example.com", "可享政策", "高企奖励")
    assert [(m.to, m.subject, m.body, m.from_email) for m in mail.outbox] == [
        (["boss@example.com"], "可享政策", "高企奖励", "yingshang@baoji.example")
    ]


def test_an_smtp_server_that_cannot_be_reached_is_a_gateway_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with pytest.raises(GatewayError, match="邮件服务器"):
        DjangoEmailGateway().send("boss@example.com", "s", "b")


def test_the_logging_gateway_logs_with_the_recipient_masked(caplog):
    with caplog.at_level(logging.INFO, logger="yingshang.notifications"):
        LoggingGateway("sms").send("13812341234", "可享政策", "高企奖励")
    assert "138****1234" in caplog.text and "13812341234" not in caplog.text
    assert "[短信]" in caplog.text and "可享政策" in caplog.text


@pytest.mark.parametrize(
    ("sms", "email", "channel", "kind"),
    [
        ("logging", "logging", "sms", LoggingGateway),
        ("http", "logging", "sms", HttpSmsGateway),
        ("logging", "logging", "email", LoggingGateway),
        ("logging", "django", "email", DjangoEmailGateway),
    ],
)
def test_the_setting_chooses_the_gateway(settings, sms, email, channel, kind):
    settings.NOTIFY_SMS_GATEWAY, settings.NOTIFY_EMAIL_GATEWAY = sms, email
    settings.NOTIFY_SMS_URL = "http://sms.example/send"
    assert isinstance(gateway_for(channel), kind)


def test_the_http_gateway_reads_url_token_and_timeout_from_settings(settings):
    settings.NOTIFY_SMS_GATEWAY = "http"
    settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_TOKEN, settings.NOTIFY_SMS_TIMEOUT = "http://x/s", "t", 3
    gateway = gateway_for("sms")
    assert (gateway.url, gateway.token, gateway.timeout) == ("http://x/s", "t", 3)


def test_the_inbox_has_no_gateway():
    with pytest.raises(ValueError):
        gateway_for("inbox")


def test_a_connection_reset_by_the_platform_is_a_gateway_error():
    # The HTTP boundary, patched: an OSError from the socket layer is reported, not raised.
    reset = mock.patch("urllib.request.urlopen", side_effect=ConnectionResetError("reset by peer"))
    with reset, pytest.raises(GatewayError, match="reset by peer"):
        HttpSmsGateway("http://sms.example/send").send("13812341234", "s", "b")
