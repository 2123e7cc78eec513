"""What happened to one entitlement, in order, and which are overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from yingshang.core import clock
from yingshang.entitlements import workflow
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.workflow import (
    OPEN_STATES,
    State,
)
from yingshang.registry.models import User

# ==================================================================================================
# Reading: timeline, overdue
# ==================================================================================================


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime
    who: str
    action: str
    from_state: str  # label; '' for the first entry and for notes
    to_state: str
    note: str = ""


def _who(user: User | None, fallback: str) -> str:
    if user is None:
        return fallback
    name = user.get_full_name() or user.first_name or user.username
    department = f"（{user.department.name}）" if user.department is not None else ""
    return f"{name}{department}"


def timeline(e: Entitlement) -> list[TimelineEntry]:
    """Every recorded change of `e` (who, when, what, from which state to which) and its notes."""
    labels = workflow.STATE_LABELS
    entries: list[TimelineEntry] = []
    previous: str | None = None
    for record in e.history.select_related("history_user", "history_user__department").order_by(
        "history_date", "history_id"
    ):
        state = record.state
        action = record.history_change_reason or ("比对生成" if record.history_type == "+" else "修改")
        who = _who(record.history_user, "企业" if action.startswith(("企业", "收到")) else "系统")
        note = ""
        if record.review_reason and record.needs_review:
            note = record.review_reason
        elif state == State.REJECTED and record.rejection_reason:
            note = record.rejection_reason
        entries.append(
            TimelineEntry(
                when=record.history_date,
                who=who,
                action=action,
                from_state=labels[State(previous)] if previous and previous != state else "",
                to_state=labels[State(state)],
                note=note,
            )
        )
        previous = state
    for n in e.notes.select_related("author", "author__department"):
        entries.append(TimelineEntry(n.created_at, _who(n.author, "系统"), "备注", "", "", n.text))
    return sorted(entries, key=lambda t: t.when)


def overdue_q(day: dt.date) -> Q:
    """Still open and past the due day of its stage (the queryset form of workflow.is_overdue)."""
    return Q(state__in=[s.value for s in OPEN_STATES], due_on__lt=day)


def overdue_entitlements(day: dt.date | None = None) -> QuerySet[Entitlement]:
    """Open entitlements whose current stage is past its deadline."""
    return (
        Entitlement.objects.filter(overdue_q(day or clock.today()))
        .select_related("enterprise", "item", "district")
        .order_by("due_on", "pk")
    )
