"""The house's import rules (docs/development.md, "The app template"), checked on every test run.

1. import-linter's contracts in `.importlinter`: the apps' layers, engines without Django, nothing
   imports the demo, no import cycle between the modules of an app.
2. What import-linter cannot say well, read from the source with `ast`: an app imports another app
   only through its public surface (`models`, `services`, `signals`, the engines listed in
   `.importlinter`, and from tests its `testing` helpers), never its views, forms, api, urls,
   templatetags or commands. Tests are outside import-linter's layers and checked here instead.
3. Every import inside a function has a comment on its line or the line above saying why.
4. No module is longer than 800 lines.

Every `.py` file under yingshang/ is read except migrations (generated, and they import nothing of
ours but their own app). Nothing is skipped.
"""

from __future__ import annotations

import ast
import configparser
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from importlinter import api  # noqa: F401  (configures import-linter, as its command line does)
from importlinter.application import use_cases

import yingshang

PACKAGE = Path(yingshang.__file__).parent
REPOSITORY = PACKAGE.parent
CONFIG = REPOSITORY / ".importlinter"

MAX_LINES = 800
# Modules allowed to be longer, for a while, each with its reason; none today (registry/importer.py
# and core/spreadsheets.py were split by responsibility). The test below fails once one is short enough.
LONG_MODULES: set[str] = set()

# The project's wiring: settings, the URLconf and the API's router list import every app's views,
# urls and api routers. Nothing else may.
WIRING = {"yingshang.settings", "yingshang.urls", "yingshang.api"}
# What any app may import of another app (besides the engines listed in .importlinter). `signals`
# declares the events an app announces (django.dispatch.Signal) so that apps above it can react
# without the app importing them: entitlements connects to notifications' `message_read`.
PUBLIC = {"models", "services", "signals"}
# Test code may also import the test helpers of any app.
PUBLIC_TO_TESTS = PUBLIC | {"testing"}
# core is the shared ground: every module of it is for the apps to use, except these.
CORE_PRIVATE = {"views", "urls", "api", "templatetags", "management", "apps", "admin", "migrations", "tests"}
# Imports that break the surface rule today and are being removed by work in progress, each with
# what replaces it. The list only shrinks: a test fails once an entry is no longer needed.
PENDING: dict[tuple[str, str], str] = {}  # none today
# Project-wide tests that try every app (every URL and API operation from the forbidden side; the
# error class of every app): they may import any module of any app, though not another app's tests.
PROJECT_TESTS = {"yingshang.core.tests.test_scope_walk", "yingshang.core.tests.test_errors"}
# The project modules a test may import besides the apps: the fixtures, the wiring it tests.
PROJECT_TO_TESTS = {"yingshang.conftest", "yingshang.env", "yingshang.wsgi", "yingshang.__main__"} | WIRING


@dataclass(frozen=True)
class Source:
    path: Path
    module: str  # dotted name, "yingshang.policies.services"

    @property
    def app(self) -> str | None:
        parts = self.module.split(".")
        return parts[1] if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir() else None

    @property
    def is_test_code(self) -> bool:
        parts = self.module.split(".")
        return "tests" in parts or parts[-1] in ("conftest", "testing")

    @property
    def where(self) -> str:
        return str(self.path.relative_to(REPOSITORY))


@functools.cache
def sources() -> tuple[Source, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPOSITORY).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append(Source(path, ".".join(parts)))
    return tuple(found)


@functools.cache
def modules() -> frozenset[str]:
    return frozenset(source.module for source in sources())


@functools.cache
def engines() -> tuple[str, ...]:
    """The pure engines, as listed in .importlinter's engines contract (one list for both checks)."""
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    return tuple(config["importlinter:contract:engines"]["source_modules"].split())


@functools.cache
def tree_of(source: Source) -> ast.Module:
    return ast.parse(source.path.read_text(encoding="utf-8"), filename=str(source.path))


def imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of ours an import statement loads: `from a.b import c` is `a.b.c` when c is a
    module, else `a.b`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "yingshang"]
    if node.level or not node.module or node.module.split(".")[0] != "yingshang":
        return []
    names = [f"{node.module}.{alias.name}" for alias in node.names]
    return sorted({name if name in modules() else node.module for name in names})


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def refusal(importer: Source, target: str) -> str | None:
    """Why `importer` may not import `target` (a module of ours), or None when it may."""
    parts = target.split(".")
    target_app = parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None
    inside = parts[2] if len(parts) > 2 else ""
    if target_app is None:  # a project module: yingshang.conftest, .api, .urls, .settings …
        if target in ("yingshang", "yingshang.env") or importer.module in WIRING:
            return None
        if importer.is_test_code and target in PROJECT_TO_TESTS:
            return None
        return f"{target} is the project's wiring or its test fixtures, not for app code"
    if not importer.is_test_code and (inside == "testing" or "tests" in parts):
        return "test helpers are for tests only"
    if importer.module in WIRING or target_app == importer.app:
        return None
    if "tests" in parts:
        return "another app's tests are not imported: share builders through its testing module"
    if target_app == "demo":
        return "nothing imports the demo"
    if target_app == "core":
        if inside in CORE_PRIVATE:
            return f"core.{inside} is core's own, not part of the shared ground"
        return None
    if importer.module in PROJECT_TESTS:
        return None
    allowed = PUBLIC_TO_TESTS if importer.is_test_code else PUBLIC
    if inside in allowed or any(_is_under(target, engine) for engine in engines()):
        return None
    return (
        f"another app is used only through its {', '.join(sorted(allowed))} or its engines "
        f"(listed in .importlinter), not its {inside or 'package'}"
    )


def function_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
    return sorted(set(found), key=lambda n: n.lineno)


TOOL_DIRECTIVE = re.compile(r"noqa(:\s*[A-Z]+[0-9]+(,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore(\[[^]]*\])?")


def comment_text(line: str) -> str:
    """The words of a line's `#` comment, without tool directives (`noqa: F401`, `type: ignore`)."""
    if "#" not in line:
        return ""
    return TOOL_DIRECTIVE.sub("", line.split("#", 1)[1]).strip(" :,()")


def _previous_code_line(lines: list[str], lineno: int) -> int:
    """The number of the closest line above `lineno` that is not blank (0 when there is none)."""
    above = lineno - 1
    while above > 0 and not lines[above - 1].strip():
        above -= 1
    return above


def silent_imports(lines: list[str], tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports inside functions with no reason: a comment on their line or the line above. A
    comment above a block of consecutive imports (blank lines between them allowed) covers the block."""
    silent, reasoned_ends = [], set()
    for node in function_imports(tree):
        above = lines[node.lineno - 2] if node.lineno > 1 else ""
        if (
            comment_text(lines[node.lineno - 1])
            or (above.strip().startswith("#") and comment_text(above))
            or _previous_code_line(lines, node.lineno) in reasoned_ends
        ):
            reasoned_ends.add(node.end_lineno)
        else:
            silent.append(node)
    return silent


# ---- 1. import-linter --------------------------------------------------------------------------------


def test_the_import_contracts_in_importlinter_are_kept(capsys, monkeypatch):
    monkeypatch.chdir(REPOSITORY)
    kept = use_cases.lint_imports(config_filename=str(CONFIG), cache_dir=None, no_logo=True)
    report = capsys.readouterr().out
    assert kept, report
    assert "0 broken" in report


# ---- 2. the public surface of each app ---------------------------------------------------------------


def cross_app_imports() -> list[tuple[Source, int, str, str | None]]:
    """(importer, line, imported module, why it is refused or None) for every import of ours."""
    found = []
    for source in sources():
        for node in ast.walk(tree_of(source)):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append((source, node.lineno, "." * node.level, "relative import: write the full path"))
            elif isinstance(node, ast.Import | ast.ImportFrom):
                found += [(source, node.lineno, t, refusal(source, t)) for t in imported_modules(node)]
    return found


def test_an_app_imports_another_only_through_its_models_services_engines_and_test_helpers():
    broken = [
        f"{source.where}:{line}: imports {target}: {reason}"
        for source, line, target, reason in cross_app_imports()
        if reason and (source.module, target) not in PENDING
    ]
    assert not broken, "\n".join(broken)


def test_every_pending_exception_is_still_needed():
    refused = {(source.module, target) for source, _, target, reason in cross_app_imports() if reason}
    done = [f"{importer} -> {target}" for importer, target in PENDING if (importer, target) not in refused]
    assert not done, f"no longer imported, remove from PENDING: {done}"


def test_every_engine_named_in_importlinter_exists():
    missing = [engine for engine in engines() if engine not in modules()]
    assert not missing, missing


def test_the_surface_rule_tells_allowed_from_refused_imports():
    by_name = {source.module: source for source in sources()}
    views, tests = by_name["yingshang.portal.views"], by_name["yingshang.portal.tests.test_services"]
    assert refusal(views, "yingshang.policies.services") is None
    assert refusal(views, "yingshang.policies.rules.values") is None  # an engine
    assert refusal(views, "yingshang.core.clock") is None
    assert refusal(views, "yingshang.policies.views")
    assert refusal(views, "yingshang.policies.forms")
    assert refusal(views, "yingshang.policies.testing")
    assert refusal(views, "yingshang.core.views")
    assert refusal(views, "yingshang.conftest")
    assert refusal(views, "yingshang.demo.district")
    assert refusal(tests, "yingshang.policies.testing") is None
    assert refusal(tests, "yingshang.conftest") is None
    assert refusal(tests, "yingshang.policies.tests.conftest")  # another app's tests: use its testing
    assert refusal(by_name["yingshang.urls"], "yingshang.registry.staff") is None  # the wiring


# ---- 3. imports inside functions ---------------------------------------------------------------------


def test_every_import_inside_a_function_says_why():
    silent = []
    for source in sources():
        lines = source.path.read_text(encoding="utf-8").splitlines()
        for node in silent_imports(lines, tree_of(source)):
            silent.append(f"{source.where}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not silent, (
        "Import at the top of the module; where that makes a circle, move what both need into a lower "
        "module. Keep it in the function only with a comment giving the reason (AppConfig.ready(), an "
        "optional or slow dependency):\n" + "\n".join(silent)
    )


def test_a_reason_is_a_comment_with_words_next_to_the_import():
    source = """
def f():
    import a  # noqa: F401
    # imported here: b is slow
    import b
    import c

    import c2
    x = 1
    import d
    import e  # noqa: F401  (optional: e may be missing)
"""
    lines = source.splitlines()
    silent = silent_imports(lines, ast.parse(source))
    assert [lines[n.lineno - 1].strip() for n in silent] == ["import a  # noqa: F401", "import d"]


# ---- 4. module length --------------------------------------------------------------------------------


def test_no_module_is_longer_than_800_lines():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(REPOSITORY))
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES and where not in LONG_MODULES:
            long.append(f"{where}: {count} lines")
    assert not long, "Split by responsibility:\n" + "\n".join(long)


def test_the_long_module_exceptions_are_still_long():
    short = [
        where
        for where in LONG_MODULES
        if len((REPOSITORY / where).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ]
    assert not short, f"{short} are short enough now: remove them from LONG_MODULES"
