"""What our management commands share: errors said as `错误：…` (not Django's English `CommandError: …`),
sub-commands whose argument errors are told in Chinese, and a progress bar per phase of a long job.

Every command of ours subclasses `YingshangCommand` (or `ChineseCommand`, which is one); a test in
core/tests/test_commands.py walks the apps' commands to keep it so.

argparse speaks English; the few messages a user can meet on our command lines are said again in
Chinese, with a pointer to the command's own `--help`:

    class Command(ChineseCommand):
        def add_arguments(self, parser):
            actions = self.add_subcommands(parser)
            actions.add_parser("add", help="…")
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError
from tqdm import tqdm

_ARGPARSE_MESSAGES = [
    (re.compile(r"the following arguments are required: (.*)"), "缺少参数：{0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "多余的参数：{0}"),
    (
        re.compile(r"argument \S+: invalid choice: '?([^' ]*)'? \(choose from (.*)\)"),
        "无法识别的子命令“{0}”，可用：{1}",
    ),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 需要一个值"),
]


def in_chinese(message: str) -> str:
    """argparse's English error message said in Chinese; one we do not know is quoted as it is."""
    for pattern, chinese in _ARGPARSE_MESSAGES:
        match = pattern.search(message)
        if match:
            return chinese.format(*match.groups())
    return f"命令参数有误（{message}）"


def iso_date_option(text: str | None) -> dt.date | None:
    """A `--as-of`-style option: None when not given, else a YYYY-MM-DD day or a Chinese error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，如 2026-06-30") from None


ERROR_PREFIX = "错误："


class YingshangCommand(BaseCommand):
    """A command whose CommandError reads `错误：<message>` on the command line. Django's run_from_argv
    prints the exception's class name before the message; catching it one step earlier, in execute(),
    keeps the rest of Django's handling (exit status, closing connections, --traceback)."""

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except SystemCheckError:
            raise  # formats itself
        except CommandError as error:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise  # call_command() in code and tests gets the exception itself
            self.stderr.write(f"{ERROR_PREFIX}{error}")
            sys.exit(error.returncode)


class ChineseCommandParser(CommandParser):
    """A CommandParser whose errors are in Chinese and name where to read the usage."""

    usage_hint = "yingshang help"

    def error(self, message: str) -> None:  # type: ignore[override]
        text = f"{in_chinese(message)}。用法见 {self.usage_hint}"
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{ERROR_PREFIX}{text}\n")
        raise CommandError(text)


def chinese_parser_class(command: str) -> type[ChineseCommandParser]:
    """The parser class for `yingshang <command>`: its errors point to `yingshang <command> --help`."""
    return type(
        "ChineseCommandParser", (ChineseCommandParser,), {"usage_hint": f"yingshang {command} --help"}
    )


class ChineseCommand(YingshangCommand):
    """A command whose parser, and the sub-command parsers made from it, say errors in Chinese."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Known before Django builds the parser, because add_arguments makes the sub-parsers inside it.
        self.parser_class = chinese_parser_class(subcommand)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = self.parser_class
        return parser

    def add_subcommands(self, parser: CommandParser) -> argparse._SubParsersAction:
        """The required sub-command slot (`options["action"]`), its parsers of the same Chinese kind."""
        return parser.add_subparsers(
            dest="action", required=True, title="子命令", metavar="子命令", parser_class=self.parser_class
        )


class PhaseBar:
    """A tqdm bar per phase, fed by the services' `progress(phase, done, total)` calls: a new phase
    closes the bar before it. `unit` may depend on the phase; other keywords go to tqdm."""

    def __init__(
        self, *, unit: str | Callable[[str], str] = "条", stream: Any = None, **options: Any
    ) -> None:
        self.unit, self.stream, self.options = unit, stream, options
        self.phase: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            unit = self.unit(phase) if callable(self.unit) else self.unit
            self.bar = tqdm(total=total, desc=phase, unit=unit, file=self.stream, **self.options)
        assert self.bar is not None
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
