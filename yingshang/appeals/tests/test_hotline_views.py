"""12345 hotline import pages (views/hotline.py): upload → map the columns → preview → confirm, all or
nothing, idempotent by the hotline's work-order number — and refused to everyone but the district's
营商办 (another district's office, department staff, enterprises, no role, anonymous)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from yingshang.appeals.models import Appeal, HotlineBatch
from yingshang.conftest import World
from yingshang.core import clock
from yingshang.core.spreadsheets import Sheet, write_csv, write_workbook

pytestmark = pytest.mark.django_db

UPLOAD = reverse("appeals:hotline_upload")
# A hotline system's own headers (not ours): the mapping step guesses them.
HEADERS = ["工单号", "来电时间", "诉求类型", "工单标题", "来电内容", "来电人", "来电号码", "所在区县", "备注"]


def export_row(number: str, **changes: Any) -> list[Any]:
    row = {
        "工单号": number,
        "来电时间": "2026-11-02 09:00:00",
        "诉求类型": "投诉",
        "工单标题": "窗口排队时间过长",
        "来电内容": f"来电反映（{number}）：政务服务中心办理营业执照变更排队三小时。",
        "来电人": "王先生",
        "来电号码": "13700001111",
        "所在区县": "渭滨区",
        "备注": "",
        **changes,
    }
    return [row[h] for h in HEADERS]


def csv_file(rows: list[list[Any]], name: str = "12345工单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, write_csv(HEADERS, rows), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], name: str = "12345工单.xlsx") -> SimpleUploadedFile:
    data = write_workbook([Sheet("工单", HEADERS, rows, caption="12345热线工单导出")])
    return SimpleUploadedFile(name, data)


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def office(world: World) -> Client:
    return world.client_for(world.weibin_admin)


def upload(client: Client, file: SimpleUploadedFile) -> HotlineBatch:
    response = client.post(UPLOAD, {"file": file})
    assert response.status_code == 302, text_of(response)
    return HotlineBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def guessed(batch: HotlineBatch, **changes: str) -> dict[str, str]:
    """The mapping form as the page offers it (the guess), with `changes`."""
    data = {f"col_{key}": str(index) for key, index in batch.mapping.items()}
    data.update({"default_district": str(batch.default_district_id or ""), "default_kind": "help"})
    data.update(changes)
    return data


def map_columns(client: Client, batch: HotlineBatch, **changes: str) -> Any:
    return client.post(reverse("appeals:hotline_map", args=[batch.pk]), guessed(batch, **changes))


def confirm(client: Client, batch: HotlineBatch) -> Any:
    return client.post(reverse("appeals:hotline_apply", args=[batch.pk]), follow=True)


# ==================================================================================================
# The whole way: upload, map, preview, confirm
# ==================================================================================================


def test_the_office_imports_an_export_through_mapping_preview_and_confirm(world: World) -> None:
    client = office(world)
    rows = [export_row("BJ20261102001"), export_row("BJ20261102002", 来电时间=dt.datetime(2026, 11, 2, 9, 0))]
    batch = upload(client, xlsx_file(rows))
    assert batch.state == "mapping" and batch.header_row == 2  # under the export's caption line
    page = text_of(client.get(reverse("appeals:hotline_batch", args=[batch.pk])))
    assert "第一步：对应列" in page
    assert batch.mapping == {
        "work_order": 0,
        "received": 1,
        "kind": 2,
        "title": 3,
        "text": 4,
        "name": 5,
        "phone": 6,
        "district": 7,
    }

    response = map_columns(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "previewed" and (batch.total_rows, batch.new_count, batch.skipped_count) == (
        2,
        2,
        0,
    )
    preview = text_of(client.get(reverse("appeals:hotline_batch", args=[batch.pk])))
    assert "将新增诉求" in preview and "BJ20261102001" in preview and "137****1111" in preview
    assert not Appeal.objects.exists()  # a preview writes nothing

    done = text_of(confirm(client, batch))
    assert "导入完成：新增诉求 2 件" in done
    appeal = Appeal.objects.get(hotline_number="BJ20261102001")
    assert appeal.channel == "hotline" and appeal.kind == "complaint" and appeal.state == "pending"
    assert appeal.district == world.weibin and appeal.requester_phone == "13700001111"
    assert appeal.created_by == world.weibin_admin
    # Received at the hotline's 受理时间, not now: the deadlines count from then.
    assert appeal.received_at == dt.datetime(2026, 11, 2, 9, 0, tzinfo=clock.SHANGHAI)
    assert appeal.sign_due_on == dt.date(2026, 11, 3)
    assert appeal.finish_due_on == dt.date(2026, 11, 16)
    batch.refresh_from_db()
    assert batch.state == "applied" and batch.created_count == 2
    assert not Path(batch.stored_path).exists()  # imported: the upload is not kept


def test_importing_the_same_export_again_skips_what_was_imported_and_says_how_many(world: World) -> None:
    client = office(world)
    first = upload(client, csv_file([export_row("BJ-1"), export_row("BJ-2")]))
    map_columns(client, first)
    confirm(client, first)
    again = upload(client, csv_file([export_row("BJ-1"), export_row("BJ-2"), export_row("BJ-3")]))
    map_columns(client, again)
    again.refresh_from_db()
    assert (again.new_count, again.skipped_count) == (1, 2)
    assert "此前已导入（将跳过）" in text_of(client.get(reverse("appeals:hotline_batch", args=[again.pk])))
    done = text_of(confirm(client, again))
    assert "新增诉求 1 件；2 条工单此前已导入，已跳过" in done
    assert Appeal.objects.filter(channel="hotline").count() == 3


def test_a_bad_row_blocks_the_whole_import_with_its_row_number(world: World) -> None:
    client = office(world)
    rows = [
        export_row("BJ-1"),
        export_row("BJ-2", 来电时间="2026-02-30 10:00"),
        export_row("BJ-1"),
        export_row("BJ-4", 来电号码="12345", 所在区县="火星区"),
    ]
    batch = upload(client, csv_file(rows))
    map_columns(client, batch)
    batch.refresh_from_db()
    assert batch.state == "rejected"
    page = text_of(client.get(reverse("appeals:hotline_batch", args=[batch.pk])))
    assert "文件中有 3 行存在问题（共 4 个问题），整份文件未导入" in page
    assert (
        "第 3 行" in page and "B 列 来电时间" in page and "受理时间“2026-02-30 10:00”不是存在的时间" in page
    )
    assert "工单编号“BJ-1”与第 2 行重复" in page
    assert "第 5 行" in page and "联系电话“12345”格式不正确" in page and "未知的区县“火星区”" in page
    response = confirm(client, batch)
    assert "不能导入" in text_of(response)
    assert not Appeal.objects.exists()  # nothing half-imported


def test_a_row_the_intake_refuses_at_confirm_leaves_nothing_imported(world: World) -> None:
    """A work order imported by another batch between the preview and the confirm is skipped; a row that
    fails the re-check at confirm refuses the whole file."""
    client = office(world)
    batch = upload(client, csv_file([export_row("BJ-1"), export_row("BJ-2")]))
    map_columns(client, batch)
    other = upload(client, csv_file([export_row("BJ-2", 来电内容="另一份导出")]))
    map_columns(client, other)
    confirm(client, other)
    assert "新增诉求 1 件；1 条工单此前已导入" in text_of(confirm(client, batch))
    assert Appeal.objects.get(hotline_number="BJ-2").text == "另一份导出"

    stale = upload(client, csv_file([export_row("BJ-7"), export_row("BJ-8", 来电时间="2026-11-19 09:00")]))
    map_columns(client, stale)
    with clock.travel(dt.datetime(2026, 11, 18, 10, 0, tzinfo=clock.SHANGHAI)):  # BJ-8 is now in the future
        page = text_of(confirm(client, stale))
    assert "整份文件没有导入" in page
    assert not Appeal.objects.filter(hotline_number__in=["BJ-7", "BJ-8"]).exists()
    stale.refresh_from_db()
    assert stale.state == "rejected" and stale.problems[0]["row"] == 3


def test_the_mapping_can_be_corrected_without_uploading_again(world: World) -> None:
    client = office(world)
    batch = upload(client, csv_file([export_row("BJ-1", 备注="咨询")]))
    response = map_columns(client, batch, col_kind="8")  # 备注 taken for 诉求类型 by mistake, then fixed
    batch.refresh_from_db()
    assert response.status_code == 302 and batch.state == "previewed"
    map_columns(client, batch, col_kind="")
    batch.refresh_from_db()
    assert batch.mapping.get("kind") is None and batch.state == "previewed"
    confirm(client, batch)
    assert Appeal.objects.get().kind == "help"  # the default kind, the column not imported


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"col_work_order": ""}, "请为“工单编号”选择文件中的一列（必填）"),
        ({"col_title": "4"}, "E 列同时选给了“标题”和“诉求内容”"),
        ({"col_district": "", "default_district": ""}, "或为整份文件选择一个区县"),
    ],
)
def test_a_mapping_that_cannot_work_is_refused_in_chinese(world: World, changes: dict, message: str) -> None:
    client = office(world)
    batch = upload(client, csv_file([export_row("BJ-1")]))
    response = map_columns(client, batch, **changes)
    assert response.status_code == 400 and message in text_of(response)
    batch.refresh_from_db()
    assert batch.state == "mapping"


def test_the_city_office_imports_rows_of_every_district(world: World) -> None:
    client = world.client_for(world.admin)
    batch = upload(client, csv_file([export_row("BJ-1"), export_row("BJ-2", 所在区县="金台区")]))
    map_columns(client, batch)
    confirm(client, batch)
    assert sorted(Appeal.objects.values_list("district__name", flat=True)) == ["渭滨区", "金台区"]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("工单.xls", b"\xd0\xcf\x11\xe0old"), "只支持 .xlsx 和 .csv 文件"),
        (SimpleUploadedFile("工单.csv", b""), "文件是空的"),
        (SimpleUploadedFile("工单.xlsx", "工单号,来电时间\n".encode()), "内容不是 Excel 工作簿"),
    ],
)
def test_an_unusable_file_is_refused_before_any_mapping(world: World, file: Any, message: str) -> None:
    response = office(world).post(UPLOAD, {"file": file})
    assert response.status_code == 400 and message in text_of(response)
    assert not HotlineBatch.objects.exists()


def test_an_upload_over_the_limit_is_refused_from_its_length(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    big = csv_file([export_row(f"BJ-{n}", 来电内容="长" * 2000) for n in range(60)])
    response = office(world).post(UPLOAD, {"file": big})
    assert response.status_code == 413 and "文件过大" in text_of(response)


# ==================================================================================================
# The forbidden side
# ==================================================================================================


def test_another_districts_office_cannot_reach_or_import_this_districts_batch(world: World) -> None:
    batch = upload(office(world), csv_file([export_row("BJ-1")]))
    map_columns(office(world), batch)
    other = world.client_for(world.jintai_admin)
    for name in ("hotline_batch", "hotline_map", "hotline_apply"):
        url = reverse(f"appeals:{name}", args=[batch.pk])
        assert other.get(url).status_code in (404, 405)
        assert other.post(url, guessed(batch)).status_code == 404
    assert "12345工单.csv" not in text_of(other.get(UPLOAD))
    assert not Appeal.objects.exists()


def test_another_districts_office_cannot_import_rows_into_this_district(world: World) -> None:
    client = world.client_for(world.jintai_admin)
    batch = upload(client, csv_file([export_row("BJ-1", 所在区县="渭滨区")]))
    response = map_columns(client, batch, default_district=str(world.weibin.pk))
    assert response.status_code == 400  # 渭滨区 is not among its choices
    map_columns(client, batch)
    batch.refresh_from_db()
    assert batch.state == "rejected" and "“渭滨区”不在您的辖区内" in batch.problems[0]["message"]
    confirm(client, batch)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("actor", ["clerk", "inspector", "owner", "nobody"])
def test_clerks_enterprises_and_users_without_a_role_are_refused(world: World, actor: str) -> None:
    batch = upload(office(world), csv_file([export_row("BJ-1")]))
    map_columns(office(world), batch)
    client = world.client_for(getattr(world, actor))
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": csv_file([export_row("BJ-9")])}).status_code == 403
    for name in ("hotline_batch", "hotline_map", "hotline_apply"):
        assert client.post(reverse(f"appeals:{name}", args=[batch.pk])).status_code == 403
    assert not Appeal.objects.exists() and HotlineBatch.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    batch = upload(office(world), csv_file([export_row("BJ-1")]))
    client = Client()
    for url in (UPLOAD, reverse("appeals:hotline_apply", args=[batch.pk])):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Appeal.objects.exists()


def test_the_appeal_list_links_the_import_for_the_office_only(world: World) -> None:
    assert UPLOAD in office(world).get(reverse("appeals:appeal_list")).content.decode()
    assert UPLOAD not in world.client_for(world.clerk).get(reverse("appeals:appeal_list")).content.decode()
