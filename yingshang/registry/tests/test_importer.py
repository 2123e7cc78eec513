from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as uscc_std

from yingshang.core import clock
from yingshang.core.workers import worker_id
from yingshang.registry import import_write, importer
from yingshang.registry.importer import CellProblem, ImportFailed, ImportRefused
from yingshang.registry.models import Enterprise, ImportBatch, Qualification, Street
from yingshang.registry.testing import (
    HEADERS,
    csv_bytes,
    enterprise_row,
    make_enterprise,
    make_uscc,
    uscc,
    write,
    xlsx_bytes,
)

AS_OF = dt.date(2026, 6, 30)


# ---- cells (pure) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "fen"),
    [
        ("5.5", "wan", 5_500_000),
        ("0.000001", "wan", 1),
        ("1,234.5", "wan", 1_234_500_000),
        (5.5, "wan", 5_500_000),
        (0.1, "wan", 100_000),
        (1000, "wan", 1_000_000_000),
        ("12.34", "yuan", 1234),
        ("0", "wan", 0),
        ("", "wan", None),
        (None, "wan", None),
        ("  ", "yuan", None),
    ],
)
def test_money_becomes_exact_integer_fen(value, unit, fen):
    assert importer.parse_money_fen(value, "注册资本", unit) == fen


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("1.0000001", "wan", "最多 6 位小数"),
        ("1.001", "yuan", "最多 2 位小数"),
        ("-3", "wan", "不能为负数"),
        ("5万", "wan", "不是数字"),
        ("NaN", "wan", "不是数字"),
        ("1" * 45, "wan", "过长"),
        ("1E+20", "wan", "数值过大"),
        (True, "wan", "应为数字"),
    ],
)
def test_bad_money_is_refused_never_rounded(value, unit, message):
    with pytest.raises(CellProblem, match=message):
        importer.parse_money_fen(value, "注册资本", unit)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120), (120, 120), (120.0, 120), ("1,200", 1200), ("0", 0), ("", None)],
)
def test_employee_counts_are_whole_numbers(value, expected):
    assert importer.parse_count(value, "从业人数") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "不能为负数"),
        (-3, "不能为负数"),
        ("12.5", "应为整数"),
        (12.5, "应为整数"),
        ("20000000", "1000 万"),
    ],
)
def test_bad_employee_counts_are_refused(value, message):
    with pytest.raises(CellProblem, match=message):
        importer.parse_count(value, "从业人数")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-05-01", dt.date(2018, 5, 1)),
        ("2018/5/1", dt.date(2018, 5, 1)),
        ("2018.05.01", dt.date(2018, 5, 1)),
        ("2018年5月1日", dt.date(2018, 5, 1)),
        ("20180501", dt.date(2018, 5, 1)),
        (20180501, dt.date(2018, 5, 1)),
        ("2018-05-01 00:00:00", dt.date(2018, 5, 1)),
        (dt.datetime(2018, 5, 1, 0, 0), dt.date(2018, 5, 1)),
        (dt.date(2018, 5, 1), dt.date(2018, 5, 1)),
    ],
)
def test_dates_are_read_in_the_usual_chinese_spellings(value, expected):
    assert importer.parse_date(value, "成立日期") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [("2023-02-30", "不是存在的日期"), ("5/1/2018", "格式不对"), (43221, "是数字不是日期"), ("", "不能为空")],
)
def test_bad_dates_are_refused(value, message):
    with pytest.raises(CellProblem, match=message):
        importer.parse_date(value, "成立日期")


def test_a_date_after_today_is_refused():
    today = dt.date(2026, 7, 1)
    with pytest.raises(CellProblem, match="晚于今天"):
        importer.check_not_future(dt.date(2026, 7, 2), "成立日期", today)
    assert importer.check_not_future(today, "成立日期", today) == today


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (uscc(1)[:17], "应为 18 位"),
        (uscc(1) + "1", "应为 18 位"),
        (uscc(1)[:17] + ("0" if uscc(1)[17] != "0" else "1"), "校验位错误"),
        ("A" + uscc(1)[1:], "前 8 位"),
        (uscc(1)[:10] + "I" + uscc(1)[11:], "“I”"),
        (916103021234567890, "存成了数字"),
        ("", "不能为空"),
    ],
)
def test_a_bad_uscc_is_refused_saying_what_is_wrong(value, message):
    with pytest.raises(CellProblem, match=message):
        importer.parse_uscc(value)


def test_the_check_digit_message_names_the_expected_digit():
    good = uscc(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(CellProblem, match=f"应为 {good[17]}"):
        importer.parse_uscc(wrong)


def test_a_uscc_is_tidied_before_it_is_checked():
    assert importer.parse_uscc(f" {uscc(3).lower()} ") == uscc(3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3911", "3911"),
        ("391", "391"),
        ("39", "39"),
        (3911, "3911"),
        ("0111", "0111"),
        (1, "01"),
        (3911.0, "3911"),
    ],
)
def test_industry_codes_of_the_shipped_table_are_accepted(value, expected):
    assert importer.parse_industry(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999", "不在 GB/T 4754-2017"),
        ("C", "不能只填门类"),
        (111, "可能是“111”也可能是“0111”"),
        (9999, "设为“文本”格式"),
    ],
)
def test_unknown_industry_codes_are_refused(value, message):
    with pytest.raises(CellProblem, match=message):
        importer.parse_industry(value)


@pytest.mark.parametrize(
    ("header", "normal"), [("注册资本(万元) ", "注册资本（万元）"), ("*名称", "名称"), ("USCC", "uscc")]
)
def test_headers_are_matched_loosely(header, normal):
    assert importer.normalise_header(header) == importer.normalise_header(normal)


# ---- whole files ---------------------------------------------------------------------------------


def preview(tmp_path, world, name, data, **kwargs):
    path = write(tmp_path, name, data)
    return importer.preview_batch(
        path, file_name=name, as_of=AS_OF, source="市场监管局名录", user=world.admin, **kwargs
    )


def problems_of(batch):
    return [(p["row"], p["column"], p["message"]) for p in batch.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_utf8_with_or_without_bom_or_gb18030_is_read(tmp_path, world, encoding):
    rows = [enterprise_row(uscc(1), "宝鸡市甲乙丙有限公司"), enterprise_row(uscc(2))]
    batch, plan = preview(tmp_path, world, "名录.csv", csv_bytes(rows, encoding=encoding))
    assert batch.state == "previewed", problems_of(batch)
    assert plan.enterprises[0].values["name"] == "宝鸡市甲乙丙有限公司"
    assert (batch.total_rows, batch.created_count, batch.updated_count) == (2, 2, 0)


def test_an_xlsx_with_a_title_row_above_the_header_is_read(tmp_path, world):
    rows = [enterprise_row(uscc(1), registered_on=dt.date(2019, 3, 4), capital=5.5, employees=12)]
    batch, plan = preview(tmp_path, world, "名录.xlsx", xlsx_bytes(rows, title="2026年6月企业名录"))
    assert batch.state == "previewed", problems_of(batch)
    values = plan.enterprises[0].values
    assert values["registered_on"] == dt.date(2019, 3, 4)
    assert values["registered_capital_fen"] == 5_500_000
    assert values["employees"] == 12
    assert plan.enterprises[0].row == 3


def test_applying_writes_enterprises_with_fen_provenance_scale_and_audit(tmp_path, world):
    code = uscc(1)
    row = enterprise_row(code, "宝鸡市新企业有限公司", street="新建街道", capital="5.5", employees="350")
    row[HEADERS.index("年营业收入（万元）")] = "25000"
    batch, _ = preview(tmp_path, world, "名录.xlsx", xlsx_bytes([row]))
    result = importer.apply_batch(batch, user=world.admin)
    assert (result.created, result.updated, result.streets_created) == (1, 0, 1)
    enterprise = Enterprise.objects.get(uscc=code)
    assert enterprise.registered_capital_fen == 5_500_000
    assert enterprise.annual_revenue_fen == 25000 * 1_000_000
    assert enterprise.tax_paid_fen == Decimal("12.5") * 1_000_000
    assert (enterprise.industry_section, enterprise.industry_division) == ("C", "39")
    assert enterprise.scale == "medium"  # 工业: 300–1000 人 and 2000 万–4 亿元
    assert enterprise.street == Street.objects.get(district=world.weibin, name="新建街道")
    assert enterprise.source_of("employees") == {
        "source": "企业名录导入：名录.xlsx（市场监管局名录）",
        "as_of": "2026-06-30",
        "batch": batch.pk,
    }
    record = enterprise.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        world.admin,
        "企业名录导入：名录.xlsx",
    )
    batch.refresh_from_db()
    assert batch.state == "applied" and batch.applied_at is not None


def test_reimport_updates_by_uscc_and_never_duplicates(tmp_path, world):
    rows = [enterprise_row(world.acme.uscc, world.acme.name, employees="400"), enterprise_row(uscc(5))]
    first, _ = preview(tmp_path, world, "一.csv", csv_bytes(rows))
    importer.apply_batch(first, user=world.admin)
    second, _ = preview(tmp_path, world, "二.csv", csv_bytes(rows))
    assert (second.created_count, second.updated_count, second.report["counts"]["unchanged"]) == (0, 0, 2)
    rows[1][HEADERS.index("从业人数")] = "77"
    third, _ = preview(tmp_path, world, "三.csv", csv_bytes(rows))
    result = importer.apply_batch(third, user=world.admin)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Enterprise.objects.filter(uscc__in=[world.acme.uscc, uscc(5)]).count() == 2
    assert Enterprise.objects.get(uscc=uscc(5)).employees == 77
    acme = Enterprise.objects.get(pk=world.acme.pk)
    assert acme.employees == 400 and acme.qualifications.count() == 1  # kept: same row, same id
    assert acme.scale == "medium"  # recomputed on the bulk path: 400 人 and 3000 万元 in 工业
    assert acme.source_of("employees")["source"] == "企业名录导入：三.csv（市场监管局名录）"
    assert acme.history.filter(history_type="~").count() == 1  # only the change, not the confirmation


def test_a_blank_cell_means_unknown_and_a_missing_column_keeps_the_value(tmp_path, world):
    headers = [h for h in HEADERS if h != "资产总额（万元）"]
    row = enterprise_row(world.acme.uscc, world.acme.name, employees="", revenue="")
    del row[HEADERS.index("资产总额（万元）")]
    world.acme.total_assets_fen = 123
    world.acme.save()
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([row], headers=headers))
    importer.apply_batch(batch, user=world.admin)
    acme = Enterprise.objects.get(pk=world.acme.pk)
    assert acme.employees is None and acme.annual_revenue_fen is None  # unknown, not 0
    assert acme.total_assets_fen == 123


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"industry": "9999"}, "行业代码", "不在 GB/T 4754-2017"),
        ({"employees": "-5"}, "从业人数", "不能为负数"),
        ({"registered_on": "2099-01-01"}, "成立日期", "晚于今天"),
        ({"district": "火星区"}, "区县", "不在系统中"),
        ({"entity_type": "公司"}, "主体类型", "不是有效的主体类型"),
        ({"status": ""}, "登记状态", "不能为空"),
        ({"credit": "E"}, "信用风险分类", "A、B、C、D"),
        ({"capital": "1.23456789"}, "注册资本（万元）", "最多 6 位小数"),
    ],
)
def test_each_bad_cell_is_reported_with_row_column_and_reason(tmp_path, world, cells, column, message):
    rows = [enterprise_row(uscc(1)), enterprise_row(uscc(2), **cells)]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    assert batch.state == "rejected"
    [(row, col, text)] = problems_of(batch)
    assert (row, col) == (3, column) and message in text
    assert batch.problems[0]["letter"] == "ABCDEFGHIJKLMN"[HEADERS.index(column)]


@pytest.mark.parametrize(
    ("code", "message"),
    [(uscc(1)[:16], "应为 18 位"), (uscc(1)[:17] + ("0" if uscc(1)[17] != "0" else "1"), "校验位错误")],
)
def test_a_wrong_uscc_in_a_file_is_reported(tmp_path, world, code, message):
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(code)]))
    [(row, column, text)] = problems_of(batch)
    assert (row, column) == (2, "统一社会信用代码") and message in text


def test_the_same_uscc_twice_in_one_file_is_reported_on_the_second(tmp_path, world):
    rows = [enterprise_row(uscc(1)), enterprise_row(uscc(2)), enterprise_row(uscc(1))]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    [(row, column, text)] = problems_of(batch)
    assert (row, column) == (4, "统一社会信用代码") and "与第 2 行重复" in text


def test_every_problem_of_a_row_is_listed_not_only_the_first(tmp_path, world):
    rows = [enterprise_row(uscc(1), industry="X1", employees="-1", credit="Z")]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    assert {p[1] for p in problems_of(batch)} == {"行业代码", "从业人数", "信用风险分类"}
    assert batch.total_rows == 1 and batch.valid_rows == 0


def test_valid_rows_are_not_imported_while_any_row_is_bad(tmp_path, world):
    """The policy: all or nothing. The good rows wait until the file is fixed and uploaded again."""
    before = Enterprise.objects.count()
    rows = [enterprise_row(uscc(1)), enterprise_row(uscc(2), employees="-1"), enterprise_row(uscc(3))]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    assert (batch.state, batch.total_rows, batch.valid_rows) == ("rejected", 3, 2)
    with pytest.raises(ImportRefused, match="有错误未导入"):
        importer.apply_batch(batch, user=world.admin)
    assert Enterprise.objects.count() == before


def test_a_crash_while_writing_leaves_nothing_behind_and_marks_the_batch_failed(tmp_path, world, monkeypatch):
    before = {e.pk: e.employees for e in Enterprise.objects.all()}
    rows = [enterprise_row(uscc(1)), enterprise_row(world.acme.uscc, world.acme.name, employees="999")]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))

    def crash(*args, **kwargs):  # after the enterprise rows and their history are written
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_write, "_write_provenance", crash)
    with pytest.raises(ImportFailed, match="已全部撤销"):
        importer.apply_batch(batch, user=world.admin)
    assert {e.pk: e.employees for e in Enterprise.objects.all()} == before
    assert not Enterprise.history.filter(history_change_reason__startswith="企业名录导入").exists()
    assert not Street.objects.filter(name="").exists()
    batch.refresh_from_db()
    assert batch.state == "failed" and "没有写入任何数据" in batch.report["error"]
    with pytest.raises(ImportRefused, match="导入失败"):
        importer.apply_batch(batch, user=world.admin)


@pytest.mark.slow  # a real transaction: the database is flushed and reloaded around it
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_crash_rolls_back_a_real_transaction(tmp_path, world, monkeypatch):
    rows = [enterprise_row(uscc(1), street="新街道"), enterprise_row(uscc(2))]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    monkeypatch.setattr(import_write, "_write_provenance", lambda records: 1 / 0)
    with pytest.raises(ImportFailed):
        importer.apply_batch(batch, user=world.admin)
    assert not Enterprise.objects.filter(uscc__in=[uscc(1), uscc(2)]).exists()
    assert not Street.objects.filter(name="新街道").exists()
    assert ImportBatch.objects.get(pk=batch.pk).state == "failed"


def test_a_batch_is_applied_once(tmp_path, world):
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    importer.apply_batch(batch, user=world.admin)
    with pytest.raises(ImportRefused, match="已导入"):
        importer.apply_batch(batch, user=world.admin)
    assert Enterprise.objects.filter(uscc=uscc(1)).count() == 1


def test_an_enterprise_added_between_preview_and_apply_is_updated_not_duplicated(tmp_path, world):
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1), employees="10")]))
    assert batch.created_count == 1
    make_enterprise(uscc(1), "先到的企业", world.weibin)
    result = importer.apply_batch(batch, user=world.admin)
    assert (result.created, result.updated) == (0, 1)
    assert Enterprise.objects.get(uscc=uscc(1)).employees == 10


def test_qualifications_on_their_own_sheet_are_created_then_updated(tmp_path, world):
    rows = [enterprise_row(uscc(1))]
    quals = [
        [uscc(1), "专精特新中小企业", "省级", dt.date(2025, 3, 1), dt.date(2028, 2, 28)],
        [world.acme.uscc, "hnte", "国家", "2024-11-01", "2028-10-31"],
    ]
    batch, _ = preview(tmp_path, world, "名录.xlsx", xlsx_bytes(rows, qualifications=quals))
    assert batch.state == "previewed", problems_of(batch)
    assert batch.report["counts"]["qualification_create"] == 1
    assert batch.report["counts"]["qualification_update"] == 1
    result = importer.apply_batch(batch, user=world.admin)
    assert (result.qualifications_created, result.qualifications_updated) == (1, 1)
    created = Qualification.objects.get(enterprise__uscc=uscc(1))
    assert (created.kind, created.level, created.expires_on) == (
        "srdi_sme",
        "provincial",
        dt.date(2028, 2, 28),
    )
    assert created.history.get().history_user == world.admin
    assert Qualification.objects.get(enterprise=world.acme).expires_on == dt.date(2028, 10, 31)


def test_a_qualification_of_an_unknown_enterprise_or_ending_before_it_starts_is_reported(tmp_path, world):
    quals = [
        [uscc(42), "高新技术企业", "国家", "2024-01-01", ""],
        [world.acme.uscc, "创新型中小企业", "市", "2024-01-01", "2023-01-01"],
    ]
    batch, _ = preview(tmp_path, world, "资质.xlsx", xlsx_bytes([], qualifications=quals))
    messages = {(p["row"], p["message"]) for p in batch.problems}
    assert (2, f"主体 {uscc(42)} 既不在本文件的企业名录中，也不在系统中") in messages
    assert any(row == 3 and "早于认定日期" in text for row, text in messages)


# ---- files refused as a whole ----------------------------------------------------------------------


def refused(tmp_path, world, name, data):
    with pytest.raises(ImportRefused) as caught:
        preview(tmp_path, world, name, data)
    assert not ImportBatch.objects.exists()
    return caught.value.message


def test_a_csv_renamed_xlsx_is_refused(tmp_path, world):
    message = refused(tmp_path, world, "名录.xlsx", csv_bytes([enterprise_row(uscc(1))]))
    assert "扩展名为 .xlsx，但内容不是 Excel 工作簿" in message


def test_an_empty_file_is_refused(tmp_path, world):
    assert "空的（0 字节）" in refused(tmp_path, world, "名录.csv", b"")


def test_a_header_only_file_is_refused(tmp_path, world):
    assert "只有表头" in refused(tmp_path, world, "名录.csv", csv_bytes([]))
    assert "只有表头" in refused(tmp_path, world, "名录.xlsx", xlsx_bytes([]))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, world, settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    path = tmp_path / "名录.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing to read
    with pytest.raises(ImportRefused, match=r"文件大小 50 MB，超过导入上限 20 MB"):
        importer.preview_batch(path, file_name="名录.csv", as_of=AS_OF, source="x", user=world.admin)
    assert os.path.getsize(path) == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "只支持 .xlsx 和 .csv"),
        ("名录.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel"),
        ("名录.xlsx", b"PK\x03\x04 not really a zip", "损坏"),
        ("名录.csv", b"\xff\xfe" + "统一社会信用代码".encode("utf-16-le"), "UTF-16"),
        ("名录.csv", b"\x00\x01\x02\x03\xff\xfe\xfd" * 10, "无法识别"),
        ("名录.csv", "名称,行业代码\n甲,3911\n".encode(), "没有找到表头"),
        (
            "名录.csv",
            "统一社会信用代码,名称\n1,甲\n".encode(),
            "缺少必填列：主体类型、行业代码、区县、成立日期",
        ),
        (
            "名录.csv",
            "统一社会信用代码,名称,主体类型,行业代码,区县,成立日期,注册资本（万元）,注册资本（元）\n".encode(),
            "是同一项",
        ),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, world, name, data, message):
    assert message in refused(tmp_path, world, name, data)


def test_excel_error_values_and_numeric_codes_are_reported_per_cell(tmp_path, world):
    batch, _ = preview(tmp_path, world, "名录.xlsx", xlsx_bytes([enterprise_row(uscc(1), employees="#N/A")]))
    [(row, column, text)] = problems_of(batch)
    assert (row, column) == (2, "从业人数") and "Excel 错误值 #N/A" in text
    numeric = enterprise_row(916103021234567890, "数字代码企业")  # type: ignore[arg-type]
    batch, _ = preview(tmp_path, world, "名录2.xlsx", xlsx_bytes([numeric]))
    assert "存成了数字" in problems_of(batch)[0][2]


def test_the_preview_report_lists_sample_rows_new_streets_and_ignored_columns(tmp_path, world):
    headers = [*HEADERS, "备注"]
    rows = [
        [*enterprise_row(world.acme.uscc, world.acme.name, employees="121", street="经二路街道"), "x"],
        [*enterprise_row(uscc(9), street="高新大道街道"), ""],
    ]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows, headers=headers))
    report = batch.report
    assert report["new_streets"] == ["渭滨区·高新大道街道"]
    assert any("备注" in n for n in report["notices"])
    assert report["sample"][0]["action"] == "update" and "从业人数" in report["sample"][0]["changed"]
    assert report["sample"][1]["action"] == "create"


def test_today_defaults_to_the_local_date(tmp_path, world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    batch, _ = preview(
        tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1), registered_on=str(tomorrow))])
    )
    assert "晚于今天" in problems_of(batch)[0][2]


@settings(max_examples=100, deadline=None)
@given(
    body=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17),
    last=st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ"),
)
def test_the_fast_uscc_check_agrees_with_stdnum(body, last):
    for code in (body + last, make_uscc(body)):
        assert importer.uscc_is_valid(code) == uscc_std.is_valid(code)


# ---- a district's import stays in its district ----------------------------------------------------


def test_a_batch_records_the_district_of_whoever_imports_it(tmp_path, world):
    by_city, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    path = write(tmp_path, "渭滨区名录.csv", csv_bytes([enterprise_row(uscc(2))]))
    by_weibin, _ = importer.preview_batch(
        path, file_name="渭滨区名录.csv", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    assert (by_city.district, by_weibin.district) == (None, world.weibin)


def test_a_district_import_cannot_rename_or_move_another_districts_enterprise(tmp_path, world):
    """Leak: a 渭滨区 import renamed a 金台区 enterprise and moved it into 渭滨区."""
    rows = [
        enterprise_row(uscc(1), "宝鸡市渭滨区新企业有限公司"),
        enterprise_row(world.bolt.uscc, "改名后的企业", district="渭滨区"),
    ]
    path = write(tmp_path, "名录.csv", csv_bytes(rows))
    batch, _ = importer.preview_batch(
        path, file_name="名录.csv", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    assert batch.state == "rejected"
    assert problems_of(batch) == [
        (
            3,
            "统一社会信用代码",
            f"统一社会信用代码 {world.bolt.uscc} 的市场主体登记在其他区县，不在您的辖区（渭滨区）内，"
            "本区只能导入和修改本区的市场主体，请交由所在区县或市营商办导入",
        )
    ]
    with pytest.raises(ImportRefused):
        importer.apply_batch(batch, user=world.weibin_admin)
    world.bolt.refresh_from_db()
    assert (world.bolt.name, world.bolt.district) == ("宝鸡市金台区螺栓制造有限公司", world.jintai)
    assert not Enterprise.objects.filter(uscc=uscc(1)).exists()  # nothing half-written


def test_a_district_import_cannot_create_an_enterprise_in_another_district(tmp_path, world):
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1, "610303"), district="金台区")]))
    batch, _ = importer.preview_batch(
        path, file_name="名录.csv", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    assert [(row, column) for row, column, _ in problems_of(batch)] == [(2, "区县")]
    assert "区县“金台区”不在您的辖区（渭滨区）内" in batch.problems[0]["message"]


def test_a_district_import_cannot_change_another_districts_qualifications(tmp_path, world):
    quals = [[world.bolt.uscc, "高新技术企业", "国家", "2024-01-01", ""]]
    path = write(tmp_path, "资质.xlsx", xlsx_bytes([], qualifications=quals))
    batch, _ = importer.preview_batch(
        path, file_name="资质.xlsx", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    assert batch.state == "rejected" and "登记在其他区县" in batch.problems[0]["message"]
    assert not world.bolt.qualifications.exists()


def test_the_city_applying_a_district_batch_keeps_it_to_that_district(tmp_path, world):
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    batch, _ = importer.preview_batch(
        path, file_name="名录.csv", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    assert importer.apply_batch(batch, user=world.admin).created == 1


def test_another_district_cannot_apply_a_districts_batch(tmp_path, world):
    """Leak: either district admin could apply the other's batch."""
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    batch, _ = importer.preview_batch(
        path, file_name="名录.csv", as_of=AS_OF, source="区名录", user=world.weibin_admin
    )
    with pytest.raises(ImportRefused, match="该批次不属于您的辖区"):
        importer.apply_batch(batch, user=world.jintai_admin)
    batch.refresh_from_db()
    assert batch.state == "previewed" and not Enterprise.objects.filter(uscc=uscc(1)).exists()


# ---- a batch whose process died while importing ---------------------------------------------------

DEAD = f"{socket.gethostname()}:{2**22 + 7}"  # no such process (pid_max is 2**22)


def importing(batch, worker, heartbeat_minutes_ago=0):
    """The batch as a process that claimed it (确认导入) left it: 导入中, with its worker and heartbeat."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        state="applying",
        worker=worker,
        heartbeat_at=clock.now() - dt.timedelta(minutes=heartbeat_minutes_ago),
    )
    batch.refresh_from_db()
    return batch


def two_batches(tmp_path, world):
    first, _ = preview(tmp_path, world, "甲.csv", csv_bytes([enterprise_row(uscc(1))]))
    second, _ = preview(tmp_path, world, "乙.csv", csv_bytes([enterprise_row(uscc(2))]))
    return first, second


def test_a_batch_whose_process_was_killed_is_marked_failed_with_the_reason(tmp_path, world):
    dead, alive = two_batches(tmp_path, world)
    importing(dead, DEAD)
    importing(alive, worker_id())
    assert importer.fail_dead_batches() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == "failed" and dead.get_state_display() == "导入失败"
    assert f"导入中断：处理进程（{DEAD}）已不在运行" in dead.report["error"]
    assert "没有写入任何数据" in dead.report["error"] and "重新导入" in dead.report["error"]
    assert dead.report["error_detail"].startswith("处理进程已中断（")
    assert dead.report["counts"]["create"] == 1  # what the preview found is kept
    assert alive.state == "applying"


def test_a_batch_on_another_machine_is_dead_once_its_heartbeat_is_old(tmp_path, world):
    quiet, recent = two_batches(tmp_path, world)
    importing(quiet, "web2:41", heartbeat_minutes_ago=11)
    importing(recent, "web2:42", heartbeat_minutes_ago=2)
    assert importer.fail_dead_batches() == 1
    quiet.refresh_from_db()
    recent.refresh_from_db()
    assert quiet.state == "failed" and "超过 10 分钟没有进展" in quiet.report["error"]
    assert recent.state == "applying"


def test_a_new_import_first_marks_the_dead_ones_failed(tmp_path, world):
    dead = importing(preview(tmp_path, world, "甲.csv", csv_bytes([enterprise_row(uscc(1))]))[0], DEAD)
    preview(tmp_path, world, "乙.csv", csv_bytes([enterprise_row(uscc(2))]))
    dead.refresh_from_db()
    assert dead.state == "failed"


def test_a_second_confirmation_while_the_first_is_importing_is_refused(tmp_path, world):
    batch = importing(
        preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))[0], worker_id()
    )
    with pytest.raises(ImportRefused, match="导入中"):
        importer.apply_batch(batch, user=world.admin)
    assert not Enterprise.objects.filter(uscc=uscc(1)).exists()


def test_a_process_killed_while_writing_leaves_nothing_and_the_batch_is_imported_again(
    tmp_path, world, monkeypatch
):
    """kill -9 mid-write, as near as a test gets: the write stops half-way with an exception that no
    handler of ours catches (as SIGKILL lets none run), its transaction is rolled back, the batch is
    left 导入中 by a process that then no longer exists."""
    rows = [
        enterprise_row(uscc(1), street="新街道"),
        enterprise_row(world.acme.uscc, world.acme.name, employees="999"),
    ]
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes(rows))
    before = {e.pk: e.employees for e in Enterprise.objects.all()}

    class Killed(BaseException):
        pass

    def killed(*args, **kwargs):  # after the enterprise rows and their history are written
        raise Killed

    monkeypatch.setattr(import_write, "_write_provenance", killed)
    with pytest.raises(Killed):
        importer.apply_batch(batch, user=world.admin)
    batch.refresh_from_db()
    assert batch.state == "applying" and batch.worker == worker_id()  # no handler ran: as after kill -9
    assert {e.pk: e.employees for e in Enterprise.objects.all()} == before
    assert not Street.objects.filter(name="新街道").exists()
    assert not Enterprise.history.filter(history_change_reason__startswith="企业名录导入").exists()

    monkeypatch.undo()
    ImportBatch.objects.filter(pk=batch.pk).update(worker=DEAD)  # the process is gone
    assert importer.fail_dead_batches() == 1
    batch.refresh_from_db()
    retried = importer.retry_batch(batch, user=world.admin)
    assert (
        retried.pk != batch.pk and retried.state == "previewed" and retried.stored_path == batch.stored_path
    )
    assert (retried.file_name, retried.as_of, retried.source) == (batch.file_name, batch.as_of, batch.source)
    importer.apply_batch(retried, user=world.admin)
    assert Enterprise.objects.get(pk=world.acme.pk).employees == 999
    assert Enterprise.objects.filter(uscc=uscc(1), street__name="新街道").exists()
    batch.refresh_from_db()
    assert batch.state == "failed" and batch.report["retried_as"] == retried.pk
    with pytest.raises(ImportRefused, match=f"已重新导入（批次 #{retried.pk}）"):
        importer.retry_batch(batch, user=world.admin)


def test_a_batch_marked_dead_meanwhile_is_not_written_by_its_late_process(tmp_path, world, monkeypatch):
    """A process thought dead (no heartbeat for 10 minutes) that comes back finds its batch failed and
    writes nothing: a batch is either failed or applied, never both."""
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    real_analyse = importer.analyse

    def slow_analyse(*args, **kwargs):  # while it re-checks the file, the page finds it dead
        plan = real_analyse(*args, **kwargs)
        ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=clock.now() - dt.timedelta(minutes=11))
        ImportBatch.objects.filter(pk=batch.pk).update(worker="web2:41")
        assert importer.fail_dead_batches() == 1
        return plan

    monkeypatch.setattr(importer, "analyse", slow_analyse)
    with pytest.raises(ImportRefused, match="导入失败"):
        importer.apply_batch(batch, user=world.admin)
    batch.refresh_from_db()
    assert batch.state == "failed" and not Enterprise.objects.filter(uscc=uscc(1)).exists()


def test_only_a_failed_batch_with_its_file_can_be_imported_again(tmp_path, world):
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    with pytest.raises(ImportRefused, match=r"待确认.*不需要重新导入"):
        importer.retry_batch(batch, user=world.admin)
    ImportBatch.objects.filter(pk=batch.pk).update(state="failed")
    batch.refresh_from_db()
    with pytest.raises(ImportRefused, match="不属于您的辖区"):
        importer.retry_batch(batch, user=world.jintai_admin)
    os.remove(batch.stored_path)
    with pytest.raises(ImportRefused, match="文件已不存在，请重新上传"):
        importer.retry_batch(batch, user=world.admin)
    assert ImportBatch.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.slow  # a real transaction in a second connection: the database is flushed and reloaded
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_quiet_batch_whose_write_transaction_still_holds_its_row_is_alive(tmp_path, world):
    """No heartbeat can leave an open transaction: a write of over 10 minutes on another machine looks
    dead by its heartbeat, but the row it holds says it is alive (PostgreSQL row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    batch, _ = preview(tmp_path, world, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    importing(batch, "web2:41", heartbeat_minutes_ago=30)
    locked, release, found = threading.Event(), threading.Event(), []

    def writer():  # the long write on the other machine: holds the row until it commits
        try:
            with transaction.atomic():
                ImportBatch.objects.select_for_update().get(pk=batch.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(30)
        found.append(importer.fail_dead_batches())
    finally:
        release.set()
        thread.join(30)
    assert found == [0] and ImportBatch.objects.get(pk=batch.pk).state == "applying"
    assert importer.fail_dead_batches() == 1  # once the lock is gone, the heartbeat decides
