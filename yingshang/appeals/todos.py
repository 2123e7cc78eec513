"""接诉即办's lines in each person's to-do list on the home page (registered in apps.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from yingshang.appeals import services
from yingshang.appeals.workflow import CLOCK_STATES, State
from yingshang.core import clock
from yingshang.core.slots import Todo
from yingshang.registry.models import User


def listing(**filters: str) -> str:
    return f"{reverse('appeals:appeal_list')}?{urlencode(filters)}"


def todos_for(user: User) -> list[Todo]:
    if not user.is_authenticated or not user.is_active or not user.can("appeals.view"):
        return []
    visible = services.visible_appeals(user)
    running = visible.filter(state__in=[s.value for s in CLOCK_STATES])
    todos = [
        Todo(
            "超过办结期限的诉求（督办）",
            running.filter(finish_due_on__lt=clock.today()).count(),
            listing(overdue="1"),
            urgent=True,
        ),
        Todo(
            "临近办结期限的诉求",
            running.filter(warned_at__isnull=False, finish_due_on__gte=clock.today()).count(),
            listing(warned="1"),
        ),
    ]
    if user.can("appeals.dispatch"):
        todos.append(
            Todo("待分拨的诉求", visible.filter(state=State.PENDING.value).count(), listing(state="pending"))
        )
    if user.department_id is not None:
        mine = visible.filter(handler_id=user.department_id)
        todos.append(
            Todo(
                "待签收的诉求", mine.filter(state=State.DISPATCHED.value).count(), listing(state="dispatched")
            )
        )
    return todos
