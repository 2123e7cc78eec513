"""dev.py's rules: when a run of passes counts as green, and when the suite runs in parallel."""

from __future__ import annotations

import importlib.util
import re
import shlex
import tomllib
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


def test_the_install_takes_the_locked_versions_by_hash_then_the_project_without_dependencies():
    _upgrade, locked, project, check = dev.install_commands("/venv/bin/python")
    assert locked[:3] == ["/venv/bin/python", "-m", "pip"]
    assert locked[-4:] == ["install", "--require-hashes", "-r", str(dev.LOCK)]
    assert project[-4:] == ["install", "--no-deps", "-e", str(dev.ROOT)]
    assert check[-1] == "check"  # the lock still satisfies pyproject.toml


def test_a_changed_lock_or_pyproject_means_installing_again(tmp_path, monkeypatch):
    (tmp_path / "requirements").mkdir()
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "requirements" / "lock.txt"
    pyproject.write_text("[project]\n")
    lock.write_text("django==5.2.1 --hash=sha256:aa\n")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "LOCK", lock)
    first = dev.installed_fingerprint()
    lock.write_text("django==5.2.2 --hash=sha256:bb\n")
    second = dev.installed_fingerprint()
    pyproject.write_text("[project]\nname = 'x'\n")
    assert len({first, second, dev.installed_fingerprint()}) == 3


def test_an_echoed_command_can_be_pasted_into_a_shell(capsys):
    command = ["/venv/bin/python", "-m", "pytest", "-m", "not browser and not slow", "-k", "it's"]
    dev.echo(command)
    line = capsys.readouterr().out.strip()
    assert line.startswith("$ /venv/bin/python -m pytest -m 'not browser and not slow'")
    assert shlex.split(line.removeprefix("$ ")) == command


def requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def test_the_lock_pins_every_dependency_and_dev_dependency_with_hashes():
    project = tomllib.loads((dev.ROOT / "pyproject.toml").read_text())["project"]
    wanted = {requirement_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    lock = dev.LOCK.read_text()
    pinned = {requirement_name(line) for line in re.findall(r"^([A-Za-z0-9][^\s]*==\S+)", lock, re.MULTILINE)}
    assert wanted <= pinned, f"run the lock command in docs/development.md for: {sorted(wanted - pinned)}"
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock):  # one block per pinned package
        if block[:1].isalnum():
            assert "--hash=sha256:" in block, block.splitlines()[0]
