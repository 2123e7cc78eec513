"""The one clock (core.clock): today and now in 北京时间, moved only by `travel`, asked by all domain code."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest
from django.utils import timezone

from yingshang.core import clock

UTC = dt.UTC
ROOT = pathlib.Path(__file__).resolve().parents[3]  # the repository: yingshang/core/tests/ → ../../..


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (dt.datetime(2026, 6, 30, 15, 59, tzinfo=UTC), dt.date(2026, 6, 30)),  # 23:59 in 北京
        (dt.datetime(2026, 6, 30, 16, 0, tzinfo=UTC), dt.date(2026, 7, 1)),  # midnight in 北京
        (dt.datetime(2026, 6, 30, 17, 30, tzinfo=UTC), dt.date(2026, 7, 1)),  # UTC still says 30 June
        (dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC), dt.date(2027, 1, 1)),
    ],
)
def test_today_is_the_day_in_beijing_whatever_the_servers_zone(utc, day):
    with clock.travel(utc):
        assert clock.today() == day
        assert clock.now().utcoffset() == dt.timedelta(hours=8)
        assert clock.now() == utc


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.date(2026, 3, 2), dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.SHANGHAI)),  # a day: 10:00
        (dt.datetime(2026, 3, 2, 8, 30, tzinfo=UTC), dt.datetime(2026, 3, 2, 16, 30, tzinfo=clock.SHANGHAI)),
    ],
)
def test_travel_moves_djangos_clock_too_and_puts_it_back(moment, expected):
    before = clock.now()  # the suite's fixed moment (conftest), ticking
    with clock.travel(moment):
        assert clock.now() == expected and timezone.now() == expected  # what Django's fields read
    after = clock.now()
    assert after != expected and dt.timedelta(0) <= after - before < dt.timedelta(minutes=1)


def test_travel_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"), clock.travel(dt.datetime(2026, 3, 2, 10, 0)):
        pass  # pragma: no cover


# Ways of asking for the date or the zone that bypass the clock. The pure working-day engine keeps its
# own zone constant on purpose (see the comment there).
# Built from the names, so this file itself never spells a call of the wall clock.
WALL_CLOCK_CALLS = ("timezone.localdate", "date.today", "datetime.now")
BYPASSES = re.compile(
    "|".join(re.escape(name) + r"\(" for name in WALL_CLOCK_CALLS) + r'|ZoneInfo\("Asia/Shanghai"\)'
)
ALLOWED = {"yingshang/core/clock.py", "yingshang/workdays/engine.py"}


def test_domain_code_asks_the_one_clock_for_today():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "yingshang").rglob("*.py"))
        if "tests" not in path.parts and str(path.relative_to(ROOT)) not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BYPASSES.search(line)
    ]
    scanned = list((ROOT / "yingshang").rglob("*.py"))
    assert len(scanned) > 100  # the scan reads the project, not an empty folder
    assert offenders == []
