"""`yingshang policies`: check and evaluate without a database; sync, match and whatif with one."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from yingshang.policies import rules
from yingshang.policies.models import MatchRun
from yingshang.policies.testing import AS_OF, EXAMPLE, HNTE_ITEM, MEASURES, shipped_text, with_hnte_amount
from yingshang.registry.testing import make_uscc

REPO = Path(__file__).resolve().parents[3]
HEADERS = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "行业代码",
    "区县",
    "成立日期",
    "从业人数",
    "年营业收入（万元）",
]
QUALIFICATION_HEADERS = ["统一社会信用代码", "资质类型", "认定层级", "认定日期", "有效期至"]
ACME = make_uscc("91610302MA6X00001")
SHOP = make_uscc("92610302MA6X00002")
ROWS = [
    [ACME, "宝鸡示例科技有限公司", "企业", "3911", "渭滨区", "2018-05-01", "120", "8000"],
    [SHOP, "渭滨区小吃店", "个体工商户", "6210", "渭滨区", "2021-03-15", "3", ""],
]
QUALIFICATIONS = [[ACME, "高新技术企业", "国家", "2024-11-01", "2027-10-31"]]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policies", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def pack_file(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / f"{MEASURES}.yaml"
    path.write_text(text or shipped_text(), encoding="utf-8")
    return path


def write_csv(
    path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], qualifications: list[list[Any]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    sheet.append(["渭滨区企业名录（2026年6月）"])  # a title row above the header, as offices write them
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    if qualifications is not None:
        quals = book.create_sheet("资质")
        quals.append(QUALIFICATION_HEADERS)
        for row in qualifications:
            quals.append(row)
    book.save(path)
    return path


def evaluate(tmp_path: Path, profiles: Path, out_name: str = "out.csv", *extra: str) -> tuple[Path, str, str]:
    out = tmp_path / out_name
    stdout, stderr = run(
        "evaluate",
        "--pack",
        str(pack_file(tmp_path)),
        "--profiles",
        str(profiles),
        "--out",
        str(out),
        "--as-of",
        AS_OF.isoformat(),
        *extra,
    )
    return out, stdout, stderr


def read_out(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def current_item_count() -> int:
    pack, _ = rules.load_pack(shipped_text())
    return sum(1 for _, item in pack.items() if item.is_current(AS_OF))


# ---- check (no database) -------------------------------------------------------------------------


def test_check_passes_a_clean_pack_and_names_its_version(tmp_path: Path) -> None:
    stdout, _ = run("check", str(pack_file(tmp_path)))
    pack, _ = rules.load_pack(shipped_text())
    assert "通过" in stdout and pack.version in stdout and "测试用例" in stdout


def test_check_lists_every_error_with_its_line_and_fails(tmp_path: Path) -> None:
    broken = (
        shipped_text()
        .replace("amount: 10万元", "amount: 十万", 1)
        .replace("mode: 免申即享", "mode: 马上发", 1)
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 个政策包有错误"):
        call_command(
            "policies",
            "check",
            str(pack_file(tmp_path, broken)),
            "--districts",
            "渭滨区,金台区",
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    assert "处错误，不能作为现行政策包" in lines[0]
    assert all("行" in line for line in lines[1:]) and any("马上发" in line for line in lines)
    assert any("金额" in line and "十万" in line for line in lines)


def check_errors(tmp_path: Path, text: str, *args: str) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 个政策包有错误"):
        call_command(
            "policies", "check", str(pack_file(tmp_path, text)), *args, stdout=io.StringIO(), stderr=err
        )
    return err.getvalue().splitlines()


def test_check_refuses_a_misspelt_district_naming_the_nearest_real_one(tmp_path: Path) -> None:
    text = shipped_text().replace("district: 渭滨区", "district: 渭宾区")
    lines = check_errors(tmp_path, text, "--districts", "渭滨区、金台区")
    line = text.splitlines().index("district: 渭宾区") + 1
    said = "适用区县（district）“渭宾区”不是已知的区县，是否为“渭滨区”？"
    assert lines[1] == f"  {MEASURES}.yaml 第{line}行：{said}"


def test_check_without_a_district_list_says_it_did_not_check_districts(tmp_path: Path) -> None:
    _, stderr = run("check", str(pack_file(tmp_path)))
    assert stderr.strip() == "未核对“所在区县”：没有可用的区县名录（可用 --districts 渭滨区,金台区 指定）"


@pytest.mark.django_db
def test_check_reads_the_registrys_districts_when_a_database_is_at_hand(world, tmp_path: Path) -> None:
    text = shipped_text(EXAMPLE).replace(
        "        conditions:\n          - 企业规模 属于 小型、微型\n",
        "        conditions:\n          - 所在区县 = 渭宾区\n          - 企业规模 属于 小型、微型\n",
        1,
    )
    path = tmp_path / f"{EXAMPLE}.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 个政策包有错误"):
        call_command("policies", "check", str(path), stdout=io.StringIO(), stderr=err)
    problems = [line for line in err.getvalue().splitlines() if "渭宾区" in line]
    assert len(problems) == 1
    line = text.splitlines().index("          - 所在区县 = 渭宾区") + 1
    assert f"第{line}行" in problems[0] and "“小微企业房租补贴”" in problems[0]
    assert problems[0].endswith("条件：所在区县“渭宾区”不是已知的区县，是否为“渭滨区”？")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("99999999999999万元", "金额：金额“99999999999999万元”超过 100万亿元，请核对数值和单位"),
        (
            "200亿元",
            "金额：金额 200亿元 超过单项奖补上限 1亿元（上限由 YINGSHANG_ITEM_AMOUNT_CEILING_YUAN 设定），"
            "请核对金额和单位（元、万元）",
        ),
    ],
)
def test_check_refuses_an_absurd_amount_naming_the_item_and_line(
    tmp_path: Path, amount: str, message: str
) -> None:
    hnte = "amount: 10万元\n        tags: [科技创新, 高企]"
    text = shipped_text().replace(hnte, hnte.replace("10万元", amount))
    lines = check_errors(tmp_path, text, "--districts", "渭滨区")
    refused = [line for line in lines if line.endswith(message)]
    assert len(refused) == 1 and "“新认定（复审）国家高新技术企业奖励”" in refused[0], lines
    assert re.search(r"\.yaml 第\d+行", refused[0])


def test_check_holds_items_to_the_configured_ceiling(tmp_path: Path, settings) -> None:
    settings.ITEM_AMOUNT_CEILING_YUAN = 50_000
    lines = check_errors(tmp_path, shipped_text(), "--districts", "渭滨区")
    assert any(
        "超过单项奖补上限 5万元（上限由 YINGSHANG_ITEM_AMOUNT_CEILING_YUAN 设定）" in line for line in lines
    )


def test_check_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        run("check", str(tmp_path / "nothing.yaml"))


def test_an_unknown_subcommand_is_refused_in_chinese() -> None:
    with pytest.raises(CommandError, match="无法识别的子命令"):
        run("publish")


# ---- evaluate (no database) ----------------------------------------------------------------------


def test_evaluate_writes_one_row_per_enterprise_and_item_as_the_calculator_decides(tmp_path: Path) -> None:
    profiles = write_csv(tmp_path / "名录.csv", ROWS)
    quals = write_csv(tmp_path / "资质.csv", QUALIFICATIONS, QUALIFICATION_HEADERS)
    out, stdout, _ = evaluate(tmp_path, profiles, "out.csv", "--qualifications", str(quals))
    rows = read_out(out)
    assert len(rows) == 2 * current_item_count()
    assert {r["结论"] for r in rows} == {"符合", "需企业确认", "不符合"}
    pack, _ = rules.load_pack(shipped_text())
    expected = {
        ACME: rules.calculate(
            pack,
            {
                "uscc": ACME,
                "entity_type": "enterprise",
                "district": "渭滨区",
                "industry_code": "3911",
                "employees": 120,
                "annual_revenue_fen": 80_000_000_00,
                "qualifications": [
                    {
                        "kind": "hnte",
                        "level": "国家",
                        "certified_on": "2024-11-01",
                        "expires_on": "2027-10-31",
                    }
                ],
            },
            AS_OF,
        ),
        SHOP: rules.calculate(
            pack,
            {"uscc": SHOP, "entity_type": "individual", "district": "渭滨区", "qualifications": []},
            AS_OF,
        ),
    }
    for row in rows:
        result = expected[row["统一社会信用代码"]].result(row["奖励项编号"])
        assert row["结论代码"] == result.verdict.value
        assert row["金额（分）"] == ("" if result.amount_fen is None else str(result.amount_fen))
        assert row["不重复奖后应兑付（分）"] == str(result.payable_fen)
        assert row["原因代码"] == "；".join(result.codes)
    hnte = next(r for r in rows if r["统一社会信用代码"] == ACME and r["奖励项编号"] == HNTE_ITEM)
    assert hnte["结论"] == "符合" and hnte["金额（分）"] == "10000000" and "满足" in hnte["原因"]
    assert "已测算 2 户" in stdout and "新认定（复审）国家高新技术企业奖励：符合 1" in stdout


def test_evaluate_reads_a_gb18030_csv(tmp_path: Path) -> None:
    out, _, _ = evaluate(tmp_path, write_csv(tmp_path / "名录.csv", ROWS, encoding="gb18030"))
    assert {r["名称"] for r in read_out(out)} == {"宝鸡示例科技有限公司", "渭滨区小吃店"}
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # like any file the user writes, not mkstemp's 0600


def test_evaluate_reads_a_workbook_with_its_qualification_sheet_and_writes_xlsx(tmp_path: Path) -> None:
    profiles = write_xlsx(tmp_path / "名录.xlsx", ROWS, QUALIFICATIONS)
    out, _, stderr = evaluate(tmp_path, profiles, "结果.xlsx")
    assert "未提供资质数据" not in stderr
    sheet = openpyxl.load_workbook(out).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header[0] == "统一社会信用代码" and "不重复奖后应兑付（分）" in header
    hnte = next(r for r in body if r[0] == ACME and r[4] == HNTE_ITEM)
    assert hnte[header.index("结论")] == "符合" and hnte[header.index("金额（分）")] == 10_000_000


def test_evaluate_reads_and_writes_parquet_with_lists_kept(tmp_path: Path) -> None:
    table = pa.table({h: [r[i] for r in ROWS] for i, h in enumerate(HEADERS)})
    table = table.set_column(HEADERS.index("从业人数"), "从业人数", pa.array([120, 3], pa.int64()))
    table = table.set_column(
        HEADERS.index("成立日期"), "成立日期", pa.array([dt.date(2018, 5, 1), dt.date(2021, 3, 15)])
    )
    pq.write_table(table, tmp_path / "名录.parquet")
    out, _, _ = evaluate(tmp_path, tmp_path / "名录.parquet", "out.parquet")
    frame = pl.read_parquet(out)
    assert frame.height == 2 * current_item_count()
    assert frame.schema["reason_codes"] == pl.List(pl.String) and frame.schema["amount_fen"] == pl.Int64
    assert set(frame["verdict"].unique()) <= {"eligible", "needs_confirmation", "not_eligible"}


def test_without_qualifications_every_qualification_condition_needs_confirmation(tmp_path: Path) -> None:
    out, _, stderr = evaluate(tmp_path, write_csv(tmp_path / "名录.csv", ROWS))
    assert "未提供资质数据" in stderr
    hnte = next(r for r in read_out(out) if r["统一社会信用代码"] == ACME and r["奖励项编号"] == HNTE_ITEM)
    assert hnte["结论"] == "需企业确认" and "高新技术企业" in hnte["需确认事项"]


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "主体类型"]
    rows = [[c for h, c in zip(HEADERS, r, strict=True) if h != "主体类型"] for r in ROWS]
    with pytest.raises(CommandError, match="缺少必填列：主体类型"):
        evaluate(tmp_path, write_csv(tmp_path / "名录.csv", rows, headers))


def test_bad_values_are_named_by_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    rows = [
        [ACME[:-1] + "0", *ROWS[0][1:]],
        [SHOP, "渭滨区小吃店", "个体工商户", "6210", "渭滨区", "2021-02-30", "三人", ""],
    ]
    with pytest.raises(CommandError) as raised:
        evaluate(tmp_path, write_csv(tmp_path / "名录.csv", rows))
    message = str(raised.value)
    assert "3 处问题" in message and "未写出文件" in message
    assert "名录.csv 第 2 行“统一社会信用代码”列" in message and "校验位" in message
    assert "第 3 行“成立日期”列" in message and "第 3 行“从业人数”列" in message
    assert not (tmp_path / "out.csv").exists()


def test_a_qualification_of_an_enterprise_not_in_the_file_is_refused(tmp_path: Path) -> None:
    other = make_uscc("91610303MA6X00009")
    quals = write_csv(
        tmp_path / "资质.csv", [[other, "高企", "国家", "2025-01-01", ""]], QUALIFICATION_HEADERS
    )
    with pytest.raises(CommandError, match="不在企业名录中"):
        evaluate(tmp_path, write_csv(tmp_path / "名录.csv", ROWS), "out.csv", "--qualifications", str(quals))


def test_a_duplicated_enterprise_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="重复"):
        evaluate(tmp_path, write_csv(tmp_path / "名录.csv", [ROWS[0], ROWS[0]]))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名录.xls", b"x", "只支持"),
        ("名录.csv", b"", "0 字节"),
        ("名录.xlsx", b"not a zip", "不是 Excel 工作簿"),
        ("名录.parquet", b"not parquet", "Parquet"),
        ("名录.csv", "名称,地址\n甲,乙\n".encode(), "没有找到表头"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        evaluate(tmp_path, path)


def test_an_output_file_of_an_unknown_kind_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="扩展名应为"):
        evaluate(tmp_path, write_csv(tmp_path / "名录.csv", ROWS), "out.json")
    assert not list(tmp_path.glob(".evaluate-*"))


def test_a_pack_with_errors_evaluates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    bad = pack_file(tmp_path, with_hnte_amount(12, update_cases=False))
    profiles = write_csv(tmp_path / "名录.csv", ROWS)
    with pytest.raises(CommandError, match="处错误，未测算"):
        run("evaluate", "--pack", str(bad), "--profiles", str(profiles), "--out", str(out))
    assert not out.exists()


def test_a_bad_day_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="日期“2026-02-30”无效"):
        run("evaluate", "--pack", "x", "--profiles", "y", "--out", "z.csv", "--as-of", "2026-02-30")


@pytest.mark.slow
def test_evaluate_runs_on_a_machine_without_a_database(tmp_path: Path) -> None:
    database = tmp_path / "never-created.sqlite3"
    env = {**os.environ, "YINGSHANG_DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(REPO)}
    out = tmp_path / "out.csv"
    profiles = write_csv(tmp_path / "名录.csv", ROWS)
    command = ["policies", "evaluate", "--pack", str(pack_file(tmp_path)), "--profiles", str(profiles)]
    completed = subprocess.run(
        [sys.executable, "-m", "yingshang", *command, "--out", str(out), "--as-of", "2026-06-30"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(read_out(out)) == 2 * current_item_count()
    assert not database.exists()  # not even opened


# ---- with a database -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sync_then_match_store_a_run_and_print_its_figures(world) -> None:
    stdout, _ = run("sync")
    assert MEASURES in stdout and "现行版本" in stdout
    stdout, stderr = run("match", "--as-of", AS_OF.isoformat())
    run_row = MatchRun.objects.get()
    assert run_row.state == "done" and run_row.as_of == AS_OF
    assert f"批次 {run_row.pk}" in stdout and "2 户" in stdout and "应兑付 10万元" in stdout
    assert "读取企业画像" in stderr and "写入结果" in stderr  # the progress bars


@pytest.mark.django_db
def test_match_without_a_working_pack_says_what_to_do(world) -> None:
    with pytest.raises(CommandError, match="policies sync"):
        run("match")


@pytest.mark.django_db
def test_whatif_prints_each_item_current_against_draft(world, tmp_path: Path) -> None:
    run("sync")
    draft = tmp_path / "草稿.yaml"
    draft.write_text(with_hnte_amount(20), encoding="utf-8")
    stdout, _ = run("whatif", "--draft", str(draft), "--as-of", AS_OF.isoformat())
    line = next(text for text in stdout.splitlines() if "国家高新技术企业奖励" in text)
    assert "[已修改]" in line and "应兑付 10万元 → 20万元" in line
    assert "合计：应兑付 10万元 → 20万元" in stdout
    assert not MatchRun.objects.exists()


@pytest.mark.django_db
def test_whatif_with_a_broken_draft_lists_its_errors(world, tmp_path: Path) -> None:
    run("sync")
    draft = tmp_path / "草稿.yaml"
    draft.write_text(with_hnte_amount(20, update_cases=False), encoding="utf-8")
    with pytest.raises(CommandError, match="处错误，未测算"):
        run("whatif", "--draft", str(draft))
    with pytest.raises(CommandError, match="找不到文件"):
        run("whatif", "--draft", str(tmp_path / "无.yaml"))
