"""deliver_pending (delivery.py): each SMS / e-mail sent once, opt-outs respected, failures recorded and
retried on a later run. The gateway is a recording fake standing where the SMS platform would be."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from yingshang.notifications import delivery, services
from yingshang.notifications.gateways import GatewayError
from yingshang.notifications.models import Channel, EnterpriseContact, Message, Status


class RecordingGateway:
    """The outside world: remembers what it was asked to send; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failing: str | None = None
        self.lock = threading.Lock()

    def send(self, to: str, subject: str, body: str) -> None:
        if self.failing:
            raise GatewayError(self.failing)
        with self.lock:
            self.sent.append((to, subject, body))


@pytest.fixture
def gateway(monkeypatch) -> RecordingGateway:
    fake = RecordingGateway()
    monkeypatch.setattr(delivery, "gateway_for", lambda channel: fake)
    return fake


def contact(enterprise, mobile="13812341234", email="boss@example.com") -> EnterpriseContact:
    return EnterpriseContact.objects.create(enterprise=enterprise, mobile=mobile, email=email)


def push(enterprise, key="entitlement:1:push", link=""):
    return services.notify(
        enterprise, topic="entitlement.push", subject="可享政策", body="高企奖励", link=link, dedupe_key=key
    )


def statuses() -> dict[str, str]:
    return dict(Message.objects.exclude(channel=Channel.INBOX).values_list("channel", "status"))


@pytest.mark.django_db
def test_queued_sms_and_email_are_sent_once_to_the_enterprises_contact(world, gateway):
    contact(world.acme)
    push(world.acme)
    summary = services.deliver_pending()
    assert (summary.sent, summary.failed, summary.suppressed) == (2, 0, 0)
    assert sorted(to for to, _, _ in gateway.sent) == ["13812341234", "boss@example.com"]
    assert statuses() == {"sms": Status.SENT, "email": Status.SENT}
    assert set(Message.objects.exclude(channel="inbox").values_list("recipient", flat=True)) == {
        "13812341234",
        "boss@example.com",
    }
    assert services.deliver_pending().handled == 0
    assert len(gateway.sent) == 2


@pytest.mark.django_db
def test_a_channel_opted_out_of_after_queueing_is_suppressed_not_sent(world, gateway):
    contact(world.acme)
    push(world.acme)
    services.set_opt_out(world.acme, Channel.SMS, True)
    summary = services.deliver_pending()
    assert (summary.sent, summary.suppressed) == (1, 1)
    assert [to for to, _, _ in gateway.sent] == ["boss@example.com"]
    sms = Message.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.error) == (Status.SUPPRESSED, "企业已退订该渠道")


@pytest.mark.django_db
def test_a_contact_removed_after_queueing_suppresses_that_channel(world, gateway):
    reach = contact(world.acme)
    push(world.acme)
    reach.email = ""
    reach.save()
    services.deliver_pending()
    assert statuses() == {"sms": Status.SENT, "email": Status.SUPPRESSED}


@pytest.mark.django_db
def test_a_failing_gateway_is_recorded_and_retried_on_the_next_run(world, gateway):
    contact(world.acme, email="")
    push(world.acme)
    gateway.failing = "短信平台返回 HTTP 503：维护中"
    summary = services.deliver_pending()
    assert (summary.sent, summary.failed) == (0, 1)
    sms = Message.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.error, sms.attempts) == (Status.FAILED, "短信平台返回 HTTP 503：维护中", 1)
    gateway.failing = None
    summary = services.deliver_pending()
    assert (summary.sent, summary.failed) == (1, 0)
    sms.refresh_from_db()
    assert (sms.status, sms.error, sms.attempts) == (Status.SENT, "", 2)
    assert len(gateway.sent) == 1


@pytest.mark.django_db
def test_a_message_that_fails_is_not_retried_within_the_same_run(world, gateway):
    contact(world.acme, email="")
    push(world.acme)
    gateway.failing = "超时"
    services.deliver_pending()
    assert Message.objects.get(channel=Channel.SMS).attempts == 1


@pytest.mark.django_db
def test_after_the_last_attempt_a_message_is_left_failed(world, gateway):
    contact(world.acme, email="")
    push(world.acme)
    gateway.failing = "超时"
    for _ in range(services.MAX_ATTEMPTS + 2):
        services.deliver_pending()
    sms = Message.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.attempts) == (Status.FAILED, services.MAX_ATTEMPTS)
    assert services.pending().count() == 0


@pytest.mark.django_db
def test_an_unexpected_gateway_error_is_recorded_and_the_run_goes_on(world, monkeypatch):
    contact(world.acme, email="")
    contact(world.bolt, mobile="13912345678", email="")
    push(world.acme)
    push(world.bolt)
    sent = []

    class Flaky:
        def send(self, to, subject, body):
            if to == "13812341234":
                raise RuntimeError("boom")
            sent.append(to)

    monkeypatch.setattr(delivery, "gateway_for", lambda channel: Flaky())
    summary = services.deliver_pending()
    assert (summary.sent, summary.failed) == (1, 1)
    assert sent == ["13912345678"]
    assert "boom" in Message.objects.get(enterprise=world.acme, channel="sms").error


@pytest.mark.django_db
def test_limit_and_progress(world, gateway):
    contact(world.acme, email="")
    for i in range(5):
        push(world.acme, key=f"k{i}")
    calls = []
    summary = services.deliver_pending(limit=3, progress=lambda done, total: calls.append((done, total)))
    assert summary.sent == 3
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    assert services.deliver_pending().sent == 2


@pytest.mark.django_db
def test_only_one_notice_can_be_delivered(world, gateway):
    contact(world.acme, email="")
    push(world.acme, key="a")
    push(world.acme, key="b")
    assert services.deliver_pending(dedupe_key="b").sent == 1
    assert Message.objects.get(channel="sms", dedupe_key="a").status == Status.QUEUED


@pytest.mark.django_db
def test_the_outgoing_text_carries_the_full_link_when_the_site_address_is_known(world, gateway, settings):
    contact(world.acme, email="")
    push(world.acme, key="a", link="/messages/")
    settings.NOTIFY_SITE_URL = "https://yingshang.example.gov.cn"
    services.deliver_pending()
    assert gateway.sent[0][2] == "高企奖励\n详情：https://yingshang.example.gov.cn/messages/"


@pytest.mark.django_db
def test_without_the_site_address_the_text_says_to_log_in(world, gateway, settings):
    contact(world.acme, email="")
    push(world.acme, key="a", link="/messages/")
    settings.NOTIFY_SITE_URL = ""
    services.deliver_pending()
    assert gateway.sent[0][2] == "高企奖励\n详情请登录营商环境服务平台查看。"


def _in_threads(count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="threads need a server database")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_notify_calls_store_one_message_per_channel(world):
    contact(world.acme)
    errors = _in_threads(4, lambda: push(world.acme))
    assert errors == []
    assert sorted(Message.objects.values_list("channel", flat=True)) == ["email", "inbox", "sms"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="threads need a server database")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_delivery_runs_send_each_message_once(world, gateway, monkeypatch):
    monkeypatch.setattr(delivery, "CLAIM_BATCH", 3)
    contact(world.acme)
    for i in range(20):
        services.notify(world.acme, topic="t", subject="s", body=f"第{i}条", dedupe_key=f"k{i}")
    errors = _in_threads(4, services.deliver_pending)
    assert errors == []
    assert len(gateway.sent) == len(set(gateway.sent)) == 40
    assert Message.objects.exclude(channel="inbox").exclude(status=Status.SENT).count() == 0
