"""The entitlement workflow (比对 → 推送 → 确认 → 审核 → 公示 → 兑付 → 归档) as a table.

Plain Python, no Django: the service layer asks `next_state` whether an action is allowed and what
state it leads to, and `stage_deadline` when the new stage is due. Every refusal is a
`TransitionRefused` whose message a clerk or an enterprise can read.

Who may act is not decided here (that is object scope, in the service), only what may follow what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from yingshang.core.errors import UserError


class State(StrEnum):
    MATCHED = "matched"
    PUSHED = "pushed"
    CONFIRMED = "confirmed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLICIZED = "publicized"
    PAID = "paid"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.MATCHED: "已比对",
    State.PUSHED: "已推送",
    State.CONFIRMED: "企业已确认",
    State.APPROVED: "审核通过",
    State.REJECTED: "审核不通过",
    State.PUBLICIZED: "公示中",
    State.PAID: "已兑付",
    State.ARCHIVED: "已归档",
    State.WITHDRAWN: "已撤销",
}

STATE_CHOICES = [(state.value, state.label) for state in State]


class Action(StrEnum):
    PUSH = "push"
    CONFIRM = "confirm"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLICIZE = "publicize"
    UPHOLD_OBJECTION = "uphold_objection"
    PAY = "pay"
    ARCHIVE = "archive"
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.PUSH: "推送",
    Action.CONFIRM: "企业确认",
    Action.APPROVE: "审核通过",
    Action.REJECT: "审核不通过",
    Action.PUBLICIZE: "公示",
    Action.UPHOLD_OBJECTION: "异议成立",
    Action.PAY: "登记兑付",
    Action.ARCHIVE: "归档",
    Action.WITHDRAW: "撤销",
}

# (state, action) -> next state. Confirmation is a separate path: see `next_state`.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.MATCHED, Action.PUSH): State.PUSHED,
    (State.PUSHED, Action.CONFIRM): State.CONFIRMED,
    (State.PUSHED, Action.APPROVE): State.APPROVED,
    (State.PUSHED, Action.REJECT): State.REJECTED,
    (State.CONFIRMED, Action.APPROVE): State.APPROVED,
    (State.CONFIRMED, Action.REJECT): State.REJECTED,
    (State.APPROVED, Action.PUBLICIZE): State.PUBLICIZED,
    (State.APPROVED, Action.REJECT): State.REJECTED,
    (State.PUBLICIZED, Action.UPHOLD_OBJECTION): State.REJECTED,
    (State.PUBLICIZED, Action.PAY): State.PAID,
    (State.PAID, Action.ARCHIVE): State.ARCHIVED,
    (State.REJECTED, Action.ARCHIVE): State.ARCHIVED,
    (State.WITHDRAWN, Action.ARCHIVE): State.ARCHIVED,
    (State.MATCHED, Action.WITHDRAW): State.WITHDRAWN,
    (State.PUSHED, Action.WITHDRAW): State.WITHDRAWN,
    (State.CONFIRMED, Action.WITHDRAW): State.WITHDRAWN,
}

# Money has left, or the case is closed: the record is never changed again, only annotated.
FINAL_STATES = frozenset({State.PAID, State.ARCHIVED})
# Not yet paid and still alive: a profile change flags these for review.
OPEN_STATES = frozenset({State.MATCHED, State.PUSHED, State.CONFIRMED, State.APPROVED, State.PUBLICIZED})
# An approved amount holds budget from approval until payment (and after: it is spent).
BUDGET_STATES = frozenset({State.APPROVED, State.PUBLICIZED, State.PAID, State.ARCHIVED})


class TransitionRefused(UserError):
    """An action that the workflow does not allow from here; the message is for the user."""


@dataclass(frozen=True)
class Case:
    """What the table needs to know about one entitlement."""

    state: State
    mode: str  # 免申即享 / 快申快享 / 申报
    verdict: str  # eligible / needs_confirmation (as matched)
    needs_review: bool = False  # a profile change or an objection is waiting for a clerk
    publicity_ends_on: dt.date | None = None
    confirm_due_on: dt.date | None = None


def requires_confirmation(mode: str, verdict: str) -> bool:
    """免申即享 skips the enterprise's confirmation, unless data was missing at matching time."""
    return mode != "免申即享" or verdict == "needs_confirmation"


def next_state(case: Case, action: Action, today: dt.date) -> State:
    """The state `action` leads to from `case`, or TransitionRefused saying why not."""
    target = TRANSITIONS.get((case.state, action))
    if case.state in FINAL_STATES and action != Action.ARCHIVE:
        raise TransitionRefused(f"该事项{case.state.label}，不能再{action.label}；如需说明请添加备注")
    if target is None:
        raise TransitionRefused(f"当前状态为“{case.state.label}”，不能{action.label}")
    needs_confirm = requires_confirmation(case.mode, case.verdict)
    if action == Action.CONFIRM:
        if not needs_confirm:
            raise TransitionRefused("免申即享事项无需企业确认")
        if case.confirm_due_on is not None and today > case.confirm_due_on:
            raise TransitionRefused(
                f"确认期限已于 {case.confirm_due_on:%Y年%m月%d日} 届满，不能再确认；如有疑问请联系主管部门"
            )
    if action == Action.APPROVE:
        if case.state == State.PUSHED and needs_confirm:
            raise TransitionRefused("该事项须先由企业确认，才能审核")
        if case.needs_review:
            raise TransitionRefused("该事项有待复核的情况（画像变化或异议），请先处理复核")
    if action == Action.PAY:
        if case.needs_review:
            raise TransitionRefused("该事项有待处理的异议或复核，不能兑付")
        if case.publicity_ends_on is not None and today <= case.publicity_ends_on:
            ends = f"{case.publicity_ends_on:%Y年%m月%d日}"
            raise TransitionRefused(f"公示期至 {ends} 结束，公示期满后才能兑付")
    return target


def allowed_actions(case: Case, today: dt.date) -> list[Action]:
    """Actions that `next_state` would accept now, in the table's order (for buttons)."""
    allowed = []
    for action in Action:
        try:
            next_state(case, action, today)
        except TransitionRefused:
            continue
        allowed.append(action)
    return allowed


@dataclass(frozen=True)
class Deadlines:
    """Working days each stage may take; configuration (settings), documented in docs/policies.md."""

    confirm: int = 60  # 快申快享: the enterprise confirms within 60 working days of the push
    review: int = 15  # the department reviews within 15 working days
    publicity: int = 5  # 公示 lasts 5 working days
    payment: int = 30  # paid within 30 working days after 公示 ends


def stage_deadline(
    state: State,
    case_mode: str,
    case_verdict: str,
    entered_on: dt.date,
    deadlines: Deadlines,
    add_workdays: Callable[[dt.date, int], dt.date],
) -> dt.date | None:
    """When the stage entered on `entered_on` is due; None where the stage has no clock.

    `add_workdays` is the calendar's (it raises for a year whose holidays are not known).
    """
    if state == State.PUSHED:
        days = deadlines.confirm if requires_confirmation(case_mode, case_verdict) else deadlines.review
        return add_workdays(entered_on, days)
    if state == State.CONFIRMED:
        return add_workdays(entered_on, deadlines.review)
    if state == State.PUBLICIZED:
        # Publicity ends after its own working days; payment is due `payment` working days later.
        return add_workdays(entered_on, deadlines.publicity + deadlines.payment)
    return None


def is_overdue(due_on: dt.date | None, today: dt.date) -> bool:
    return due_on is not None and today > due_on
