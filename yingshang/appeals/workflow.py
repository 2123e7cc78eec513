"""The appeal lifecycle (接诉即办) as a table, and the deadlines of each appeal type.

Plain Python, no Django. 待分拨 → 已派发 → 办理中 (签收) → 已答复 → 已办结, with 退回 to the queue,
挂起 (the clock paused while waiting for the requester), 重办 as a new cycle when the requester is
不满意, and 合并 of a duplicate into the appeal that answers both. The service layer asks `next_state`
whether an action is allowed; a refusal is a `TransitionRefused` whose message a clerk can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yingshang.core.errors import UserError


class State(StrEnum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    SUSPENDED = "suspended"
    REPLIED = "replied"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.PENDING: "待分拨",
    State.DISPATCHED: "已派发",
    State.HANDLING: "办理中",
    State.SUSPENDED: "挂起",
    State.REPLIED: "已答复，待回访评价",
    State.CLOSED: "已办结",
    State.MERGED: "已合并",
}
STATE_CHOICES = [(state.value, state.label) for state in State]


class Action(StrEnum):
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    SUSPEND = "suspend"
    RESUME = "resume"
    REPLY = "reply"
    RATE = "rate"
    REOPEN = "reopen"
    CLOSE = "close"
    MERGE = "merge"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.DISPATCH: "派发",
    Action.SIGN: "签收",
    Action.RETURN: "退回",
    Action.SUSPEND: "挂起",
    Action.RESUME: "恢复办理",
    Action.REPLY: "答复",
    Action.RATE: "评价",
    Action.REOPEN: "重办",
    Action.CLOSE: "办结",
    Action.MERGE: "合并",
}

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.PENDING, Action.DISPATCH): State.DISPATCHED,
    (State.DISPATCHED, Action.DISPATCH): State.DISPATCHED,  # the office sends it elsewhere
    (State.DISPATCHED, Action.SIGN): State.HANDLING,
    (State.DISPATCHED, Action.RETURN): State.PENDING,
    (State.HANDLING, Action.RETURN): State.PENDING,
    (State.HANDLING, Action.SUSPEND): State.SUSPENDED,
    (State.SUSPENDED, Action.RESUME): State.HANDLING,
    (State.HANDLING, Action.REPLY): State.REPLIED,
    (State.REPLIED, Action.RATE): State.CLOSED,
    (State.REPLIED, Action.REOPEN): State.DISPATCHED,
    (State.REPLIED, Action.CLOSE): State.CLOSED,
    (State.PENDING, Action.MERGE): State.MERGED,
    (State.DISPATCHED, Action.MERGE): State.MERGED,
}

OPEN_STATES = frozenset({State.PENDING, State.DISPATCHED, State.HANDLING, State.SUSPENDED})
# States in which the handling department's finish deadline runs (挂起 pauses it).
CLOCK_STATES = frozenset({State.DISPATCHED, State.HANDLING})


class TransitionRefused(UserError):
    """An action the lifecycle does not allow from here; the message is for the user."""


@dataclass(frozen=True)
class Case:
    state: State
    returns: int = 0  # times departments sent it back to the queue in this cycle
    reopens: int = 0  # times a 不满意 rating reopened it


@dataclass(frozen=True)
class Limits:
    """Configuration (settings, docs/configuration.md)."""

    max_returns: int = 2  # a department may send an appeal back this often before the office decides
    max_reopens: int = 1  # a 不满意 rating reopens it this often


def next_state(case: Case, action: Action, limits: Limits) -> State:
    """The state `action` leads to from `case`, or TransitionRefused saying why not."""
    target = TRANSITIONS.get((case.state, action))
    if target is None:
        raise TransitionRefused(f"当前状态为“{case.state.label}”，不能{action.label}")
    if action == Action.RETURN and case.returns >= limits.max_returns:
        raise TransitionRefused(
            f"本诉求已被退回 {case.returns} 次，不能再退回；请联系营商办协调，由营商办决定承办部门"
        )
    if action == Action.REOPEN and case.reopens >= limits.max_reopens:
        raise TransitionRefused(f"本诉求已重办 {case.reopens} 次，不再重办；不满意的评价已记录")
    return target


# --- appeal types and their deadlines ----------------------------------------------------------------


class Kind(StrEnum):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.CONSULT: "咨询",
    Kind.HELP: "求助",
    Kind.COMPLAINT: "投诉",
    Kind.REPORT: "举报",
    Kind.SUGGESTION: "建议",
}
KIND_CHOICES = [(kind.value, kind.label) for kind in Kind]


@dataclass(frozen=True)
class TimeLimit:
    """Working days to sign and to finish (答复) an appeal of one type, counted from the day after
    it counts as received (the calendar's cut-off decides that day)."""

    sign: int
    finish: int


DEFAULT_TIME_LIMITS: dict[Kind, TimeLimit] = {
    Kind.CONSULT: TimeLimit(sign=1, finish=3),
    Kind.HELP: TimeLimit(sign=1, finish=5),
    Kind.COMPLAINT: TimeLimit(sign=1, finish=10),
    Kind.REPORT: TimeLimit(sign=1, finish=10),
    Kind.SUGGESTION: TimeLimit(sign=1, finish=15),
}


def warning_due(workdays_total: int, workdays_left: int, fraction: float) -> bool:
    """Whether an appeal is due a warning: at most `fraction` of its working days are left (and it is
    not yet overdue; overdue is 督办's)."""
    if workdays_left < 0 or workdays_total <= 0:
        return False
    return workdays_left <= workdays_total * fraction
