"""Sub-command parsers that say argparse's errors in Chinese and point to the command's own --help;
errors on the command line as `错误：…`; the progress bar a phase."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import yingshang
from yingshang.core.commands import ChineseCommand, PhaseBar, YingshangCommand, in_chinese, iso_date_option


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("the following arguments are required: n", "缺少参数：n"),
        ("unrecognized arguments: 2 3", "多余的参数：2 3"),
        (
            "argument 子命令: invalid choice: 'frob' (choose from add, between)",
            "无法识别的子命令“frob”，可用：add, between",
        ),
        ("argument --as-of: expected one argument", "参数 --as-of 需要一个值"),
        ("something argparse never said before", "命令参数有误（something argparse never said before）"),
    ],
)
def test_argparse_messages_are_said_in_chinese(english: str, chinese: str) -> None:
    assert in_chinese(english) == chinese


class Sample(ChineseCommand):
    def add_arguments(self, parser) -> None:
        actions = self.add_subcommands(parser)
        add = actions.add_parser("add")
        add.add_argument("n")

    def handle(self, *args, **options) -> str:
        return f"{options['action']} {options['n']}"


def parse(*argv: str) -> object:
    parser = Sample().create_parser("", "sample")
    return parser.parse_args(argv)


def test_a_good_command_line_names_the_sub_command_as_action() -> None:
    options = parse("add", "3")
    assert (options.action, options.n) == ("add", "3")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "缺少参数：子命令。用法见 yingshang sample --help"),
        (("frob",), "无法识别的子命令“frob”，可用：'add'。用法见 yingshang sample --help"),
        (("add",), "缺少参数：n。用法见 yingshang sample --help"),
        (("add", "3", "4"), "多余的参数：4。用法见 yingshang sample --help"),
    ],
)
def test_a_bad_command_line_is_a_chinese_command_error_naming_the_help(argv: tuple, message: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse(*argv)
    assert str(refused.value) == message


def test_on_the_command_line_the_error_goes_to_stderr_with_exit_code_2(capsys) -> None:
    command = Sample()
    command._called_from_command_line = True
    parser = command.create_parser("yingshang", "sample")
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["add"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: yingshang sample add")
    assert err.endswith("错误：缺少参数：n。用法见 yingshang sample --help\n")


def test_a_phase_bar_draws_one_bar_a_phase_in_that_phase_unit() -> None:
    stream = StringIO()
    bar = PhaseBar(unit=lambda phase: "个政策包" if "计算" in phase else "条", stream=stream, ascii=True)
    bar("读取", 0, None)
    bar("读取", 40, 100)  # the total becomes known on the way
    bar("读取", 100, 100)
    bar("计算", 1, 2)
    bar("计算", 2, 2)
    bar.close()
    bar.close()  # closing twice is harmless
    lines = [line for line in stream.getvalue().replace("\r", "\n").splitlines() if line.strip()]
    assert any(line.startswith("读取: 100%") and "100/100 [" in line and "条/s" in line for line in lines)
    assert any(line.startswith("计算: 100%") and "2/2 [" in line and "个政策包/s" in line for line in lines)
    assert bar.bar is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, None), ("2026-06-30", dt.date(2026, 6, 30)), (" 2026-10-10 ", dt.date(2026, 10, 10))],
)
def test_a_date_option_reads_an_iso_day_or_nothing(text, expected) -> None:
    assert iso_date_option(text) == expected


@pytest.mark.parametrize("text", ["2026/06/30", "2026-02-30", "明天", ""])
def test_a_bad_date_option_is_refused_in_chinese(text) -> None:
    with pytest.raises(CommandError, match="应为 YYYY-MM-DD 格式"):
        iso_date_option(text)


# --- errors on the command line -------------------------------------------------------------------


class Failing(ChineseCommand):
    def handle(self, *args, **options) -> None:
        raise CommandError("找不到文件：名录.xlsx", returncode=3)


def test_an_error_on_the_command_line_reads_cuowu_not_commanderror() -> None:
    stderr = StringIO()
    with pytest.raises(SystemExit) as exited:
        Failing(stderr=stderr).run_from_argv(["yingshang", "failing"])
    assert exited.value.code == 3
    assert stderr.getvalue() == "错误：找不到文件：名录.xlsx\n"


def test_call_command_in_code_still_gets_the_exception_itself() -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        call_command(Failing())


def test_traceback_asks_for_the_exception_as_django_does() -> None:
    with pytest.raises(CommandError):
        Failing(stderr=StringIO()).run_from_argv(["yingshang", "failing", "--traceback"])


def test_every_command_of_ours_says_its_errors_in_chinese() -> None:
    root = Path(yingshang.__file__).resolve().parent
    found = {}
    for path in sorted(root.glob("*/management/commands/*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(".".join(path.relative_to(root.parent).with_suffix("").parts))
        found[path.stem] = issubclass(module.Command, YingshangCommand)
    assert len(found) >= 10
    assert [name for name, ok in found.items() if not ok] == []


@pytest.mark.slow
def test_the_console_command_prints_cuowu_before_the_message(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("YINGSHANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        YINGSHANG_DATA_DIR=str(tmp_path), PYTHONPATH=str(Path(yingshang.__file__).resolve().parents[1])
    )
    done = subprocess.run(
        [sys.executable, "-m", "yingshang", "policies", "check", "没有这个文件.yaml"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    # A notice (districts not checked without a database) may come first; the error is the last line.
    assert done.stderr.strip().splitlines()[-1] == "错误：找不到文件：没有这个文件.yaml"
