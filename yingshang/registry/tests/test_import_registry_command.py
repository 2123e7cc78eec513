from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.registry.models import Enterprise, ImportBatch
from yingshang.registry.testing import csv_bytes, enterprise_row, uscc, write, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_dry_run_checks_and_writes_nothing(tmp_path, world):
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    output = run(
        "import_registry", str(path), "--as-of", "2026-06-30", "--source", "市场监管局名录", "--dry-run"
    )
    assert "将新增 1 家" in output and "试运行" in output
    assert not Enterprise.objects.filter(uscc=uscc(1)).exists() and not ImportBatch.objects.exists()


def test_the_command_imports_and_records_the_batch_and_user(tmp_path, world):
    path = write(
        tmp_path, "名录.xlsx", xlsx_bytes([enterprise_row(uscc(1)), enterprise_row(world.acme.uscc)])
    )
    output = run(
        "import_registry", str(path), "--as-of", "2026-06-30", "--source", "市场监管局名录", "--user", "admin"
    )
    assert "导入完成" in output and "新增 1 家，更新 1 家" in output
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.uploaded_by, batch.file_name) == ("applied", world.admin, "名录.xlsx")
    assert Enterprise.objects.get(uscc=uscc(1)).history.get().history_user == world.admin


def test_problems_are_listed_by_row_and_column_and_the_exit_is_an_error(tmp_path, world):
    rows = [enterprise_row(uscc(1)), enterprise_row(uscc(2), industry="9999"), enterprise_row(uscc(1))]
    path = write(tmp_path, "名录.csv", csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="整份文件未导入，其余 1 行也未导入"):
        call_command("import_registry", str(path), "--as-of", "2026-06-30", "--source", "x", stdout=out)
    report = out.getvalue()
    assert "名录.csv / 第 3 行 / D 列“行业代码” / 行业代码“9999”不在 GB/T 4754-2017" in report
    assert "第 4 行 / A 列“统一社会信用代码”" in report and "与第 2 行重复" in report
    assert not Enterprise.objects.filter(uscc=uscc(1)).exists()
    assert ImportBatch.objects.get().state == "rejected"


def test_a_file_whose_only_row_is_bad_does_not_speak_of_the_other_0_rows(tmp_path, world):
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1), industry="9999")]))
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_registry", str(path), "--as-of", "2026-06-30", "--source", "x", stdout=io.StringIO()
        )
    assert str(refused.value) == "1 行存在问题（共 1 个），整份文件未导入，请修改后重新导入。"


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path, world):
    path = tmp_path / "名录.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(CommandError, match="文件大小 50 MB，超过导入上限 20 MB"):
        run("import_registry", str(path), "--as-of", "2026-06-30", "--source", "x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["不存在.csv", "--as-of", "2026-06-30", "--source", "x"], "找不到文件"),
        (["FILE", "--as-of", "2026/06/30", "--source", "x"], "应为 2026-06-30"),
        (["FILE", "--as-of", "2026-06-30", "--source", "x", "--user", "ghost"], "找不到用户：ghost"),
        # The page refuses a data day after today (the tests run on 2026-11-20); so does the command.
        (["FILE", "--as-of", "2027-01-01", "--source", "x"], "--as-of 2027-01-01：数据截至日期不能晚于今天"),
    ],
)
def test_bad_arguments_get_a_chinese_message(tmp_path, world, args, message):
    path = write(tmp_path, "名录.csv", csv_bytes([enterprise_row(uscc(1))]))
    args = [str(path) if a == "FILE" else a for a in args]
    with pytest.raises(CommandError, match=message):
        run("import_registry", *args)


def test_export_registry_writes_a_workbook_of_all_or_one_district(tmp_path, world):
    out = tmp_path / "全部.xlsx"
    assert "已导出 2 家" in run("export_registry", "--out", str(out))
    book = openpyxl.load_workbook(out, read_only=True)
    assert [r[0] for r in book["企业名录"].iter_rows(min_row=2, values_only=True)] == sorted(
        [world.acme.uscc, world.bolt.uscc]
    )
    one = tmp_path / "金台.xlsx"
    assert "已导出 1 家" in run("export_registry", "--out", str(one), "--district", "金台区")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--out", "a.csv"], "应以 .xlsx 结尾"), (["--out", "x.xlsx", "--district", "火星区"], "找不到区县")],
)
def test_export_registry_refuses_bad_arguments(tmp_path, world, args, message):
    args = [str(tmp_path / a) if a.endswith((".csv", ".xlsx")) else a for a in args]
    with pytest.raises(CommandError, match=message):
        run("export_registry", *args)
