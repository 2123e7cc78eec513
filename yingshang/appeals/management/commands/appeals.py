"""`yingshang appeals …`: 接诉即办 on the command line.

    yingshang appeals train --data FILE --text COLUMN[,COLUMN] --label COLUMN --out MODEL [--folds 5]
        train the routing model from labelled history (.csv or .xlsx); prints the stratified
        cross-validated report (per class precision, recall, F1, confusion matrix, macro-F1)
    yingshang appeals sweep
        预警 and 督办 over every open appeal (run daily by a timer; running it again changes nothing)
    yingshang appeals route --model MODEL --data FILE --text COLUMN[,COLUMN] --out FILE
        route every row of a file: the rows as they were plus 预测类别 and 置信度 (.csv or .xlsx by
        the out file's extension)

`train` and `route` never touch the database (NO_DATABASE_ACTIONS in yingshang/__main__.py): an analyst
runs them on any machine. Errors go to stderr in Chinese with exit code 1.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from yingshang.appeals import routing, services
from yingshang.appeals.training import Rows, column_names, read_rows
from yingshang.core import clock
from yingshang.core import spreadsheets as ss
from yingshang.core.commands import ChineseCommand

PREDICTED = "预测类别"
CONFIDENCE = "置信度"
MAX_FILE_BYTES = 1024 * 1024 * 1024  # a file on the analyst's own machine: no upload limit applies
OUT_SUFFIXES = (".csv", ".xlsx")
MAX_ROWS_SHOWN = 10


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def report_lines(report: routing.EvaluationReport) -> Iterator[str]:
    """The cross-validated report as a Chinese table (class, precision, recall, F1, samples), the
    confusion matrix and macro-F1."""
    dropped = f"，去掉重复行 {report.duplicates:,} 条" if report.duplicates else ""
    yield f"分层 {report.folds} 折交叉验证（{report.n_samples:,} 条{dropped}）："
    name_width = max(8, *(_width(label) for label in report.labels)) + 2
    yield _left("类别", name_width) + "".join(_right(h, 10) for h in ("精确率", "召回率", "F1", "样本数"))
    for c in report.classes:
        figures = [f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", f"{c.support:,}"]
        yield _left(c.label, name_width) + "".join(_right(f, 10) for f in figures)
    yield ""
    yield "混淆矩阵（行为实际类别，列为预测类别，列序同行序）："
    cell = max(6, len(f"{report.n_samples:,}") + 2)
    yield _left("", name_width) + "".join(_right(str(i + 1), cell) for i in range(len(report.labels)))
    for i, (label, row) in enumerate(zip(report.labels, report.confusion, strict=True)):
        yield _left(f"{i + 1}. {label}", name_width) + "".join(_right(f"{n:,}", cell) for n in row)
    yield ""
    if report.conflicts:
        yield f"注意：有 {report.conflicts:,} 段文本在不同行中标了不同类别（均已保留），请核对标注"
    yield f"准确率 {report.accuracy:.4f}"
    yield f"宏平均 F1（macro-F1）：{report.macro_f1:.4f}"


def _out_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in OUT_SUFFIXES:
        raise CommandError(f"输出文件“{path.name}”的扩展名应为 .csv 或 .xlsx")
    return suffix


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise CommandError(f"输出文件夹不存在：{path.parent}")


def _rows_text(numbers: Sequence[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:MAX_ROWS_SHOWN])
    return f"第 {shown} 行" + (f" 等 {len(numbers):,} 行" if len(numbers) > MAX_ROWS_SHOWN else "")


class Command(ChineseCommand):
    help = "接诉即办：训练分拨模型、用模型分拨文件中的诉求（均无需数据库）；扫描期限（预警、督办）"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = self.add_subcommands(parser)
        self.add_train(actions)
        self.add_route(actions)
        actions.add_parser(
            "sweep", help="扫描全部在办诉求：临近办结期限的预警，超期的督办（由定时任务每天运行，可重复运行）"
        )

    def add_train(self, actions: argparse._SubParsersAction) -> None:
        train = actions.add_parser(
            "train", help="不用数据库：用已标注类别的历史诉求训练分拨模型，打印交叉验证报告"
        )
        self.add_data_options(train, "历史诉求：.csv（UTF-8 或 GB18030）或 .xlsx")
        train.add_argument("--label", required=True, metavar="COLUMN", help="类别所在列，如 一级分类")
        train.add_argument("--out", required=True, metavar="MODEL", help="模型文件，如 分拨模型.npz")
        train.add_argument("--folds", type=int, default=5, help="交叉验证折数，默认 5")

    def add_route(self, actions: argparse._SubParsersAction) -> None:
        route = actions.add_parser(
            "route", help="不用数据库：用模型分拨文件中的每一行，输出原有各列加“预测类别”“置信度”"
        )
        route.add_argument("--model", required=True, metavar="MODEL", help="appeals train 生成的模型文件")
        self.add_data_options(route, "待分拨的诉求：.csv 或 .xlsx")
        route.add_argument("--out", required=True, metavar="FILE", help="输出文件：.csv 或 .xlsx（按扩展名）")

    @staticmethod
    def add_data_options(parser: CommandParser, what: str) -> None:
        parser.add_argument("--data", required=True, metavar="FILE", help=what)
        parser.add_argument(
            "--text",
            required=True,
            metavar="COLUMN[,COLUMN]",
            help="文本所在列，多列用逗号分隔，如 留言主题,留言详情",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        {"train": self.train, "route": self.route, "sweep": self.sweep}[options["action"]](options)

    def sweep(self, options: dict[str, Any]) -> None:
        result = services.sweep_deadlines()
        self.say(f"预警 {result.warned:,} 件，督办 {result.supervised:,} 件（{clock.today():%Y-%m-%d}）")

    def say(self, text: str) -> None:
        self.stdout.write(text)

    def _read(self, path: Path, text_columns: list[str], label_column: str | None) -> Rows:
        try:
            return read_rows(path, text_columns, label_column, max_bytes=MAX_FILE_BYTES)
        except routing.RoutingError as exc:
            raise CommandError(str(exc)) from None

    def _text_columns(self, options: dict[str, Any]) -> list[str]:
        columns = column_names(options["text"])
        if not columns:
            raise CommandError("--text 应给出至少一个列名，如 --text 留言主题,留言详情")
        return columns

    def train(self, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        _check_folder(out)
        folds = options["folds"]
        if not 2 <= folds <= 20:
            raise CommandError(f"--folds 应在 2 到 20 之间，现为 {folds}")
        data = self._read(Path(options["data"]), self._text_columns(options), options["label"].strip())
        stream = getattr(self.stderr, "_out", sys.stderr)  # the raw stream: tqdm redraws the line itself
        bar = tqdm(desc=f"{folds} 折交叉验证与训练", unit="步", file=stream, total=folds + 1)
        try:
            model = routing.train(
                data.texts(),
                data.labels(),
                folds=folds,
                trained_at=clock.now().isoformat(),
                rows=data.numbers(),
                progress=lambda done, _total: bar.update(done - bar.n),
            )
        except routing.RoutingError as exc:
            raise CommandError(f"“{data.file}”{exc.message}") from None
        finally:
            bar.close()
        try:
            routing.save(model, out)
        except routing.RoutingError as exc:
            raise CommandError(str(exc)) from None
        for line in report_lines(model.report):
            self.say(line)
        self.say(f"模型已保存到 {out}（版本 {model.version}，{len(model.labels)} 个类别）")

    def route(self, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        suffix = _out_suffix(out)
        _check_folder(out)
        try:
            model = routing.load(options["model"])
        except routing.RoutingError as exc:
            raise CommandError(str(exc)) from None
        data = self._read(Path(options["data"]), self._text_columns(options), None)
        texts = data.texts()
        routable = [i for i, text in enumerate(texts) if routing.normalize_text(text)]
        predictions = dict(zip(routable, model.predict([texts[i] for i in routable]), strict=True))
        width = len(data.header)
        rows = []
        for i, (_, cells) in enumerate(data.rows):
            found = predictions.get(i)
            padded = list(cells[:width]) + [None] * (width - len(cells))
            rows.append(
                [*padded, found.label if found else "", round(found.confidence, 4) if found else None]
            )
        headers = [*data.header, PREDICTED, CONFIDENCE]
        try:
            if suffix == ".xlsx":
                ss.save_workbook([ss.Sheet(title="分拨结果", headers=headers, rows=rows)], out)
            else:
                out.write_bytes(ss.write_csv(headers, rows))
        except OSError as exc:
            raise CommandError(f"无法写入“{out}”：{exc.strerror or exc}") from None
        empty = [data.rows[i][0] for i in range(len(texts)) if i not in predictions]
        if empty:
            self.stderr.write(f"“{data.file}”{_rows_text(empty)}文本为空，未分拨（“{PREDICTED}”留空）")
        counts: dict[str, int] = {}
        for prediction in predictions.values():
            counts[prediction.label] = counts.get(prediction.label, 0) + 1
        spread = "，".join(f"{label} {n:,}" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        self.say(f"已分拨 {len(predictions):,} 条（模型版本 {model.version}），写入 {out}")
        if spread:
            self.say(f"各类别：{spread}")
