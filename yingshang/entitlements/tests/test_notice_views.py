"""公示 pages for staff: publishing approved entitlements (bulk, from the list), the list of 公示 with
their entitlements and objections, and the office's handling of an objection (uphold → the
entitlement is rejected; dismiss → it goes on). Contact phones and names are masked for all but the office."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.entitlements import services as service
from yingshang.entitlements.models import Entitlement, Objection, PublicNotice
from yingshang.entitlements.testing import make_entitlement, running_notice
from yingshang.entitlements.workflow import State
from yingshang.workdays.services import get_calendar

pytestmark = pytest.mark.django_db

BULK = reverse("entitlements:entitlement_bulk")
NOTICES = reverse("entitlements:notice_list")


def publicized_with_objection(world, *, against_entitlement: bool = True) -> tuple[Entitlement, Objection]:
    notice = running_notice(world.acme)
    e = make_entitlement(world.acme, state=State.PUBLICIZED, notice=notice)
    objection = service.raise_objection(
        notice,
        text="该企业高企证书已被撤销",
        contact_name="李四",
        contact_phone="13912345678",
        entitlement=e if against_entitlement else None,
    )
    return e, objection


def objection_url(o: Objection) -> str:
    return reverse("entitlements:objection_detail", args=[o.pk])


# -- publishing ------------------------------------------------------------------------------------


def test_the_office_publishes_approved_entitlements_for_the_working_days_asked(world):
    first = make_entitlement(world.acme, state=State.APPROVED)
    data = {"action": "publish", "ids": [first.pk], "title": "2026年第一批高企奖励公示", "workdays": "3"}
    response = world.client_for(world.admin).post(BULK, data)
    notice = PublicNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("entitlements:notice_detail", args=[notice.pk])
    assert notice.title == "2026年第一批高企奖励公示" and notice.workdays == 3
    assert notice.ends_on == get_calendar().add_workdays(notice.starts_on, 3)
    published = Entitlement.objects.get(pk=first.pk)
    assert published.state == State.PUBLICIZED and published.notice == notice


def test_without_working_days_the_setting_decides_how_long_a_notice_lasts(world, settings):
    settings.ENTITLEMENT_PUBLICITY_WORKDAYS = 7
    e = make_entitlement(world.acme, state=State.APPROVED)
    client = world.client_for(world.admin)
    assert 'value="7"' in client.get(reverse("entitlements:entitlement_list")).content.decode()
    client.post(BULK, {"action": "publish", "ids": [e.pk], "title": "公示", "workdays": ""})
    assert PublicNotice.objects.get().workdays == 7


def test_a_notice_without_a_title_is_refused_and_nothing_changes(world):
    e = make_entitlement(world.acme, state=State.APPROVED)
    body = world.client_for(world.admin).post(
        BULK, {"action": "publish", "ids": [e.pk], "title": ""}, follow=True
    )
    assert "请填写公示标题" in body.content.decode()
    assert not PublicNotice.objects.exists() and Entitlement.objects.get(pk=e.pk).state == State.APPROVED


def test_publishing_an_entitlement_not_yet_approved_is_refused_with_its_name(world):
    approved = make_entitlement(world.acme, state=State.APPROVED)
    pushed = make_entitlement(world.bolt, state=State.PUSHED)
    data = {"action": "publish", "ids": [approved.pk, pushed.pk], "title": "公示", "workdays": "5"}
    body = world.client_for(world.admin).post(BULK, data, follow=True).content.decode()
    assert world.bolt.name in body and "不能公示" in body
    assert not PublicNotice.objects.exists()
    assert Entitlement.objects.get(pk=approved.pk).state == State.APPROVED


def test_the_office_publishes_one_entitlement_from_its_page(world):
    e = make_entitlement(world.acme, state=State.APPROVED)
    client = world.client_for(world.admin)
    assert "发布公示" in client.get(reverse("entitlements:entitlement_detail", args=[e.pk])).content.decode()
    client.post(
        reverse("entitlements:entitlement_publish", args=[e.pk]), {"title": "单项公示", "workdays": "5"}
    )
    assert Entitlement.objects.get(pk=e.pk).state == State.PUBLICIZED


def test_a_clerk_may_not_publish(world):
    e = make_entitlement(world.acme, state=State.APPROVED)
    client = world.client_for(world.clerk)
    assert (
        client.post(reverse("entitlements:entitlement_publish", args=[e.pk]), {"title": "x"}).status_code
        == 403
    )
    assert client.post(BULK, {"action": "publish", "ids": [e.pk], "title": "x"}).status_code == 403
    assert not PublicNotice.objects.exists()


# -- the list and one notice -----------------------------------------------------------------------


def test_the_notice_list_shows_each_notice_with_its_entitlements_and_open_objections(world):
    e, _ = publicized_with_objection(world)
    body = world.client_for(world.admin).get(NOTICES).content.decode()
    assert e.notice.title in body and "公示中" in body
    detail = world.client_for(world.admin).get(reverse("entitlements:notice_detail", args=[e.notice.pk]))
    text = detail.content.decode()
    assert world.acme.name in text and "该企业高企证书已被撤销" in text and "待处理" in text


def test_another_districts_clerk_does_not_see_the_notice(world):
    e, objection = publicized_with_objection(world)
    client = world.client_for(world.other_clerk)
    assert e.notice.title not in client.get(NOTICES).content.decode()
    assert client.get(reverse("entitlements:notice_detail", args=[e.notice.pk])).status_code == 404
    assert client.get(objection_url(objection)).status_code == 404


@pytest.mark.parametrize("who", ["owner", "other_owner", "nobody"])
def test_enterprise_users_and_users_without_a_role_get_a_403(world, who):
    _, objection = publicized_with_objection(world)
    client = world.client_for(getattr(world, who))
    assert client.get(NOTICES).status_code == 403
    assert client.get(objection_url(objection)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    _, objection = publicized_with_objection(world)
    for url in (NOTICES, objection_url(objection)):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_contact_phone_and_name_are_masked_for_a_clerk_and_shown_to_the_office(world):
    e, objection = publicized_with_objection(world)
    notice_url = reverse("entitlements:notice_detail", args=[e.notice.pk])
    for url in (notice_url, objection_url(objection)):
        clerks = world.client_for(world.clerk).get(url).content.decode()
        assert "13912345678" not in clerks and "139****5678" in clerks
        assert "李四" not in clerks and "李*" in clerks
        office = world.client_for(world.admin).get(url).content.decode()
        assert "13912345678" in office and "李四" in office


# -- handling an objection -------------------------------------------------------------------------


def test_an_upheld_objection_rejects_the_entitlement_with_the_resolution(world):
    e, objection = publicized_with_objection(world)
    data = {"decision": "uphold", "resolution": "经核实证书已撤销"}
    body = world.client_for(world.admin).post(objection_url(objection), data, follow=True).content.decode()
    assert "已认定异议成立" in body
    rejected = Entitlement.objects.get(pk=e.pk)
    assert rejected.state == State.REJECTED and "经核实证书已撤销" in rejected.rejection_reason
    handled = Objection.objects.get(pk=objection.pk)
    assert handled.state == "upheld" and handled.handled_by == world.admin


def test_a_dismissed_objection_clears_the_review_flag(world):
    e, objection = publicized_with_objection(world)
    assert Entitlement.objects.get(pk=e.pk).needs_review
    data = {"decision": "dismiss", "resolution": "证书在有效期内，异议不成立"}
    world.client_for(world.admin).post(objection_url(objection), data)
    kept = Entitlement.objects.get(pk=e.pk)
    assert kept.state == State.PUBLICIZED and not kept.needs_review
    assert Objection.objects.get(pk=objection.pk).state == "dismissed"


def test_a_resolution_must_be_written(world):
    e, objection = publicized_with_objection(world)
    response = world.client_for(world.admin).post(
        objection_url(objection), {"decision": "uphold", "resolution": ""}
    )
    assert response.status_code == 400 and "请填写处理意见" in response.content.decode()
    assert Objection.objects.get(pk=objection.pk).state == "open"
    assert Entitlement.objects.get(pk=e.pk).state == State.PUBLICIZED


def test_an_objection_against_the_whole_list_must_name_the_enterprise_to_be_upheld(world):
    e, objection = publicized_with_objection(world, against_entitlement=False)
    client = world.client_for(world.admin)
    page = client.get(objection_url(objection)).content.decode()
    assert "涉及的企业" in page and world.acme.name in page
    unnamed = client.post(objection_url(objection), {"decision": "uphold", "resolution": "属实"}, follow=True)
    assert "须指明" in unnamed.content.decode()
    assert Objection.objects.get(pk=objection.pk).state == "open"
    client.post(objection_url(objection), {"decision": "uphold", "resolution": "属实", "entitlement": e.pk})
    assert Entitlement.objects.get(pk=e.pk).state == State.REJECTED


def test_a_clerk_reads_the_objection_but_cannot_decide_it(world):
    e, objection = publicized_with_objection(world)
    client = world.client_for(world.clerk)
    page = client.get(objection_url(objection)).content.decode()
    assert "该企业高企证书已被撤销" in page and "提交处理结论" not in page and "公示异议由营商办处理" in page
    response = client.post(objection_url(objection), {"decision": "uphold", "resolution": "x"})
    assert response.status_code == 403
    assert Objection.objects.get(pk=objection.pk).state == "open"
    assert Entitlement.objects.get(pk=e.pk).state == State.PUBLICIZED


def test_a_handled_objection_shows_its_resolution_and_no_form(world):
    _, objection = publicized_with_objection(world)
    client = world.client_for(world.admin)
    client.post(objection_url(objection), {"decision": "dismiss", "resolution": "不成立"})
    page = client.get(objection_url(objection)).content.decode()
    assert "异议不成立" in page and "提交处理结论" not in page and "admin" in page


def test_a_single_publication_without_a_title_returns_to_the_entitlement_with_the_message(world):
    e = make_entitlement(world.acme, state=State.APPROVED)
    url = reverse("entitlements:entitlement_publish", args=[e.pk])
    response = world.client_for(world.admin).post(url, {"title": "", "workdays": "5"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("entitlements:entitlement_detail", args=[e.pk])
    assert "公示标题：请填写公示标题" in response.content.decode()
    assert not PublicNotice.objects.exists()
