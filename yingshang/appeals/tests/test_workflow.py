"""The appeal lifecycle table (workflow.py): what may follow what, the limits on 退回 and 重办, warnings."""

from __future__ import annotations

import pytest

from yingshang.appeals.workflow import Action, Case, Limits, State, TransitionRefused, next_state, warning_due

LIMITS = Limits(max_returns=2, max_reopens=1)


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (State.PENDING, Action.DISPATCH, State.DISPATCHED),
        (State.DISPATCHED, Action.DISPATCH, State.DISPATCHED),
        (State.DISPATCHED, Action.SIGN, State.HANDLING),
        (State.DISPATCHED, Action.RETURN, State.PENDING),
        (State.HANDLING, Action.RETURN, State.PENDING),
        (State.HANDLING, Action.SUSPEND, State.SUSPENDED),
        (State.SUSPENDED, Action.RESUME, State.HANDLING),
        (State.HANDLING, Action.REPLY, State.REPLIED),
        (State.REPLIED, Action.RATE, State.CLOSED),
        (State.REPLIED, Action.REOPEN, State.DISPATCHED),
        (State.REPLIED, Action.CLOSE, State.CLOSED),
        (State.PENDING, Action.MERGE, State.MERGED),
    ],
)
def test_each_allowed_step_leads_to_its_state(state: State, action: Action, expected: State) -> None:
    assert next_state(Case(state), action, LIMITS) == expected


@pytest.mark.parametrize(
    ("case", "action", "message"),
    [
        (Case(State.PENDING), Action.SIGN, "当前状态为“待分拨”，不能签收"),
        (Case(State.DISPATCHED), Action.REPLY, "当前状态为“已派发”，不能答复"),
        (Case(State.SUSPENDED), Action.REPLY, "当前状态为“挂起”，不能答复"),
        (Case(State.CLOSED), Action.REOPEN, "当前状态为“已办结”，不能重办"),
        (Case(State.HANDLING, returns=2), Action.RETURN, "已被退回 2 次，不能再退回"),
        (Case(State.REPLIED, reopens=1), Action.REOPEN, "已重办 1 次，不再重办"),
        (Case(State.HANDLING), Action.MERGE, "当前状态为“办理中”，不能合并"),
    ],
)
def test_it_refuses_what_does_not_follow_with_a_reason(case: Case, action: Action, message: str) -> None:
    with pytest.raises(TransitionRefused, match=message):
        next_state(case, action, LIMITS)


@pytest.mark.parametrize(
    ("total", "left", "fraction", "warned"),
    [
        (10, 5, 0.2, False),
        (10, 2, 0.2, True),
        (10, 0, 0.2, True),
        (10, -1, 0.2, False),  # overdue: that is 督办's
        (5, 1, 0.2, True),
        (3, 1, 0.2, False),
    ],
)
def test_a_warning_is_due_when_little_of_the_time_is_left(
    total: int, left: int, fraction: float, warned: bool
) -> None:
    assert warning_due(total, left, fraction) is warned
