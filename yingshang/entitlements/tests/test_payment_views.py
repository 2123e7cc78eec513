"""拨付批次 pages (office only): exporting the payment file for the finance bureau from the list,
the list of batches, downloading a batch again, and uploading the returned file — every row recorded,
or none with the rows and columns that are wrong."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, PaymentBatch
from yingshang.entitlements.testing import make_entitlement, payable, sheet_rows
from yingshang.entitlements.tests.entitlement_builders import neighbour
from yingshang.entitlements.views.common import XLSX
from yingshang.entitlements.workflow import State

pytestmark = pytest.mark.django_db

BULK = reverse("entitlements:entitlement_bulk")
BATCHES = reverse("entitlements:batch_list")
VOUCHER_COLUMN, DATE_COLUMN, AMOUNT_COLUMN = 10, 11, 6


def exported(world, *entitlements: Entitlement) -> tuple[PaymentBatch, bytes]:
    response = world.client_for(world.admin).post(
        BULK, {"action": "export", "ids": [e.pk for e in entitlements]}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return PaymentBatch.objects.get(), response.content


def returned(data: bytes, *, vouchers: list[str], amount: float | None = None) -> SimpleUploadedFile:
    """The exported sheet as the finance bureau sends it back: voucher numbers and dates filled in."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    for offset, voucher in enumerate(vouchers):
        row = 3 + offset
        sheet.cell(row=row, column=VOUCHER_COLUMN, value=voucher)
        sheet.cell(row=row, column=DATE_COLUMN, value=clock.today())
        if amount is not None:
            sheet.cell(row=row, column=AMOUNT_COLUMN, value=amount)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("回执.xlsx", buffer.getvalue(), content_type=XLSX)


def upload_url(batch: PaymentBatch) -> str:
    return reverse("entitlements:batch_upload", args=[batch.pk])


# -- export ----------------------------------------------------------------------------------------


def test_the_office_exports_a_payment_file_of_the_checked_entitlements(world):
    first, second = payable(world.acme), payable(neighbour(world))
    batch, data = exported(world, first, second)
    assert batch.count == 2 and batch.total_fen == 200_000_00
    rows = sheet_rows(data)
    assert batch.number in rows[0][0]
    names = [row[2] for row in rows[2:]]
    assert names == [world.acme.name, second.enterprise.name]
    assert Entitlement.objects.filter(payment_batch=batch).count() == 2


def test_exporting_an_entitlement_not_yet_payable_is_refused_and_no_batch_is_made(world):
    approved = make_entitlement(world.acme, state=State.APPROVED)
    body = world.client_for(world.admin).post(BULK, {"action": "export", "ids": [approved.pk]}, follow=True)
    text = body.content.decode()
    assert "不能导出拨付" in text and world.acme.name in text
    assert not PaymentBatch.objects.exists()


def test_the_batch_list_shows_each_batch_and_downloads_it_again(world):
    batch, data = exported(world, payable(world.acme))
    client = world.client_for(world.admin)
    body = client.get(BATCHES).content.decode()
    assert batch.number in body and "已导出，待财政回执" in body and "100,000.00 元" in body
    again = client.get(reverse("entitlements:batch_download", args=[batch.pk]))
    assert again["Content-Type"] == XLSX
    assert sheet_rows(again.content)[2:] == sheet_rows(data)[2:]
    assert PaymentBatch.objects.count() == 1


# -- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "nobody"])
def test_only_the_office_may_see_export_or_settle_payment_batches(world, who):
    e = payable(world.acme)
    client = world.client_for(getattr(world, who))
    assert client.post(BULK, {"action": "export", "ids": [e.pk]}).status_code == 403
    assert not PaymentBatch.objects.exists()
    batch, data = exported(world, e)
    assert client.get(BATCHES).status_code == 403
    assert client.get(reverse("entitlements:batch_detail", args=[batch.pk])).status_code == 403
    assert client.get(reverse("entitlements:batch_download", args=[batch.pk])).status_code == 403
    response = client.post(upload_url(batch), {"file": returned(data, vouchers=["PZ-1"])})
    assert response.status_code == 403
    assert Entitlement.objects.get(pk=e.pk).state == State.PUBLICIZED


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    response = Client().get(BATCHES)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_upload_is_post_only(world):
    batch, _ = exported(world, payable(world.acme))
    assert world.client_for(world.admin).get(upload_url(batch)).status_code == 405


# -- the returned file -----------------------------------------------------------------------------


def test_a_correct_returned_file_records_every_payment_and_settles_the_batch(world):
    first, second = payable(world.acme), payable(neighbour(world))
    batch, data = exported(world, first, second)
    response = world.client_for(world.admin).post(
        upload_url(batch), {"file": returned(data, vouchers=["PZ-1", "PZ-2"])}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "已登记兑付 2 笔，合计 200,000.00 元" in body and "本批次已全部兑付" in body
    paid = Entitlement.objects.get(pk=first.pk)
    assert paid.state == State.PAID and paid.voucher_no == "PZ-1" and paid.paid_fen == 100_000_00
    assert PaymentBatch.objects.get(pk=batch.pk).state == "settled"


def test_a_returned_file_with_a_mismatched_amount_changes_nothing_and_names_the_row_and_column(world):
    first, second = payable(world.acme), payable(neighbour(world))
    batch, data = exported(world, first, second)
    upload = returned(data, vouchers=["PZ-1", "PZ-2"], amount=99_999.0)
    response = world.client_for(world.admin).post(upload_url(batch), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有登记任何一笔兑付" in body
    assert "第3行 “金额（元）”列" in body and "第4行 “金额（元）”列" in body and "不一致" in body
    assert set(Entitlement.objects.values_list("state", flat=True)) == {State.PUBLICIZED}
    assert PaymentBatch.objects.get(pk=batch.pk).state == "exported"


def test_a_returned_file_with_a_missing_voucher_changes_nothing(world):
    first, second = payable(world.acme), payable(neighbour(world))
    batch, data = exported(world, first, second)
    upload = returned(data, vouchers=["PZ-1", ""])
    body = world.client_for(world.admin).post(upload_url(batch), {"file": upload}).content.decode()
    assert "第4行 “支付凭证号”列" in body
    assert not Entitlement.objects.filter(state=State.PAID).exists()


def test_a_file_that_is_not_xlsx_is_refused_with_its_name(world):
    batch, _ = exported(world, payable(world.acme))
    upload = SimpleUploadedFile("回执.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = world.client_for(world.admin).post(upload_url(batch), {"file": upload})
    assert response.status_code == 400 and "“回执.csv”不是 .xlsx 文件" in response.content.decode()


def test_a_damaged_xlsx_is_refused_in_chinese_without_a_traceback(world):
    batch, _ = exported(world, payable(world.acme))
    upload = SimpleUploadedFile("回执.xlsx", b"not really a workbook", content_type=XLSX)
    response = world.client_for(world.admin).post(upload_url(batch), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400 and "没有登记任何一笔兑付" in body and "Traceback" not in body
    assert Entitlement.objects.get().state == State.PUBLICIZED


def test_an_upload_without_a_file_says_so(world):
    batch, _ = exported(world, payable(world.acme))
    response = world.client_for(world.admin).post(upload_url(batch), {})
    assert response.status_code == 400 and "请选择要上传的文件" in response.content.decode()


def test_after_the_download_the_list_says_which_batch_was_made(world):
    e = payable(world.acme)
    client = world.client_for(world.admin)
    client.post(BULK, {"action": "export", "ids": [e.pk]})
    batch = PaymentBatch.objects.get()
    body = client.get(reverse("entitlements:entitlement_list")).content.decode()
    assert f"已生成拨付批次 {batch.number}（1 笔）" in body


# -- a batch is its district's (and the city's) ------------------------------------------------------


def weibin_batch(world) -> tuple[PaymentBatch, bytes]:
    """A 渭滨区 batch exported by 渭滨区's own 营商办."""
    first = payable(world.acme)
    response = world.client_for(world.weibin_admin).post(BULK, {"action": "export", "ids": [first.pk]})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return PaymentBatch.objects.get(), response.content


def test_a_district_exports_a_batch_of_its_own_district(world):
    batch, _ = weibin_batch(world)
    assert batch.district == world.weibin


def test_the_office_cannot_export_two_districts_in_one_batch(world):
    first, other = payable(world.acme), payable(world.bolt)
    response = world.client_for(world.admin).post(
        BULK, {"action": "export", "ids": [first.pk, other.pk]}, follow=True
    )
    assert "一个拨付批次只能包含一个区县的事项，请按区县分别导出" in response.content.decode()
    assert not PaymentBatch.objects.exists()


def test_another_district_does_not_see_a_districts_batches(world):
    """Leak: the 金台区 admin saw 渭滨区's batches and their rows."""
    batch, _ = weibin_batch(world)
    client = world.client_for(world.jintai_admin)
    assert batch.number not in client.get(BATCHES).content.decode()
    assert client.get(reverse("entitlements:batch_detail", args=[batch.pk])).status_code == 404
    assert batch.number in world.client_for(world.admin).get(BATCHES).content.decode()


def test_another_district_cannot_download_a_districts_payment_file(world):
    """Leak: the 金台区 admin downloaded 渭滨区's payment file with full account numbers."""
    batch, _ = weibin_batch(world)
    response = world.client_for(world.jintai_admin).get(
        reverse("entitlements:batch_download", args=[batch.pk])
    )
    assert response.status_code == 404
    assert b"6222021234567890123" not in response.content


def test_another_district_cannot_record_payments_of_a_districts_batch(world):
    """Leak: the 金台区 admin recorded a 100,000 元 payment on a 渭滨区 entitlement."""
    batch, data = weibin_batch(world)
    response = world.client_for(world.jintai_admin).post(
        upload_url(batch), {"file": returned(data, vouchers=["PZ-1"])}
    )
    assert response.status_code == 404
    assert not Entitlement.objects.filter(state=State.PAID).exists()
    assert PaymentBatch.objects.get(pk=batch.pk).state == "exported"
