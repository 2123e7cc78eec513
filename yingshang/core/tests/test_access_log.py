"""Views and downloads of personal data are recorded (core.access_log): who, when, what, which object or
filters, from where; and a refused try records nothing."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from yingshang.core import clock
from yingshang.core.access_log import describe_query, record_access
from yingshang.core.models import AccessRecord
from yingshang.entitlements.models import Objection
from yingshang.entitlements.services import export_payment_batch
from yingshang.entitlements.testing import payable
from yingshang.policies import services as policy_services
from yingshang.policies.models import RewardItem
from yingshang.policies.testing import HNTE_ITEM, finished_match

pytestmark = pytest.mark.django_db


def _only_record() -> AccessRecord:
    records = list(AccessRecord.objects.all())
    assert len(records) == 1, records
    return records[0]


def test_a_payment_file_download_is_recorded_with_who_when_what_and_where(world):
    entitlement = payable(world.acme)
    batch, _ = export_payment_batch([entitlement.pk], by=world.weibin_admin)
    AccessRecord.objects.all().delete()
    response = world.client_for(world.weibin_admin).get(
        reverse("entitlements:batch_download", args=[batch.pk]), REMOTE_ADDR="10.8.0.7"
    )
    assert response.status_code == 200
    record = _only_record()
    assert (record.user, record.what, record.object_pk) == (world.weibin_admin, "payment_file", str(batch.pk))
    assert record.user_label == "weibin_admin（weibin_admin）"
    assert str(record.address) == "10.8.0.7"
    assert record.district_pk == world.weibin.pk
    assert clock.local(record.at).date() == clock.today()


def test_making_a_payment_batch_from_the_ledger_is_recorded_as_a_download(world):
    entitlement = payable(world.acme)
    response = world.client_for(world.weibin_admin).post(
        reverse("entitlements:entitlement_bulk"), {"action": "export", "ids": [entitlement.pk]}
    )
    assert response.status_code == 200
    assert _only_record().what == "payment_file"


def test_another_districts_admin_trying_the_payment_file_records_nothing(world):
    entitlement = payable(world.acme)
    batch, _ = export_payment_batch([entitlement.pk], by=world.weibin_admin)
    for who in (world.jintai_admin, world.clerk, world.owner):
        response = world.client_for(who).get(reverse("entitlements:batch_download", args=[batch.pk]))
        assert response.status_code in (403, 404)
    assert not AccessRecord.objects.exists()


def test_a_registry_export_is_recorded_with_its_filters(world):
    response = world.client_for(world.clerk).get(
        reverse("registry:enterprise_export"), {"q": "示例", "page": "2"}
    )
    assert response.status_code == 200
    record = _only_record()
    assert (record.what, record.detail, record.district_pk) == ("registry_export", "q=示例", world.weibin.pk)


def test_a_refused_registry_export_records_nothing(world):
    for who in (world.owner, world.nobody, world.inspector):
        assert world.client_for(who).get(reverse("registry:enterprise_export")).status_code == 403
    assert not AccessRecord.objects.exists()


def test_a_results_export_is_recorded(world):
    policy_services.sync_shipped_packs()
    run = finished_match(world.admin)
    item = RewardItem.objects.get(key=HNTE_ITEM, policy__pack__in=run.packs.all())
    url = reverse("policies:run_item_download", args=[run.pk, item.pk])
    assert world.client_for(world.owner).get(url).status_code == 403
    assert not AccessRecord.objects.exists()
    assert world.client_for(world.weibin_admin).get(url).status_code == 200
    record = _only_record()
    assert (record.what, record.object_pk, record.detail) == ("results_export", str(run.pk), str(item))


def test_contacts_seen_unmasked_by_the_office_are_recorded_but_masked_views_are_not(world):
    entitlement = payable(world.acme)
    url = reverse("entitlements:entitlement_detail", args=[entitlement.pk])
    assert world.client_for(world.clerk).get(url).status_code == 200  # masked for a clerk
    assert not AccessRecord.objects.exists()
    assert world.client_for(world.jintai_admin).get(url).status_code == 404
    assert not AccessRecord.objects.exists()
    assert world.client_for(world.weibin_admin).get(url).status_code == 200
    record = _only_record()
    assert (record.what, record.object_pk) == ("contacts", str(entitlement.pk))


def test_an_objectors_contacts_seen_by_the_office_are_recorded(world):
    entitlement = payable(world.acme)
    objection = Objection.objects.create(
        notice=entitlement.notice,
        entitlement=entitlement,
        text="不符合",
        contact_name="王五",
        contact_phone="13700001234",
    )
    assert (
        world.client_for(world.jintai_admin)
        .get(reverse("entitlements:objection_detail", args=[objection.pk]))
        .status_code
        == 404
    )
    assert not AccessRecord.objects.exists()
    body = (
        world.client_for(world.weibin_admin)
        .get(reverse("entitlements:objection_detail", args=[objection.pk]))
        .content.decode()
    )
    assert "13700001234" in body
    world.client_for(world.weibin_admin).get(
        reverse("entitlements:notice_detail", args=[entitlement.notice_id])
    )
    kinds = list(AccessRecord.objects.order_by("pk").values_list("what", "object_type"))
    assert kinds == [("contacts", "公示异议"), ("contacts", "公示")]


def test_an_unknown_kind_is_a_programming_error():
    request = RequestFactory().get("/")
    with pytest.raises(ValueError, match="unknown access kind"):
        record_access(request, "nothing")


def test_filters_read_as_text_without_the_page_number():
    assert describe_query(RequestFactory().get("/", {"q": "螺栓", "district": "2", "page": "3"}).GET) in (
        "q=螺栓；district=2",
        "district=2；q=螺栓",
    )
    assert describe_query(RequestFactory().get("/").GET) == "（无筛选，全部）"
