"""The deadline sweep: 预警 for appeals near their deadline, 督办 for overdue ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from yingshang.appeals import workflow
from yingshang.appeals.models import Appeal, Event, Supervision
from yingshang.core import clock
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar


@dataclass
class SweepResult:
    warned: int = 0
    supervised: int = 0


def sweep_deadlines(today: dt.date | None = None) -> SweepResult:
    """预警 and 督办 over every open appeal in a few set-based queries: those with at most the configured
    share of their working days left are warned once; overdue ones get a 督办 on their department."""
    day = today or clock.today()
    now = clock.now()
    result = SweepResult()
    calendar = get_calendar()
    running = Appeal.objects.filter(
        state__in=[s.value for s in workflow.CLOCK_STATES], finish_due_on__isnull=False
    )
    fraction = settings.APPEAL_WARNING_PERCENT / 100
    with transaction.atomic():
        for total in running.order_by().values_list("due_workdays", flat=True).distinct():
            if not total:
                continue
            try:
                edge = calendar.add_workdays(day, int(total * fraction))
            except CalendarError:
                continue
            result.warned += running.filter(
                due_workdays=total, warned_at__isnull=True, finish_due_on__gte=day, finish_due_on__lte=edge
            ).update(warned_at=now)
        overdue = list(
            running.filter(
                finish_due_on__lt=day, supervised_at__isnull=True, handler__isnull=False
            ).values_list("pk", "handler_id", "finish_due_on")
        )
        Supervision.objects.bulk_create(
            [
                Supervision(
                    appeal_id=pk,
                    department_id=handler,
                    reason=f"超过办结期限（{due:%Y-%m-%d}）仍未答复",
                    created_at=now,
                )
                for pk, handler, due in overdue
            ],
            batch_size=5000,
        )
        Event.objects.bulk_create(
            [
                Event(appeal_id=pk, action="督办", note=f"超过办结期限（{due:%Y-%m-%d}）", at=now)
                for pk, _, due in overdue
            ],
            batch_size=5000,
        )
        for start in range(0, len(overdue), 5000):
            Appeal.objects.filter(pk__in=[pk for pk, _, _ in overdue[start : start + 5000]]).update(
                supervised_at=now
            )
        result.supervised = len(overdue)
    return result
