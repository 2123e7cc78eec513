"""政策兑现's lines in each person's to-do list on the home page (registered in apps.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from yingshang.core import clock
from yingshang.core.scope import scoped
from yingshang.core.slots import Todo
from yingshang.entitlements import services
from yingshang.entitlements.models import Objection
from yingshang.entitlements.workflow import State, requires_confirmation
from yingshang.registry.models import User


def ledger(**filters: str) -> str:
    return f"{reverse('entitlements:entitlement_list')}?{urlencode(filters)}"


def todos_for(user: User) -> list[Todo]:
    if not user.is_authenticated or not user.is_active:
        return []
    if user.can("entitlements.own"):
        return enterprise_todos(user)
    todos: list[Todo] = []
    if user.can("entitlements.review"):
        mine = services.reviewable_by(user)
        todos.append(
            Todo(
                "待我审核的兑现事项", mine.filter(services.awaiting_review_q()).count(), ledger(to_review="1")
            )
        )
        todos.append(
            Todo(
                "待复核的兑现事项（比对结果有变化）",
                mine.filter(needs_review=True).count(),
                ledger(needs_review="1"),
            )
        )
    if user.can("entitlements.view"):
        overdue = services.visible_entitlements(user).filter(services.overdue_q(clock.today()))
        todos.append(Todo("超过办理期限的兑现事项", overdue.count(), ledger(overdue="1"), urgent=True))
    if user.can("entitlements.manage"):
        visible = services.visible_entitlements(user)
        todos.append(
            Todo(
                "审核通过、待公示的兑现事项",
                visible.filter(state=State.APPROVED.value).count(),
                ledger(state=State.APPROVED.value),
            )
        )
        objections = scoped(Objection.objects.filter(state="open"), user)
        todos.append(Todo("待处理的公示异议", objections.count(), reverse("entitlements:notice_list")))
    return todos


def enterprise_todos(user: User) -> list[Todo]:
    if user.enterprise is None:
        return []
    pushed = services.own_entitlements(user.enterprise).filter(state=State.PUSHED.value)
    waiting = sum(
        1 for mode, verdict in pushed.values_list("mode", "verdict") if requires_confirmation(mode, verdict)
    )
    return [Todo("待本企业确认的政策兑现事项", waiting, reverse("portal:home"))]
