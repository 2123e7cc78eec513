"""个人信息查看与下载记录 (registry.views.access_log): the auditor's page, in Chinese and Beijing time,
of the viewer's reach only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from yingshang.core.models import AccessRecord

pytestmark = pytest.mark.django_db


def _record(world, district, **fields):
    values = {
        "user": world.weibin_admin,
        "user_label": "王晓梅（weibin_admin）",
        "what": "payment_file",
        "object_type": "拨付批次",
        "object_pk": "7",
        "object_label": "BF-渭滨-0001",
        "address": "10.8.0.7",
        "district_pk": district.pk,
        "at": dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC),  # 09:30 北京时间
    }
    return AccessRecord.objects.create(**(values | fields))


def test_the_office_reads_who_downloaded_what_in_beijing_time(world):
    _record(world, world.weibin)
    body = world.client_for(world.weibin_admin).get(reverse("registry:access_log")).content.decode()
    assert "2026-11-20 09:30:00" in body
    assert "王晓梅（weibin_admin）" in body and "下载拨付文件（含完整收款账号）" in body
    assert "拨付批次：BF-渭滨-0001" in body and "10.8.0.7" in body


def test_the_page_filters_by_what_was_done(world):
    _record(world, world.weibin)
    _record(world, world.weibin, what="registry_export", detail="q=螺栓", object_label="")
    client = world.client_for(world.admin)
    body = client.get(reverse("registry:access_log"), {"what": "registry_export"}).content.decode()
    assert "q=螺栓" in body and "BF-渭滨-0001" not in body
    assert client.get(reverse("registry:access_log"), {"what": "bogus"}).status_code == 404


def test_another_districts_admin_sees_none_of_this_districts_records(world):
    _record(world, world.weibin)
    body = world.client_for(world.jintai_admin).get(reverse("registry:access_log")).content.decode()
    assert "BF-渭滨-0001" not in body and "暂无记录" in body


@pytest.mark.parametrize("who", ["clerk", "inspector", "owner", "nobody"])
def test_only_those_who_audit_read_the_records(world, who):
    _record(world, world.weibin)
    assert world.client_for(getattr(world, who)).get(reverse("registry:access_log")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(world):
    assert world.client_for(None).get(reverse("registry:access_log")).status_code == 302


def test_the_audit_page_links_to_the_records(world):
    body = world.client_for(world.admin).get(reverse("registry:audit_log")).content.decode()
    assert reverse("registry:access_log") in body
