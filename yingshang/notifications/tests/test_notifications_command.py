"""`yingshang notifications deliver | send-test`: the summary in Chinese on stdout, the bar on stderr."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.notifications import services
from yingshang.notifications.models import Channel, EnterpriseContact, Message, Status

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("notifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def queue(enterprise, count: int) -> None:
    EnterpriseContact.objects.create(enterprise=enterprise, mobile="13812341234")
    for i in range(count):
        services.notify(enterprise, topic="t", subject="可享政策", body="正文", dedupe_key=f"k{i}")


def test_deliver_sends_what_is_queued_and_says_so_in_chinese(world, caplog, capsys):
    queue(world.acme, 3)
    with caplog.at_level(logging.INFO, logger="yingshang.notifications"):
        out, _ = run("deliver")
    assert out == "已发送 3 条，失败 0 条（下次运行时重试），未发送 0 条（已退订或无联系方式）\n"
    assert caplog.text.count("[短信] 发往 138****1234") == 3
    assert "发送短信和邮件" in capsys.readouterr().err  # the tqdm bar
    assert Message.objects.filter(channel=Channel.SMS, status=Status.SENT).count() == 3


def test_deliver_with_a_limit_leaves_the_rest_for_later(world):
    queue(world.acme, 3)
    out, _ = run("deliver", "--limit", "2")
    assert out.startswith("已发送 2 条")
    assert services.pending().count() == 1


def test_a_bad_limit_is_refused_in_chinese(world):
    with pytest.raises(CommandError, match="--limit 应为正整数"):
        run("deliver", "--limit", "0")


def test_send_test_notifies_one_enterprise_on_its_channels_and_sends_it(world):
    EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234", email="boss@example.com")
    out, _ = run("send-test", world.acme.uscc)
    assert f"已向 {world.acme.name} 生成测试通知：站内信、短信、电子邮件" in out
    assert "已发送 2 条" in out
    assert Message.objects.filter(enterprise=world.acme, topic="test").count() == 3


def test_send_test_leaves_other_queued_messages_alone(world):
    queue(world.bolt, 1)
    run("send-test", world.acme.uscc)
    assert Message.objects.get(enterprise=world.bolt, channel=Channel.SMS).status == Status.QUEUED


def test_send_test_to_an_unknown_code_is_refused(world):
    with pytest.raises(CommandError, match="找不到统一社会信用代码为 91610302MA6X00009 的市场主体"):
        run("send-test", "91610302MA6X00009")


def test_a_missing_sub_command_is_explained_in_chinese():
    with pytest.raises(CommandError, match="缺少参数：子命令"):
        run()
