"""dev.py's rules: when a run of passes counts as green, and when the suite runs in parallel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("dev", Path(__file__).resolve().parents[3] / "dev.py")
dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dev)

PASSED, FAILED, NOTHING_COLLECTED = 0, 1, 5


@pytest.mark.parametrize(
    ("codes", "narrowed", "green"),
    [
        ([PASSED, PASSED], False, True),
        ([PASSED], False, True),
        ([PASSED, FAILED], False, False),
        ([FAILED, PASSED], True, False),
        ([NOTHING_COLLECTED], False, False),  # a suite that tests nothing is not green
        ([PASSED, NOTHING_COLLECTED], False, False),
        ([NOTHING_COLLECTED, PASSED], True, True),  # `-k browser`: only the last pass has such tests
        ([NOTHING_COLLECTED, NOTHING_COLLECTED], True, False),
        ([NOTHING_COLLECTED], True, False),
    ],
)
def test_a_run_is_green_only_when_every_pass_tested_something_and_passed(codes, narrowed, green):
    results = [(f"pass {i}", code) for i, code in enumerate(codes)]
    assert (dev.verdict(results, narrowed=narrowed) == 0) is green


@pytest.mark.parametrize(("cpus", "arguments"), [(None, []), (1, []), (2, []), (3, []), (4, ["-n", "auto"])])
def test_the_suite_runs_in_parallel_only_on_four_cores_or_more(cpus, arguments):
    assert dev.parallel_arguments(cpus) == arguments


def test_an_unknown_command_is_refused_in_chinese(capsys):
    assert dev.main(["bogus"]) == 2
    assert "未知命令：bogus" in capsys.readouterr().err
