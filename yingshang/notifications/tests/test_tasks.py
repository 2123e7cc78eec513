"""The background task (tasks.py) sends what is pending; schedule_delivery enqueues it after commit."""

from __future__ import annotations

import pytest

from yingshang.notifications import services
from yingshang.notifications.models import EnterpriseContact, Message, Status
from yingshang.notifications.tasks import deliver_pending_task

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def queued(world) -> None:
    EnterpriseContact.objects.create(enterprise=world.acme, mobile="13812341234")
    services.notify(world.acme, topic="t", subject="可享政策", body="正文", dedupe_key="k")


def test_the_task_sends_pending_messages_and_returns_the_summary(world, settings):
    settings.TASKS = IMMEDIATE
    queued(world)
    result = deliver_pending_task.enqueue()
    assert result.return_value.startswith("已发送 1 条")
    assert Message.objects.get(channel="sms").status == Status.SENT


def test_schedule_delivery_runs_the_task_once_the_transaction_commits(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    queued(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.schedule_delivery()
    assert Message.objects.get(channel="sms").status == Status.QUEUED
    for callback in callbacks:
        callback()
    assert Message.objects.get(channel="sms").status == Status.SENT
