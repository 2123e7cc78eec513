from __future__ import annotations

import io
import socket
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from yingshang.conftest import PASSWORD
from yingshang.core import clock
from yingshang.core.workers import worker_id
from yingshang.registry.importer import size_text
from yingshang.registry.models import Enterprise, ImportBatch
from yingshang.registry.testing import csv_bytes, enterprise_row, uscc, write

pytestmark = pytest.mark.django_db

UPLOAD = reverse("registry:import_upload")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, name, data, **extra):
    form = {"file": SimpleUploadedFile(name, data), "as_of": "2026-06-30", "source": "市场监管局名录"}
    return client.post(UPLOAD, form, **extra)


def test_the_admin_uploads_previews_and_confirms_an_import(world):
    client = world.client_for(world.admin)
    form_page = client.get(UPLOAD)
    assert form_page.status_code == 200 and "整份文件都不会导入" in form_page.content.decode()
    response = upload(client, "名录.csv", csv_bytes([enterprise_row(uscc(1), "宝鸡市预览企业有限公司")]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_batch", args=[batch.pk]
    )
    preview = client.get(response["Location"]).content.decode()
    assert "宝鸡市预览企业有限公司" in preview and "将新增" in preview and "确认导入" in preview
    assert not Enterprise.objects.filter(uscc=uscc(1)).exists()  # nothing before the confirmation
    applied = client.post(reverse("registry:import_apply", args=[batch.pk]), follow=True)
    body = applied.content.decode()
    assert "导入完成：新增 1 家" in body and "已导入" in body
    assert Enterprise.objects.get(uscc=uscc(1)).history.get().history_user == world.admin
    assert "名录.csv" in client.get(UPLOAD).content.decode()  # the history of batches


def test_an_htmx_upload_is_redirected_by_header(world):
    response = upload(
        world.client_for(world.admin),
        "名录.csv",
        csv_bytes([enterprise_row(uscc(1))]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("registry:import_batch", args=[ImportBatch.objects.get().pk])


def test_a_file_with_bad_rows_shows_every_problem_and_cannot_be_confirmed(world):
    client = world.client_for(world.admin)
    rows = [enterprise_row(uscc(1)), enterprise_row(uscc(2), employees="-4"), enterprise_row(uscc(3))]
    response = upload(client, "名录.csv", csv_bytes(rows), follow=True)
    body = response.content.decode()
    assert "有错误未导入" in body and "从业人数不能为负数：-4" in body
    assert "I 列 从业人数" in body  # the column as Excel shows it, and its header
    assert "其余 2 行本身无误，但也<strong>没有导入</strong>" in body
    batch = ImportBatch.objects.get()
    refused = client.post(reverse("registry:import_apply", args=[batch.pk]), follow=True)
    assert "不能导入" in refused.content.decode()
    assert not Enterprise.objects.filter(uscc__in=[uscc(1), uscc(3)]).exists()


def test_a_csv_renamed_xlsx_is_refused_on_the_form(world):
    response = upload(world.client_for(world.admin), "名录.xlsx", csv_bytes([enterprise_row(uscc(1))]))
    assert response.status_code == 400
    assert "扩展名为 .xlsx，但内容不是 Excel 工作簿" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_empty_file_is_refused_on_the_form(world):
    response = upload(world.client_for(world.admin), "名录.csv", b"")
    assert response.status_code == 400 and "0 字节" in response.content.decode()


@pytest.mark.parametrize(("below", "status"), [(100 * 1024, 413), (1024, 400)])
def test_a_file_over_the_limit_is_refused_with_the_limit(world, settings, below, status):
    """Far over: refused by the announced length (core.uploads); just over: by the form, after the upload."""
    data = csv_bytes([enterprise_row(uscc(n)) for n in range(1, 2000)])  # about 300 KB
    settings.IMPORT_MAX_BYTES = len(data) - below
    response = upload(world.client_for(world.admin), "名录.csv", data)
    assert response.status_code == status
    body = response.content.decode()
    limit = size_text(len(data) - below)
    if status == 413:
        assert f"文件过大：上限 {limit}" in body
    else:
        assert f"文件大小 {size_text(len(data))}，超过导入上限 {limit}" in body
    assert not ImportBatch.objects.exists()


def test_a_request_announcing_50_mb_is_refused_before_its_body_is_read(world):
    client = world.client_for(world.admin)
    response = upload(client, "名录.csv", b"x", CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert "文件过大：上限 20 MB" in response.content.decode()


def test_a_data_date_in_the_future_is_refused(world):
    form = {"file": SimpleUploadedFile("名录.csv", b"x"), "as_of": "2027-01-01", "source": "x"}
    response = world.client_for(world.admin).post(UPLOAD, form)
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()


def test_the_template_downloads_as_a_workbook(world):
    response = world.client_for(world.admin).get(reverse("registry:import_template"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["企业名录", "资质", "填写说明"]


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_admin_may_import(world, who):
    client = world.client_for(getattr(world, who))
    batch = ImportBatch.objects.create(file_name="x.csv", as_of="2026-06-30", source="x")
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, "名录.csv", csv_bytes([enterprise_row(uscc(1))])).status_code == 403
    assert client.get(reverse("registry:import_batch", args=[batch.pk])).status_code == 403
    assert client.post(reverse("registry:import_apply", args=[batch.pk])).status_code == 403
    assert client.post(reverse("registry:import_retry", args=[batch.pk])).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403
    assert ImportBatch.objects.count() == 1 and not Enterprise.objects.filter(uscc=uscc(1)).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(world):
    client = world.client_for(None)
    for response in (client.get(UPLOAD), upload(client, "名录.csv", b"x")):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not ImportBatch.objects.exists()


def test_confirming_needs_a_post(world):
    batch = ImportBatch.objects.create(file_name="x.csv", as_of="2026-06-30", source="x")
    assert (
        world.client_for(world.admin).get(reverse("registry:import_apply", args=[batch.pk])).status_code
        == 405
    )


# ---- export -----------------------------------------------------------------------------------------


def exported(client, **params):
    response = client.get(reverse("registry:enterprise_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [row[0] for row in book["企业名录"].iter_rows(min_row=2, values_only=True)]


def test_the_admin_exports_every_district(world):
    assert exported(world.client_for(world.admin)) == sorted([world.acme.uscc, world.bolt.uscc])


def test_a_district_clerk_exports_only_their_district(world):
    assert exported(world.client_for(world.clerk)) == [world.acme.uscc]
    assert exported(world.client_for(world.other_clerk)) == [world.bolt.uscc]
    assert exported(world.client_for(world.clerk), district=world.jintai.code) == []


def test_the_export_honours_the_list_filters(world):
    assert exported(world.client_for(world.admin), q=world.bolt.uscc[:12]) == [world.bolt.uscc]
    assert exported(world.client_for(world.admin), qualification="hnte") == [world.acme.uscc]


@pytest.mark.parametrize("who", ["inspector", "owner", "other_owner", "nobody"])
def test_roles_without_the_export_capability_cannot_export(world, who):
    response = world.client_for(getattr(world, who)).get(reverse("registry:enterprise_export"))
    assert response.status_code == 403


def test_an_anonymous_visitor_cannot_export(world):
    response = world.client_for(None).get(reverse("registry:enterprise_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---- in a real browser (htmx upload with multipart, redirect by header) --------------------------------


def log_in(browser_page: Page, username: str) -> None:
    browser_page.goto("/login/")
    browser_page.get_by_label("用户名").fill(username)
    browser_page.get_by_label("密码").fill(PASSWORD)
    browser_page.get_by_role("button", name="登录").click()
    expect(browser_page.get_by_role("button", name="退出")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_browser_the_admin_uploads_sees_problems_fixes_and_confirms(world, tmp_path, page):
    renamed = write(tmp_path, "名录.xlsx", csv_bytes([enterprise_row(uscc(1))]))
    bad = write(tmp_path, "坏名录.csv", csv_bytes([enterprise_row(uscc(1), employees="-2")]))
    good = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1), "宝鸡市浏览器企业有限公司")]))
    log_in(page, world.admin.username)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="名录导入").click()

    page.get_by_label("名录文件").set_input_files(str(renamed))
    page.get_by_label("数据截至日期").fill("2026-06-30")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("alert")).to_contain_text("内容不是 Excel 工作簿")

    page.get_by_label("名录文件").set_input_files(str(bad))
    page.get_by_label("数据截至日期").fill("2026-06-30")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("main")).to_contain_text("从业人数不能为负数：-2")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)

    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("名录文件").set_input_files(str(good))
    page.get_by_label("数据截至日期").fill("2026-06-30")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("main")).to_contain_text("宝鸡市浏览器企业有限公司")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messages")).to_contain_text("导入完成：新增 1 家")


# ---- a district's batch is its own (and the city's) -----------------------------------------------


def weibin_batch(world) -> ImportBatch:
    response = upload(
        world.client_for(world.weibin_admin),
        "渭滨区名录.csv",
        csv_bytes([enterprise_row(uscc(1), "宝鸡市渭滨区预览企业")]),
    )
    assert response.status_code == 302
    return ImportBatch.objects.get()


def test_another_district_cannot_see_a_districts_import_batch(world):
    """Leak: the preview (names and codes of the rows) of another district's batch, and its history."""
    batch = weibin_batch(world)
    other = world.client_for(world.jintai_admin)
    assert other.get(reverse("registry:import_batch", args=[batch.pk])).status_code == 404
    assert "渭滨区名录.csv" not in other.get(UPLOAD).content.decode()
    assert "渭滨区名录.csv" not in other.get(reverse("home")).content.decode()
    own = world.client_for(world.weibin_admin)
    assert (
        "宝鸡市渭滨区预览企业" in own.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    )
    assert "渭滨区名录.csv" in world.client_for(world.admin).get(UPLOAD).content.decode()


def test_another_district_cannot_apply_a_districts_import_batch(world):
    """Leak: either district admin could apply the other's batch."""
    batch = weibin_batch(world)
    response = world.client_for(world.jintai_admin).post(reverse("registry:import_apply", args=[batch.pk]))
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.state == "previewed" and not Enterprise.objects.filter(uscc=uscc(1)).exists()
    world.client_for(world.weibin_admin).post(reverse("registry:import_apply", args=[batch.pk]))
    assert Enterprise.objects.get(uscc=uscc(1)).district == world.weibin


def test_a_district_upload_naming_another_districts_enterprise_is_refused_row_by_row(world):
    rows = [enterprise_row(world.bolt.uscc, "改名后的企业", district="渭滨区")]
    response = upload(world.client_for(world.weibin_admin), "名录.csv", csv_bytes(rows), follow=True)
    body = response.content.decode()
    assert "有错误未导入" in body and "登记在其他区县，不在您的辖区（渭滨区）内" in body
    world.bolt.refresh_from_db()
    assert world.bolt.name == "宝鸡市金台区螺栓制造有限公司"


# ---- an import whose process died ------------------------------------------------------------------

DEAD = f"{socket.gethostname()}:{2**22 + 7}"  # no such process (pid_max is 2**22)


def killed_batch(world):
    """A batch confirmed, then left 导入中 by a process that was killed (kill -9) while writing."""
    client = world.client_for(world.admin)
    upload(client, "名录.csv", csv_bytes([enterprise_row(uscc(1), "宝鸡市重试企业有限公司")]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(state="applying", worker=DEAD, heartbeat_at=clock.now())
    return client, batch


def test_a_batch_being_imported_says_so_with_its_process(world):
    client, batch = killed_batch(world)
    ImportBatch.objects.filter(pk=batch.pk).update(worker=worker_id())  # alive: this process
    body = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "导入中" in body and "正在导入" in body and worker_id() in body
    assert "确认导入</button>" not in body and "重新导入</button>" not in body


def test_opening_the_import_page_marks_a_killed_import_failed_and_it_is_imported_again(world):
    client, batch = killed_batch(world)
    assert "导入失败" in client.get(UPLOAD).content.decode()
    batch.refresh_from_db()
    assert batch.state == "failed"
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert f"导入中断：处理进程（{DEAD}）已不在运行" in page and "没有写入任何数据" in page
    assert "重新导入</button>" in page
    retried = client.post(reverse("registry:import_retry", args=[batch.pk]))
    again = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert retried.status_code == 302 and retried["Location"] == reverse(
        "registry:import_batch", args=[again.pk]
    )
    preview = client.get(retried["Location"]).content.decode()
    assert again.state == "previewed" and "宝鸡市重试企业有限公司" in preview and "确认导入" in preview
    client.post(reverse("registry:import_apply", args=[again.pk]))
    assert Enterprise.objects.filter(uscc=uscc(1)).exists()
    old_page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert f"导入批次 #{again.pk}" in old_page and "重新导入</button>" not in old_page


def test_opening_a_killed_batch_itself_marks_it_failed(world):
    client, batch = killed_batch(world)
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "导入失败" in page and "已不在运行" in page


def test_a_failed_batch_whose_file_is_gone_asks_for_a_new_upload(world):
    client, batch = killed_batch(world)
    Path(batch.stored_path).unlink()
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "上传的文件已不在服务器上" in page and "重新导入</button>" not in page
    refused = client.post(reverse("registry:import_retry", args=[batch.pk]), follow=True)
    assert "上传的文件已不存在，请重新上传" in refused.content.decode()
    assert ImportBatch.objects.count() == 1


def test_another_districts_admin_cannot_import_a_failed_batch_again(world):
    _, batch = killed_batch(world)
    ImportBatch.objects.filter(pk=batch.pk).update(state="failed", district=world.weibin)
    response = world.client_for(world.jintai_admin).post(reverse("registry:import_retry", args=[batch.pk]))
    assert response.status_code == 404 and ImportBatch.objects.count() == 1


# ---- wording ---------------------------------------------------------------------------------------


def test_a_file_whose_only_row_is_bad_does_not_speak_of_the_other_0_rows(world):
    client = world.client_for(world.admin)
    response = upload(client, "名录.csv", csv_bytes([enterprise_row(uscc(1), employees="-4")]), follow=True)
    body = response.content.decode()
    assert "文件中唯一的一行存在问题（共 1 个问题），整份文件未导入" in body
    assert "其余" not in body and "0 行" not in body


def test_a_file_whose_rows_are_all_bad_says_so(world):
    rows = [enterprise_row(uscc(1), employees="-4"), enterprise_row(uscc(2), employees="-5")]
    body = upload(world.client_for(world.admin), "名录.csv", csv_bytes(rows), follow=True).content.decode()
    assert "文件中的 2 行全部存在问题" in body and "其余" not in body
