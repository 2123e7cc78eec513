"""`yingshang appeals train` and `route`: files in, a report and a model or routed rows out, no database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from yingshang.__main__ import needs_database
from yingshang.appeals import routing
from yingshang.appeals import services as appeal_services
from yingshang.appeals.testing import submitted
from yingshang.appeals.tests.routing_samples import LABELS, UNSEEN, samples, segmented
from yingshang.core import clock
from yingshang.core.spreadsheets import Sheet, save_workbook

REPO = Path(__file__).resolve().parents[3]
HEADERS = ["编号", "留言主题", "留言详情", "一级分类"]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("appeals", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def history(segment: bool = False) -> list[list[str]]:
    """Labelled rows: the subject is the first clause, the details the rest."""
    texts, labels = samples()
    rows = []
    for number, (text, label) in enumerate(zip(texts, labels, strict=True), start=1):
        subject, details = text.split("，", 1)
        if segment:
            subject, details = segmented(subject), segmented(details)
        rows.append([str(number), subject, details, label])
    return rows


def write_csv(
    path: Path, rows: list[list[str]], headers: list[str] = HEADERS, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    save_workbook([Sheet(title="留言", headers=headers, rows=rows)], path)
    return path


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def train(tmp_path: Path, data: Path | None = None) -> Path:
    model = tmp_path / "model.npz"
    data = data or write_csv(tmp_path / "历史.csv", history(segment=True))
    run(
        "train",
        "--data",
        str(data),
        "--text",
        "留言主题,留言详情",
        "--label",
        "一级分类",
        "--out",
        str(model),
    )
    return model


# ---- train ---------------------------------------------------------------------------------------


def test_train_prints_the_cross_validated_report_and_saves_the_model(tmp_path: Path) -> None:
    model = tmp_path / "分拨模型.npz"
    data = write_csv(tmp_path / "历史.csv", [*history(segment=True), ["99", *history(segment=True)[0][1:]]])
    out, err = run(
        "train",
        "--data",
        str(data),
        "--text",
        "留言主题，留言详情",
        "--label",
        "一级分类",
        "--out",
        str(model),
    )
    assert "分层 5 折交叉验证（36 条，去掉重复行 1 条）" in out
    assert "精确率" in out and "召回率" in out and "F1" in out and "样本数" in out
    for label in LABELS:
        assert label in out
    assert "混淆矩阵" in out and "1. 交通运输" in out
    assert "宏平均 F1（macro-F1）：1.0000" in out
    loaded = routing.load(model)
    assert f"版本 {loaded.version}" in out
    assert loaded.labels == LABELS and loaded.metadata["n_samples"] == 36
    assert loaded.metadata["trained_at"].startswith("20")  # core.clock's moment, ISO
    assert "5 折交叉验证与训练" in err  # the progress bar


@pytest.mark.parametrize("kind", ["xlsx", "utf-8-sig", "gb18030"])
def test_train_reads_excel_and_csv_in_the_usual_encodings(kind: str, tmp_path: Path) -> None:
    if kind == "xlsx":
        data = write_xlsx(tmp_path / "历史.xlsx", history())
    else:
        data = write_csv(tmp_path / "历史.csv", history(), encoding=kind)
    model = train(tmp_path, data)
    assert routing.load(model).labels == LABELS


def test_train_finds_the_header_below_a_title_row(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "历史.csv", [HEADERS, *history()], headers=["2026 年上半年留言", "", "", ""])
    assert routing.load(train(tmp_path, data)).metadata["n_samples"] == 36


def test_train_names_the_rows_without_a_label_as_the_spreadsheet_numbers_them(tmp_path: Path) -> None:
    rows = history()
    rows[2][3] = ""
    rows[4][3] = " "
    data = write_csv(tmp_path / "历史.csv", rows)
    with pytest.raises(CommandError, match=r"“历史\.csv”第 4、6 行没有类别"):
        train(tmp_path, data)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[str(i), "公交", f"不停站{i}", "交通运输"] for i in range(8)], "训练数据只有一个类别“交通运输”"),
        (
            [*history(), ["90", "公园", "健身器材坏了", "园林绿化"]],
            "类别“园林绿化”只有 1 条（去掉重复行后）。5 折交叉验证要求每个类别至少 5 条",
        ),
        ([*history(), ["90", "", "", "交通运输"]], "“历史.csv”第 38 行文本为空"),
    ],
)
def test_train_refuses_a_history_it_cannot_learn_from(
    rows: list[list[str]], message: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=message):
        train(tmp_path, write_csv(tmp_path / "历史.csv", rows))
    assert not (tmp_path / "model.npz").exists()


def test_train_lists_the_columns_there_are_when_one_is_unknown(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "历史.csv", history())
    with pytest.raises(CommandError) as caught:
        run(
            "train",
            "--data",
            str(data),
            "--text",
            "标题,留言详情",
            "--label",
            "分类",
            "--out",
            str(tmp_path / "m"),
        )
    message = str(caught.value)
    assert "“历史.csv”中没有列“标题”、“分类”" in message
    assert "文件中的列有：“编号”、“留言主题”、“留言详情”、“一级分类”" in message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("缺失.csv", None, "找不到文件"),
        ("历史.txt", b"a,b\n", "只支持 .xlsx 和 .csv 文件"),
        ("历史.xlsx", "留言主题,一级分类\n".encode(), "内容不是 Excel 工作簿"),
        ("历史.csv", b"", "是空的（0 字节）"),
        ("历史.csv", b"\xff\xfe\x00a", "UTF-16"),
        ("历史.csv", "留言主题,留言详情,一级分类\n".encode(), "只有表头，没有数据行"),
    ],
)
def test_train_says_why_a_file_cannot_be_read(
    name: str, content: bytes | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        train(tmp_path, path)


def test_train_checks_the_out_folder_and_the_folds_before_it_reads(tmp_path: Path) -> None:
    data = str(tmp_path / "never-read.csv")
    args = ["train", "--data", data, "--text", "留言详情", "--label", "一级分类"]
    with pytest.raises(CommandError, match="输出文件夹不存在"):
        run(*args, "--out", str(tmp_path / "no-such-folder" / "m.npz"))
    with pytest.raises(CommandError, match="--folds 应在 2 到 20 之间，现为 1"):
        run(*args, "--out", str(tmp_path / "m.npz"), "--folds", "1")


# ---- route ---------------------------------------------------------------------------------------


def incoming() -> list[list[str]]:
    rows = [[str(i), text[:6], text, ""] for i, (text, _) in enumerate(UNSEEN, start=101)]
    rows.append(["104", "", "", ""])  # nothing said
    rows.append(["105", '=HYPERLINK("http://x")', "工厂偷排污水，河水发黑", "备注"])
    return rows


def test_route_writes_every_row_with_the_predicted_category_and_confidence(tmp_path: Path) -> None:
    model = train(tmp_path)
    data = write_csv(tmp_path / "待分拨.csv", incoming(), headers=["编号", "留言主题", "留言详情", "备注"])
    out_file = tmp_path / "结果.csv"
    out, err = run(
        "route",
        "--model",
        str(model),
        "--data",
        str(data),
        "--text",
        "留言主题,留言详情",
        "--out",
        str(out_file),
    )
    rows = read_csv(out_file)
    assert rows[0] == ["编号", "留言主题", "留言详情", "备注", "预测类别", "置信度"]
    assert [r[0] for r in rows[1:]] == ["101", "102", "103", "104", "105"]
    assert [r[4] for r in rows[1:]] == [*(label for _, label in UNSEEN), "", "环境保护"]
    assert all(0.5 < float(r[5]) <= 1 for r in rows[1:4]) and rows[4][5] == ""
    assert rows[5][1].startswith("'=")  # a formula-like cell is written as text
    assert "已分拨 4 条" in out and "写入" in out
    assert "“待分拨.csv”第 5 行文本为空，未分拨" in err


def test_route_writes_excel_with_formula_like_cells_as_text(tmp_path: Path) -> None:
    model = train(tmp_path)
    data = write_xlsx(tmp_path / "待分拨.xlsx", incoming(), headers=["编号", "留言主题", "留言详情", "备注"])
    out_file = tmp_path / "结果.xlsx"
    run("route", "--model", str(model), "--data", str(data), "--text", "留言详情", "--out", str(out_file))
    sheet = openpyxl.load_workbook(out_file).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][-2:] == ["预测类别", "置信度"]
    assert values[1][-2] == "交通运输" and isinstance(values[1][-1], float)
    formula_cell = sheet.cell(row=6, column=2)
    assert formula_cell.data_type == "s" and formula_cell.value == '=HYPERLINK("http://x")'


def test_route_keeps_short_rows_and_extra_cells_in_their_columns(tmp_path: Path) -> None:
    model = train(tmp_path)
    data = tmp_path / "待分拨.csv"
    data.write_text("编号,留言详情\n1,公交车不停站\n2\n", encoding="utf-8")
    out_file = tmp_path / "结果.csv"
    run("route", "--model", str(model), "--data", str(data), "--text", "留言详情", "--out", str(out_file))
    rows = read_csv(out_file)
    assert rows[0] == ["编号", "留言详情", "预测类别", "置信度"]
    assert rows[1][:3] == ["1", "公交车不停站", "交通运输"]
    assert rows[2] == ["2", "", "", ""]  # the short row padded, nothing to route


@pytest.mark.parametrize(
    ("model_name", "out_name", "message"),
    [
        ("缺失.npz", "结果.csv", "缺失.npz：找不到模型文件"),
        ("历史.csv", "结果.csv", "不是分拨模型文件"),
        ("model.npz", "结果.json", "扩展名应为 .csv 或 .xlsx"),
    ],
)
def test_route_refuses_a_bad_model_or_out_file(
    model_name: str, out_name: str, message: str, tmp_path: Path
) -> None:
    train(tmp_path)  # model.npz and 历史.csv
    data = write_csv(tmp_path / "待分拨.csv", incoming(), headers=["编号", "留言主题", "留言详情", "备注"])
    args = ["--data", str(data), "--text", "留言详情", "--out", str(tmp_path / out_name)]
    with pytest.raises(CommandError, match=message):
        run("route", "--model", str(tmp_path / model_name), *args)


def test_route_lists_the_columns_there_are_when_one_is_unknown(tmp_path: Path) -> None:
    model = train(tmp_path)
    data = write_csv(tmp_path / "待分拨.csv", incoming(), headers=["编号", "留言主题", "留言详情", "备注"])
    with pytest.raises(
        CommandError, match=r"没有列“内容”.*文件中的列有：“编号”、“留言主题”、“留言详情”、“备注”"
    ):
        run(
            "route",
            "--model",
            str(model),
            "--data",
            str(data),
            "--text",
            "内容",
            "--out",
            str(tmp_path / "o.csv"),
        )


def test_a_missing_sub_command_is_said_in_chinese() -> None:
    with pytest.raises(CommandError, match="缺少参数"):
        run()


# ---- without a database --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["train", "route"])
def test_train_and_route_are_let_through_without_a_migrated_database(action: str) -> None:
    assert not needs_database(["appeals", action, "--data", "x.csv"])


@pytest.mark.slow
def test_train_and_route_run_on_a_machine_without_a_database(tmp_path: Path) -> None:
    database = tmp_path / "never-created.sqlite3"
    env = {**os.environ, "YINGSHANG_DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(REPO)}
    data = write_csv(tmp_path / "历史.csv", history(segment=True))
    model, out = tmp_path / "model.npz", tmp_path / "结果.xlsx"
    commands = [
        [
            "train",
            "--data",
            str(data),
            "--text",
            "留言主题,留言详情",
            "--label",
            "一级分类",
            "--out",
            str(model),
        ],
        ["route", "--model", str(model), "--data", str(data), "--text", "留言详情", "--out", str(out)],
    ]
    for command in commands:
        completed = subprocess.run(
            [sys.executable, "-m", "yingshang", "appeals", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert completed.returncode == 0, completed.stderr
    assert out.exists() and not database.exists()  # not even opened


def test_an_error_reaches_the_command_line_in_chinese(tmp_path: Path) -> None:
    arguments = ["--model", "m.npz", "--data", "d.csv", "--text", "留言详情", "--out", "o.csv"]
    completed = subprocess.run(
        [sys.executable, "-m", "yingshang", "appeals", "route", *arguments],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert completed.returncode == 1
    assert completed.stderr.strip() == "错误：m.npz：找不到模型文件"


@pytest.mark.django_db
def test_sweep_warns_and_supervises_and_says_how_many(world) -> None:
    appeal_services.dispatch_appeal(
        submitted(world.weibin, kind="consult"), world.weibin_samr, by=world.admin
    )
    clock.move_to(dt.date(2026, 12, 2))
    out = io.StringIO()
    call_command("appeals", "sweep", stdout=out)
    assert out.getvalue().strip() == "预警 0 件，督办 1 件（2026-12-02）"
    out = io.StringIO()
    call_command("appeals", "sweep", stdout=out)
    assert out.getvalue().strip().startswith("预警 0 件，督办 0 件")
