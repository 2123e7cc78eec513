"""The one clock of the platform: now and today in 北京时间 (Asia/Shanghai), whatever the server's zone.

Domain code asks `clock.now()` / `clock.today()` instead of `timezone.now()`, `date.today()` or
`datetime.now()`: deadlines, 公示 periods and the evaluation day are counted in Beijing days, and a
server running in UTC would otherwise start a new day at 08:00.

`travel(moment)` is the one place time is moved: the demo replays the office's past work with it, and
the test suite runs every test at a fixed moment with it (yingshang/conftest.py), so the suite passes
whatever the calendar says. It moves Django's `timezone.now` too, because Django's `auto_now` fields and
simple-history's history dates read that, and a replayed history must carry the replayed dates.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

_real_now = timezone.now
_lock = threading.Lock()


def now() -> dt.datetime:
    """The current moment, timezone-aware, in 北京时间."""
    return timezone.now().astimezone(SHANGHAI)


def today() -> dt.date:
    """Today in 北京时间: the day deadlines, 公示 periods and the evaluation day are counted in."""
    return now().date()


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` (aware) shown in 北京时间."""
    return moment.astimezone(SHANGHAI)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware moment on `day` at `hour:minute` 北京时间."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@contextmanager
def travel(moment: dt.datetime | dt.date, *, tick: bool = False) -> Iterator[None]:
    """Run the block as if it were `moment` (a date means 10:00 北京时间 that day).

    With `tick`, time moves on from `moment` as the real clock does (tests: durations and ordering
    still work); without, it stands still (the demo: every write of one step carries the same time).
    The swap is process-wide, threads included (a live test server sees the same time); blocks nest.
    """
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        moment = at(moment)
    if timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime")
    moved = moving_from(moment) if tick else standing_at(moment)
    with _lock:
        before = timezone.now
        timezone.now = moved
    try:
        yield
    finally:
        with _lock:
            timezone.now = before


def moving_from(moment: dt.datetime) -> Callable[[], dt.datetime]:
    """A `now` that starts at `moment` and moves on as the real clock does."""
    start = time.monotonic()
    return lambda: moment + dt.timedelta(seconds=time.monotonic() - start)


def standing_at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    """A `now` that always answers `moment`."""
    return lambda: moment


def real_now() -> dt.datetime:
    """The machine's clock, never moved by `travel` (for timing work, not for domain dates)."""
    return _real_now()
