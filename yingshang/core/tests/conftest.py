"""Browser fixtures: Playwright driving the system's Chromium (Debian package `chromium`) headless.

Without Chromium the browser tests are skipped with the reason, except under CI (CI=true), where a
missing browser is a failure: CI must never turn green by not testing the pages.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium refuses its sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium() -> str:
    executable = find_chromium()
    if executable is None:
        message = "未找到 Chromium（/usr/bin/chromium），浏览器测试无法运行；请 apt-get install chromium"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture
def page(live_server, transactional_db) -> Iterator[object]:
    """A headless Chromium page on the live server, in Chinese, with short timeouts.

    Ask for the data fixtures (`world`) before `page` in a test's arguments and do the database work
    before the browser starts: while Playwright's event loop runs on this thread, Django gives the
    thread new per-context database connections, which would miss the test database's serialized
    contents (so the data migrations' rows would not come back after the test) and stay open.
    """
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # The loop also makes Django call plain ORM calls "async-unsafe"; allowed only while it runs.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()
