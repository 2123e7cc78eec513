"""The entitlement workflow table (pure): every (state, action) pair, every refusal, stage deadlines."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from yingshang.entitlements.workflow import (
    BUDGET_STATES,
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    Case,
    Deadlines,
    State,
    TransitionRefused,
    allowed_actions,
    is_overdue,
    next_state,
    requires_confirmation,
    stage_deadline,
)
from yingshang.workdays.engine import WorkCalendar

TODAY = dt.date(2026, 7, 1)
CALENDAR = WorkCalendar()


def plain_case(state: State, mode: str = "快申快享", verdict: str = "eligible") -> Case:
    return Case(state=state, mode=mode, verdict=verdict)


def case_allowing(state: State, action: Action) -> Case:
    """A case for which the table's extra checks do not stand in the way of `action`."""
    if action == Action.APPROVE and state == State.PUSHED:
        return plain_case(state, mode="免申即享")  # needs no confirmation
    if action == Action.PAY:
        return Case(state, "免申即享", "eligible", publicity_ends_on=TODAY - dt.timedelta(days=1))
    return plain_case(state)


@pytest.mark.parametrize(("state", "action", "target"), [(s, a, t) for (s, a), t in TRANSITIONS.items()])
def test_every_transition_of_the_table_leads_where_the_table_says(
    state: State, action: Action, target: State
) -> None:
    assert next_state(case_allowing(state, action), action, TODAY) == target


MISSING = [(s, a) for s, a in itertools.product(State, Action) if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), MISSING)
def test_every_pair_not_in_the_table_is_refused_in_chinese(state: State, action: Action) -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_state(case_allowing(state, action), action, TODAY)
    message = str(refused.value)
    assert action.label in message
    assert state.label in message


@pytest.mark.parametrize(
    ("case", "action", "day", "message"),
    [
        (
            Case(State.PUSHED, "快申快享", "eligible", confirm_due_on=dt.date(2026, 6, 30)),
            Action.CONFIRM,
            TODAY,
            "确认期限已于 2026年06月30日 届满",
        ),
        (Case(State.PUSHED, "免申即享", "eligible"), Action.CONFIRM, TODAY, "免申即享事项无需企业确认"),
        (Case(State.PUSHED, "快申快享", "eligible"), Action.APPROVE, TODAY, "须先由企业确认"),
        (Case(State.PUSHED, "免申即享", "needs_confirmation"), Action.APPROVE, TODAY, "须先由企业确认"),
        (
            Case(State.CONFIRMED, "快申快享", "eligible", needs_review=True),
            Action.APPROVE,
            TODAY,
            "请先处理复核",
        ),
        (
            Case(State.PUBLICIZED, "免申即享", "eligible", needs_review=True),
            Action.PAY,
            TODAY,
            "有待处理的异议或复核",
        ),
        (
            Case(State.PUBLICIZED, "免申即享", "eligible", publicity_ends_on=TODAY),
            Action.PAY,
            TODAY,
            "公示期满后才能兑付",
        ),
        (Case(State.PAID, "免申即享", "eligible"), Action.PAY, TODAY, "已兑付，不能再登记兑付"),
        (Case(State.ARCHIVED, "免申即享", "eligible"), Action.REJECT, TODAY, "已归档"),
    ],
)
def test_refusals_say_why(case: Case, action: Action, day: dt.date, message: str) -> None:
    with pytest.raises(TransitionRefused, match=message):
        next_state(case, action, day)


def test_a_confirmation_on_the_last_day_is_still_accepted() -> None:
    case = Case(State.PUSHED, "快申快享", "eligible", confirm_due_on=TODAY)
    assert next_state(case, Action.CONFIRM, TODAY) == State.CONFIRMED


def test_payment_is_allowed_the_day_after_publicity_ends() -> None:
    case = Case(State.PUBLICIZED, "免申即享", "eligible", publicity_ends_on=TODAY - dt.timedelta(days=1))
    assert next_state(case, Action.PAY, TODAY) == State.PAID


@pytest.mark.parametrize(
    ("mode", "verdict", "needed"),
    [
        ("免申即享", "eligible", False),
        ("免申即享", "needs_confirmation", True),
        ("快申快享", "eligible", True),
        ("快申快享", "needs_confirmation", True),
        ("申报", "eligible", True),
    ],
)
def test_only_a_fully_checked_auto_item_skips_confirmation(mode: str, verdict: str, needed: bool) -> None:
    assert requires_confirmation(mode, verdict) is needed


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (plain_case(State.MATCHED), [Action.PUSH, Action.WITHDRAW]),
        (plain_case(State.PUSHED), [Action.CONFIRM, Action.REJECT, Action.WITHDRAW]),
        (plain_case(State.PUSHED, mode="免申即享"), [Action.APPROVE, Action.REJECT, Action.WITHDRAW]),
        (plain_case(State.APPROVED), [Action.REJECT, Action.PUBLICIZE]),
        (plain_case(State.PAID), [Action.ARCHIVE]),
        (plain_case(State.ARCHIVED), []),
    ],
)
def test_allowed_actions_are_those_next_state_accepts(case: Case, expected: list[Action]) -> None:
    assert allowed_actions(case, TODAY) == expected


LIMITS = Deadlines(confirm=60, review=15, publicity=5, payment=30)


@pytest.mark.parametrize(
    ("state", "mode", "verdict", "days"),
    [
        (State.PUSHED, "快申快享", "eligible", 60),
        (State.PUSHED, "免申即享", "needs_confirmation", 60),
        (State.PUSHED, "免申即享", "eligible", 15),
        (State.CONFIRMED, "快申快享", "eligible", 15),
        (State.PUBLICIZED, "免申即享", "eligible", 35),
        (State.MATCHED, "快申快享", "eligible", None),
        (State.APPROVED, "快申快享", "eligible", None),
        (State.PAID, "快申快享", "eligible", None),
    ],
)
def test_each_stage_is_due_after_its_working_days(
    state: State, mode: str, verdict: str, days: int | None
) -> None:
    entered = dt.date(2026, 3, 2)
    due = stage_deadline(state, mode, verdict, entered, LIMITS, CALENDAR.add_workdays)
    assert due == (None if days is None else CALENDAR.add_workdays(entered, days))


def test_deadlines_count_working_days_across_the_national_day_holiday() -> None:
    # 2026-09-30 + 3 working days: 10-01…10-07 are off, 10-10 (Saturday) is worked.
    due = stage_deadline(
        State.CONFIRMED,
        "快申快享",
        "eligible",
        dt.date(2026, 9, 30),
        Deadlines(review=3),
        CALENDAR.add_workdays,
    )
    assert due == dt.date(2026, 10, 10)


@pytest.mark.parametrize(
    ("due", "today", "overdue"),
    [(None, TODAY, False), (TODAY, TODAY, False), (TODAY - dt.timedelta(days=1), TODAY, True)],
)
def test_a_stage_is_overdue_from_the_day_after_it_is_due(
    due: dt.date | None, today: dt.date, overdue: bool
) -> None:
    assert is_overdue(due, today) is overdue


def test_the_state_sets_do_not_overlap_where_they_must_not() -> None:
    assert not FINAL_STATES & OPEN_STATES
    assert State.APPROVED in BUDGET_STATES and State.CONFIRMED not in BUDGET_STATES
