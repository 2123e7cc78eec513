"""The one clock of the platform: now and today in 北京时间 (Asia/Shanghai), whatever the server's zone.

Domain code asks `clock.now()` / `clock.today()` instead of `timezone.now()`, `date.today()` or
`datetime.now()`: deadlines, 公示 periods and the evaluation day are counted in Beijing days, and a
server running in UTC would otherwise start a new day at 08:00.

`travel(moment)` is the one place time is moved: the demo replays the office's past work with it, and
the test suite runs every test at a fixed moment with it (yingshang/conftest.py), so the suite passes
whatever the calendar says. It moves the whole process's clock (time-machine), because Django's
`auto_now` fields, simple-history's history dates, sessions and the login lockout read it too, and a
replayed history must carry the replayed dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

_travellers: list[time_machine.Traveller] = []


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
    time-machine moves the whole process's clock (`time.time`, `datetime.now`, Django's
    `timezone.now`, threads included), so libraries that read the time themselves (sessions, signed
    企业码 tokens, the login lockout) agree with our services. Blocks nest; `move_to` moves the
    innermost one.
    """
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        moment = at(moment)
    if timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime")
    with time_machine.travel(moment, tick=tick) as traveller:
        _travellers.append(traveller)
        try:
            yield
        finally:
            _travellers.pop()


def move_to(moment: dt.datetime | dt.date) -> None:
    """Move the clock of the innermost `travel` block to `moment` (a test's "it is now that day")."""
    if not _travellers:
        raise RuntimeError("clock.move_to works only inside clock.travel")
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        moment = at(moment)
    _travellers[-1].move_to(moment)
