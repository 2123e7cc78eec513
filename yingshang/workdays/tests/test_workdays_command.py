"""`yingshang workdays ...`: answers on stdout only, Chinese errors, non-zero exit, no traceback."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.workdays.engine import BUILTIN_VERSION
from yingshang.workdays.models import HolidayYear
from yingshang.workdays.testing import LINES_2027, NOTICE_2027

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (["add", "2026-09-30", "3"], "2026-10-10"),
        (["add", "2026-09-30", "0"], "2026-09-30"),
        (["add", "2026-10-01", "0"], "2026-10-08"),
        (["add", "2024-12-31", "1"], "2025-01-02"),
        (["between", "2026-09-28", "2026-10-12"], "6"),
        (["between", "2026-10-12", "2026-09-28"], "-6"),
        (["between", "2026-10-01", "2026-10-07"], "0"),
        (["is-workday", "2026-10-10"], "是"),
        (["is-workday", "2026-10-01"], "否"),
        (["is-workday", "2025-09-28"], "是"),
        (["version"], BUILTIN_VERSION),
    ],
)
def test_the_command_prints_only_the_answer(args, answer):
    out, err = run(*args)
    assert out == answer + "\n"
    assert err == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["add", "2026-12-31", "1"], "2027年节假日安排尚未录入"),
        (["between", "2026-12-01", "2027-01-05"], "2027年节假日安排尚未录入"),
        (["add", "2026-13-01", "1"], "日期“2026-13-01”无效"),
        (["add", "2026-09-30", "-1"], "工作日数“-1”无效"),
        (["add", "2026-09-30", "三"], "工作日数“三”无效"),
        (["add", "2026-09-30"], "缺少参数：n"),
        (["frob"], "无法识别的子命令“frob”"),
        (["add", "2026-09-30", "1", "2"], "多余的参数：2"),
        ([], "缺少参数"),
    ],
)
def test_bad_input_is_a_chinese_command_error(args, fragment):
    with pytest.raises(CommandError, match=fragment):
        run(*args)


@pytest.mark.parametrize("text", [NOTICE_2027, LINES_2027])
def test_importing_2027_from_a_file_and_confirming_makes_it_computable(tmp_path, text):
    notice = tmp_path / "2027.txt"
    notice.write_text(text, encoding="utf-8")
    out, err = run("import-year", "2027", str(notice), "--title", "测试用虚构样例", "--confirm")
    assert out == f"{BUILTIN_VERSION} + 2027:v1\n"
    assert "已启用" in err
    assert run("add", "2026-12-31", "1")[0] == "2027-01-04\n"
    assert run("is-workday", "2027-01-31")[0] == "是\n"


def test_an_import_without_confirm_leaves_a_draft(tmp_path):
    notice = tmp_path / "2027.txt"
    notice.write_text(LINES_2027, encoding="utf-8")
    run("import-year", "2027", str(notice), "--title", "测试用虚构样例")
    assert not HolidayYear.objects.get(year=2027).is_confirmed
    with pytest.raises(CommandError, match="尚未确认启用"):
        run("add", "2026-12-31", "1")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (LINES_2027 + "2027-02-20,放假,春节\n", "14行：2027-02-20 既列为上班（第4行）又列为放假，自相矛盾"),
        ("2027-02-10,上班,春节\n2027-02-08,放假,春节\n", "第1行：2027-02-10（周三）本来就是工作日"),
        ("2027-02-30,放假,春节\n", "第1行：日期“2027-02-30”无效"),
    ],
)
def test_a_bad_file_is_refused_line_by_line_and_nothing_is_saved(tmp_path, content, fragment):
    notice = tmp_path / "2027.txt"
    notice.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=fragment):
        run("import-year", "2027", str(notice), "--title", "测试用虚构样例")
    assert not HolidayYear.objects.exists()


def test_a_missing_or_non_utf8_file_is_explained(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import-year", "2027", str(tmp_path / "none.txt"), "--title", "x")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("2027-02-08,放假,春节".encode("gbk"))
    with pytest.raises(CommandError, match="不是 UTF-8"):
        run("import-year", "2027", str(gbk), "--title", "x")


def test_a_shipped_year_cannot_be_imported(tmp_path):
    notice = tmp_path / "2026.txt"
    notice.write_text("2026-10-08,放假,国庆节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2026年的节假日安排已内置"):
        run("import-year", "2026", str(notice), "--title", "x")
