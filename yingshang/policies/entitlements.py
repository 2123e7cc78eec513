"""政策兑现: entitlements from a finished batch match to the money on the enterprise's account.

比对 → 推送 → 确认 → 审核 → 公示 → 兑付 → 归档. What may follow what is `workflow` (pure); budgets are
`budget` (pure); this module is the service layer: object scope (who may act on which entitlement),
deadlines from the working-day calendar, the database writes (one transaction per action, every
state change saved with its history and a change reason naming the action), the payment file for the
finance bureau and its return.

Every refusal is `EntitlementRefused` with a Chinese message; nothing is changed when one is raised.
The user-facing rules are in docs/entitlements.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from yingshang.core.bulk import copy_rows
from yingshang.core.roles import Role
from yingshang.policies import budget, workflow
from yingshang.policies.match import RESULT_COLUMNS
from yingshang.policies.models import (
    Entitlement,
    EntitlementNote,
    MatchResult,
    MatchRun,
    Objection,
    PaymentBatch,
    PublicNotice,
    RewardItem,
)
from yingshang.policies.workflow import (
    BUDGET_STATES,
    FINAL_STATES,
    OPEN_STATES,
    Action,
    Case,
    Deadlines,
    State,
    TransitionRefused,
)
from yingshang.registry.models import User
from yingshang.registry.views import format_fen
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

BATCH_SIZE = 2000
SYNC_LOCK = 4_040_001  # PostgreSQL advisory lock key of create_entitlements_from_run
# The marker of a flag set by re-matching (so a later run that finds the pair again can lift it).
ABSENT_REASON = "画像变化后不再符合条件"
CHANGED_REASON = "重新比对结果有变化"
OBJECTION_REASON = "公示期间收到异议"
VIA_CHOICES = ("企业码", "登录")
# Message topics (the notification centre and the reports count by topic).
PUSH_TOPIC = "entitlement.push"


class EntitlementRefused(TransitionRefused):
    """An action refused; `message` (Chinese) says why. Nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ==================================================================================================
# Small helpers: clock, deadlines, scope
# ==================================================================================================


def today() -> dt.date:
    """Today in 北京时间 (the day deadlines and 公示 are counted in)."""
    from yingshang.policies.services import today as local_today

    return local_today()


def deadlines() -> Deadlines:
    """The working-day deadlines from settings (YINGSHANG_*_WORKDAYS, docs/configuration.md)."""
    return Deadlines(
        confirm=settings.ENTITLEMENT_CONFIRM_WORKDAYS,
        review=settings.ENTITLEMENT_REVIEW_WORKDAYS,
        publicity=settings.ENTITLEMENT_PUBLICITY_WORKDAYS,
        payment=settings.ENTITLEMENT_PAYMENT_WORKDAYS,
    )


def stage_due(
    e: Entitlement, state: State, entered_on: dt.date, limits: Deadlines | None = None
) -> dt.date | None:
    """When the stage `e` enters on `entered_on` is due; None when the stage has no clock or the
    calendar does not know the year yet (the calendar never guesses; `due_problem` says why)."""
    try:
        return workflow.stage_deadline(
            state, e.mode, e.verdict, entered_on, limits or deadlines(), get_calendar().add_workdays
        )
    except CalendarError:
        return None


def due_problem(e: Entitlement, state: State, entered_on: dt.date) -> str:
    """Why `stage_due` gave no date for a stage that has a clock ('' when it gave one or has none)."""
    try:
        workflow.stage_deadline(
            state, e.mode, e.verdict, entered_on, deadlines(), get_calendar().add_workdays
        )
    except CalendarError as exc:
        return f"本环节期限暂无法计算：{exc.message}"
    return ""


def _note_missing_due(e: Entitlement, state: State, entered_on: dt.date, by: User | None) -> None:
    """A note on `e` when its new stage has a clock the calendar cannot run yet (year not entered)."""
    if e.due_on is None:
        problem = due_problem(e, state, entered_on)
        if problem:
            EntitlementNote.objects.create(entitlement=e, author=by, text=problem)


DEADLINE_FILLED = "补算期限"


def stage_entered_on(e: Entitlement) -> dt.date | None:
    """The day `e` entered its current stage, as the stage's clock counts it."""
    if e.state == State.PUSHED.value and e.pushed_at:
        return timezone.localtime(e.pushed_at).date()
    if e.state == State.CONFIRMED.value and e.confirmed_at:
        return timezone.localtime(e.confirmed_at).date()
    if e.state == State.PUBLICIZED.value and e.notice_id:
        return e.notice.starts_on
    return None


def fill_missing_deadlines() -> int:
    """Deadlines left empty because their year was not in the calendar, counted now that it may be
    (run when an administrator confirms a year's holiday arrangement); returns how many were set.
    Each one gets a history record, so the timeline shows when the date appeared."""
    waiting = (
        Entitlement.objects.filter(
            due_on__isnull=True,
            state__in=[State.PUSHED.value, State.CONFIRMED.value, State.PUBLICIZED.value],
        )
        .select_related("notice")
        .order_by("pk")
    )
    filled: list[Entitlement] = []
    for e in waiting.iterator(chunk_size=BATCH_SIZE):
        entered_on = stage_entered_on(e)
        due = stage_due(e, State(e.state), entered_on) if entered_on else None
        if due is not None:
            e.due_on = due
            filled.append(e)
    if filled:
        now = timezone.now()
        with transaction.atomic():
            for start in range(0, len(filled), BATCH_SIZE):
                _update_changed(filled[start : start + BATCH_SIZE], None, DEADLINE_FILLED, now, ("due_on",))
    return len(filled)


def department_handles(department_name: str, item_department: str) -> bool:
    """Whether a department reviews items led by `item_department`: "渭滨区工信局" handles "区工信局"
    (the district's bureau of that name), and a name handles itself. An item without a department is
    the office's."""
    if not item_department or not department_name:
        return False
    if department_name == item_department:
        return True
    if item_department[0] in "区县市" and len(item_department) > 1:
        bureau = item_department[1:]
        prefix = department_name[: -len(bureau)] if department_name.endswith(bureau) else ""
        return len(prefix) >= 2 and prefix[-1] in "区县市"
    return False


def visible_entitlements(user: User | None) -> QuerySet[Entitlement]:
    """Staff: entitlements of enterprises in their district (city-level: all); an enterprise user:
    its own; anyone else: none."""
    qs = Entitlement.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role_enum == Role.ENTERPRISE and user.can("entitlements.own"):
        return qs.filter(enterprise_id=user.enterprise_id)
    if not user.can("entitlements.view"):
        return qs.none()
    district = user.jurisdiction
    return qs.filter(district=district) if district is not None else qs


def reviewable_by(user: User | None) -> QuerySet[Entitlement]:
    """Office admin: every entitlement in their scope; department staff: those of their district whose
    item their department leads (`department_handles`); anyone else: none."""
    if user is None or not user.is_authenticated or not user.can("entitlements.review"):
        return Entitlement.objects.none()
    qs = visible_entitlements(user)
    if user.role_enum == Role.OFFICE_ADMIN:
        return qs
    name = user.department.name if user.department_id else ""
    departments = Entitlement.objects.order_by().values_list("department", flat=True).distinct()
    handled = [d for d in departments if department_handles(name, d)]
    return qs.filter(department__in=handled)


def _require_manage(by: User | None) -> User:
    if by is None or not by.is_authenticated or not by.can("entitlements.manage"):
        raise EntitlementRefused("只有营商办管理员可以办理推送、公示、兑付和归档")
    return by


def _require_in(qs: QuerySet[Entitlement], e: Entitlement, what: str) -> None:
    if not qs.filter(pk=e.pk).exists():
        raise EntitlementRefused(f"无权{what}该事项：它不在您的办理范围内")


def _locked(e: Entitlement) -> Entitlement:
    """A fresh copy of `e` with its row locked until the transaction ends (PostgreSQL)."""
    return (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("enterprise", "notice", "item")
        .get(pk=e.pk)
    )


def case_of(e: Entitlement) -> Case:
    """What the workflow table needs to know about `e`."""
    needs_confirm = workflow.requires_confirmation(e.mode, e.verdict)
    return Case(
        state=State(e.state),
        mode=e.mode,
        verdict=e.verdict,
        needs_review=e.needs_review,
        publicity_ends_on=e.notice.ends_on if e.notice_id else None,
        confirm_due_on=e.due_on if e.state == State.PUSHED and needs_confirm else None,
    )


def _next(e: Entitlement, action: Action, day: dt.date | None = None) -> State:
    try:
        return workflow.next_state(case_of(e), action, day or today())
    except EntitlementRefused:
        raise
    except TransitionRefused as exc:
        raise EntitlementRefused(str(exc)) from None


def _save(e: Entitlement, by: User | None, reason: str) -> Entitlement:
    e._change_reason = reason  # type: ignore[attr-defined]
    e._history_user = by  # type: ignore[attr-defined]
    e.save()
    return e


def _note(e: Entitlement, by: User | None, text: str) -> EntitlementNote:
    return EntitlementNote.objects.create(entitlement=e, author=by, text=text)


def _label(e: Entitlement) -> str:
    return f"{e.enterprise.name}（{e.item.title}）"


# ==================================================================================================
# From a match run
# ==================================================================================================


@dataclass
class SyncSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    skipped_paid: int = 0

    def text(self) -> str:
        return (
            f"新增 {self.created:,} 条，更新 {self.updated:,} 条，未变 {self.unchanged:,} 条，"
            f"标记待复核 {self.flagged:,} 条，已兑付/归档未改动 {self.skipped_paid:,} 条"
        )


@dataclass(frozen=True)
class _Pair:
    enterprise_id: int
    item_id: int
    district_id: int
    verdict: str
    mode: str
    amount_fen: int | None
    payable_fen: int | None
    reason_codes: list[str]
    to_confirm: list[str]

    @property
    def kept(self) -> bool:
        """Eligible with money after 不重复奖, or needing the enterprise's confirmation."""
        if self.verdict == "eligible":
            return (self.payable_fen or 0) > 0
        return self.verdict == "needs_confirmation"

    @property
    def amount(self) -> int | None:
        """What would be paid: after 不重复奖 when eligible; the item's amount when the enterprise
        still has to confirm (不重复奖 only ranks eligible pairs, so their payable is 0)."""
        if self.verdict == "eligible" and self.payable_fen is not None:
            return self.payable_fen
        return self.amount_fen


# Fields a re-match may change on an entitlement still in 已比对 / 已推送.
SYNC_FIELDS = [
    "item",
    "item_version",
    "department",
    "district",
    "run",
    "snapshot_taken_at",
    "mode",
    "verdict",
    "amount_fen",
    "reason_codes",
    "to_confirm",
    "due_on",
    "needs_review",
    "review_reason",
]


def _yuan_text(fen: int | None) -> str:
    return "金额待定" if fen is None else format_fen(fen)


def _evaluated_keys(run: MatchRun, items: dict[int, RewardItem]) -> set[str]:
    """Item keys the run evaluated (pairs or not): from its summary, else its packs' items."""
    summary = run.summary or {}
    if "items" not in summary:
        return {item.key for item in items.values()}
    return {line["key"] for line in summary["items"] if line.get("key")}


def create_entitlements_from_run(
    run: MatchRun, *, progress: Callable[[int, int], None] | None = None
) -> SyncSummary:
    """Entitlements from a finished batch match, in one transaction: new pairs created, unpaid ones in
    已比对/已推送 brought up to the run, later open ones flagged when the amount or verdict changed,
    open ones the run no longer finds flagged, paid/archived ones never changed (annotated when the
    run disagrees). Running it again changes nothing. docs/entitlements.md, 重新比对."""
    run = MatchRun.objects.get(pk=run.pk)
    if run.kind != "match" or run.state != "done":
        raise EntitlementRefused("只能从已完成的批量匹配（不是政策测算）生成兑现事项")
    report = progress or (lambda done, total: None)
    items = {i.pk: i for i in RewardItem.objects.filter(policy__pack__in=run.packs.all())}
    keys = _evaluated_keys(run, items)
    # The stored result columns after run_id, in the order `_Pair` reads them.
    rows = MatchResult.objects.filter(run=run).values_list(*RESULT_COLUMNS[1:])
    pairs: dict[tuple[int, str], _Pair] = {}
    dropped: set[tuple[int, str]] = set()  # evaluated and found, but nothing to pay after 不重复奖
    for row in rows.iterator(chunk_size=10_000):
        pair = _Pair(*row)
        item = items.get(pair.item_id) or RewardItem.objects.get(pk=pair.item_id)
        items[item.pk] = item
        key = (pair.enterprise_id, item.key)
        if pair.kept:
            pairs[key] = pair
        else:
            dropped.add(key)
    total = len(pairs)
    report(0, total)
    summary = SyncSummary()
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One sync at a time: a second one waits and then finds what the first wrote.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK])
        existing = {
            (e.enterprise_id, e.item_key): e
            for e in Entitlement.objects.filter(item_key__in=keys | {k for _, k in pairs}).iterator(
                chunk_size=10_000
            )
        }
        # Notes already written on paid/archived ones (a run synced twice does not say it twice).
        final = [e.pk for e in existing.values() if e.state in {s.value for s in FINAL_STATES}]
        noted = set(
            EntitlementNote.objects.filter(
                entitlement_id__in=final, text__startswith=f"重新比对（批次 {run.pk}"
            )
            .values_list("entitlement_id", "text")
            .iterator(chunk_size=10_000)
        )
        # New rows as plain field dicts (attname → value): 100,000 model instances cost seconds.
        blank = _blank_row()
        new: list[dict[str, Any]] = []
        changed: list[Entitlement] = []
        notes: list[EntitlementNote] = []
        done = 0
        for key, pair in pairs.items():
            item = items[pair.item_id]
            amount = pair.amount
            e = existing.get(key)
            if e is None:
                new.append(
                    blank
                    | {
                        "enterprise_id": pair.enterprise_id,
                        "district_id": pair.district_id,
                        "item_key": item.key,
                        "item_id": item.pk,
                        "item_version": item.version,
                        "department": item.department,
                        "run_id": run.pk,
                        "snapshot_taken_at": run.snapshot_taken_at,
                        "mode": pair.mode,
                        "verdict": pair.verdict,
                        "amount_fen": amount,
                        "reason_codes": list(pair.reason_codes or []),
                        "to_confirm": list(pair.to_confirm or []),
                        "state": State.MATCHED.value,
                        "matched_at": now,
                    }
                )
            else:
                outcome = _sync_existing(e, pair, item, run)
                if outcome == "updated":
                    changed.append(e)
                    summary.updated += 1
                elif outcome == "flagged":
                    changed.append(e)
                    summary.flagged += 1
                elif outcome == "paid":
                    summary.skipped_paid += 1
                    text = _paid_disagreement(e, pair, run)
                    if text and (e.pk, text) not in noted:
                        notes.append(EntitlementNote(entitlement=e, text=text))
                else:
                    summary.unchanged += 1
            done += 1
            if done % 5000 == 0:
                report(done, total)
        # Open entitlements of evaluated items that the run no longer finds.
        for key, e in existing.items():
            if key in pairs or key[1] not in keys:
                continue
            state = State(e.state)
            why = (
                "重新比对后本项应兑付金额为 0（与同组奖励不重复享受，以最高标准为准）"
                if key in dropped
                else ABSENT_REASON
            )
            if state in OPEN_STATES:
                reason = _flag_text(why, run)
                if not _already_flagged(e, why):
                    e.needs_review, e.review_reason = True, reason
                    changed.append(e)
                    summary.flagged += 1
                else:
                    summary.unchanged += 1
            elif state in FINAL_STATES:
                summary.skipped_paid += 1
                text = (
                    f"重新比对（批次 {run.pk}，测算日期 {run.as_of:%Y-%m-%d}）：{why}；"
                    f"{state.label}的记录不作改动"
                )
                if (e.pk, text) not in noted:
                    notes.append(EntitlementNote(entitlement=e, text=text))
        user_id = run.started_by_id
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            _insert_new(batch, user_id, f"比对生成（批次 {run.pk}）", now)
            summary.created += len(batch)
            report(min(total, done), total)
        for start in range(0, len(changed), BATCH_SIZE):
            _update_changed(changed[start : start + BATCH_SIZE], user_id, f"重新比对（批次 {run.pk}）", now)
        if notes:
            EntitlementNote.objects.bulk_create(notes, batch_size=BATCH_SIZE)
    report(total, total)
    return summary


# --- writing many rows at once, each with its history record ------------------------------------
#
# PostgreSQL: COPY (ids taken from the sequence first, so the history rows can name them), and an
# UPDATE … FROM a temporary table filled by COPY; 100,000 rows take seconds. Elsewhere (SQLite):
# simple_history's bulk_create_with_history / bulk_update_with_history.


def _blank_row() -> dict[str, Any]:
    """Every stored field of a new entitlement at its default (attname → value), id None."""
    template = Entitlement()
    return {attname: getattr(template, attname) for _, attname, _ in _entitlement_columns()}


def _insert_new(batch: list[dict[str, Any]], user_id: int | None, reason: str, now: dt.datetime) -> None:
    """Insert new entitlements (field dicts) and their '+' history records."""
    if connection.vendor != "postgresql":
        user = User.objects.filter(pk=user_id).first() if user_id else None
        bulk_create_with_history(
            [Entitlement(**row) for row in batch],
            Entitlement,
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        )
        return
    table = Entitlement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(batch)],
        )
        for row, (pk,) in zip(batch, cursor.fetchall(), strict=True):
            row["id"] = pk
        _copy(cursor, table, _entitlement_columns(), batch)
    _copy_history(batch, "+", user_id, reason, now)


def _update_changed(
    batch: list[Entitlement],
    user_id: int | None,
    reason: str,
    now: dt.datetime,
    fields: Sequence[str] = tuple(SYNC_FIELDS),
) -> None:
    """Write back `fields` of changed entitlements, with their '~' history records."""
    if connection.vendor != "postgresql":
        user = User.objects.filter(pk=user_id).first() if user_id else None
        bulk_update_with_history(
            batch,
            Entitlement,
            list(fields),
            batch_size=200,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        )
        return
    table = Entitlement._meta.db_table
    columns = _entitlement_columns()
    rows = [{attname: getattr(e, attname) for _, attname, _ in columns} for e in batch]
    columns_set = [Entitlement._meta.get_field(name).column for name in fields]
    assignments = ", ".join(f'"{column}" = s."{column}"' for column in columns_set)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS entitlement_sync")
        cursor.execute(f'CREATE TEMPORARY TABLE entitlement_sync (LIKE "{table}") ON COMMIT DROP')
        _copy(cursor, "entitlement_sync", columns, rows)
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM entitlement_sync s WHERE t.id = s.id')
        cursor.execute("DROP TABLE entitlement_sync")
    _copy_history(rows, "~", user_id, reason, now)


def _entitlement_columns() -> list[tuple[str, str, bool]]:
    """(column, attname, is JSON) of every stored field of an entitlement."""
    from django.db.models import JSONField

    return [(f.column, f.attname, isinstance(f, JSONField)) for f in Entitlement._meta.concrete_fields]


def _copy(
    cursor: Any, table: str, columns: list[tuple[str, str, bool]], rows: Iterable[dict[str, Any]]
) -> None:
    """COPY field dicts into `table` (JSON values encoded once per distinct value)."""
    import json

    encoded: dict[str, str] = {}

    def as_json(value: Any) -> str:
        key = repr(value)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(value, ensure_ascii=False)
        return text

    attnames = [attname for _, attname, _ in columns]
    json_positions = [i for i, (_, _, is_json) in enumerate(columns) if is_json]

    def values_of(row: dict[str, Any]) -> list[Any]:
        values = [row[attname] for attname in attnames]
        for i in json_positions:
            values[i] = as_json(values[i])
        return values

    copy_rows(cursor.cursor, table, [column for column, _, _ in columns], map(values_of, rows))


def _copy_history(
    rows: list[dict[str, Any]], kind: str, user_id: int | None, reason: str, now: dt.datetime
) -> None:
    """The simple_history records of rows written with COPY: what `bulk_history_create` would write."""
    history = Entitlement.history.model  # type: ignore[attr-defined]
    extra = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": kind,
        "history_user_id": user_id,
    }
    own = {attname for _, attname, _ in _entitlement_columns()}
    columns = [
        (f.column, f.attname, f.get_internal_type() == "JSONField")
        for f in history._meta.concrete_fields
        if f.attname != "history_id"
    ]
    missing = [a for _, a, _ in columns if a not in own and a not in extra]
    assert not missing, f"history columns not filled: {missing}"
    with connection.cursor() as cursor:
        _copy(cursor, history._meta.db_table, columns, (row | extra for row in rows))


def _sync_existing(e: Entitlement, pair: _Pair, item: RewardItem, run: MatchRun) -> str:
    """Bring one existing entitlement up to a new run's pair; 'updated', 'flagged', 'paid' or 'same'."""
    state = State(e.state)
    amount = pair.amount
    if state in FINAL_STATES:
        return "paid"
    if state not in OPEN_STATES:  # rejected / withdrawn: a decision stands; re-matching does not reopen it
        return "same"
    if state in (State.MATCHED, State.PUSHED):
        # The item row of a new pack version with the same rule (same version) is no change.
        new_values = {
            "item_version": item.version,
            "department": item.department,
            "district_id": pair.district_id,
            "mode": pair.mode,
            "verdict": pair.verdict,
            "amount_fen": amount,
            "reason_codes": list(pair.reason_codes or []),
            "to_confirm": list(pair.to_confirm or []),
        }
        lift = e.needs_review and e.review_reason.startswith((ABSENT_REASON, "重新比对后本项应兑付金额为 0"))
        if all(getattr(e, k) == v for k, v in new_values.items()) and not lift:
            return "same"
        for k, v in new_values.items():
            setattr(e, k, v)
        e.item = item
        e.run_id, e.snapshot_taken_at = run.pk, run.snapshot_taken_at
        if lift:
            e.needs_review, e.review_reason = False, ""
        if state == State.PUSHED and e.pushed_at is not None:
            e.due_on = stage_due(e, State.PUSHED, timezone.localtime(e.pushed_at).date())
        return "updated"
    # 已确认 / 审核通过 / 公示中: someone has acted on it; a change is a clerk's decision, not ours.
    changes = []
    if e.verdict != pair.verdict:
        labels = dict(MatchResult._meta.get_field("verdict").choices)  # type: ignore[arg-type]
        changes.append(f"结论由“{labels.get(e.verdict)}”变为“{labels.get(pair.verdict)}”")
    if e.amount_fen != amount:
        changes.append(f"金额由 {_yuan_text(e.amount_fen)} 变为 {_yuan_text(amount)}")
    if not changes:
        return "same"
    why = f"{CHANGED_REASON}：{'，'.join(changes)}"
    if _already_flagged(e, why):
        return "same"
    e.needs_review, e.review_reason = True, _flag_text(why, run)
    return "flagged"


def _flag_text(why: str, run: MatchRun) -> str:
    return f"{why}，请复核（批次 {run.pk}，测算日期 {run.as_of:%Y-%m-%d}）"[:300]


def _already_flagged(e: Entitlement, why: str) -> bool:
    """Flagged for the same reason by an earlier run (a later run saying it again is no news)."""
    return e.needs_review and e.review_reason.startswith(f"{why}，请复核")


def _paid_disagreement(e: Entitlement, pair: _Pair, run: MatchRun) -> str:
    """A note for a paid/archived entitlement the run sees differently ('' when it agrees)."""
    amount = pair.amount
    if e.amount_fen == amount and e.verdict == pair.verdict:
        return ""
    return (
        f"重新比对（批次 {run.pk}，测算日期 {run.as_of:%Y-%m-%d}）：测算金额 {_yuan_text(amount)}，"
        f"与{State(e.state).label}记录（{_yuan_text(e.amount_fen)}）不同；该记录不作改动"
    )


# ==================================================================================================
# Push and the enterprise's side
# ==================================================================================================


def _portal_link(e: Entitlement | None = None) -> str:
    """Where the enterprise reads about an entitlement on its page (企业码 or login)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("portal:entitlement", args=[e.pk]) if e is not None else reverse("portal:home")
    except NoReverseMatch:
        return ""


def push_entitlements(entitlements: Iterable[Entitlement], *, by: User | None) -> int:
    """Notify each enterprise of its entitlements still in 已比对 (others are left as they are: a
    second push of the same list sends nothing; one flagged for review waits until a clerk has looked
    at it, so no enterprise is told of money it may not get); returns how many were pushed. `by` None
    is the system (a scheduled push); a person must be allowed to manage entitlements."""
    from yingshang.notifications.services import Notice, notify_many, schedule_delivery

    if by is not None:
        _require_manage(by)
    ids = [e.pk for e in entitlements]
    day = today()
    now = timezone.now()
    with transaction.atomic():
        rows = (
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice")
            .filter(pk__in=ids, state=State.MATCHED.value, needs_review=False)
            .order_by("pk")
        )
        if by is not None:
            rows = rows.filter(pk__in=visible_entitlements(by).values("pk"))
        pushed = list(rows)
        notes: list[EntitlementNote] = []
        for e in pushed:
            e.state = _next(e, Action.PUSH, day).value
            e.pushed_at = now
            e.due_on = stage_due(e, State.PUSHED, day)
            if e.due_on is None:
                problem = due_problem(e, State.PUSHED, day)
                if problem:
                    notes.append(EntitlementNote(entitlement=e, author=by, text=problem))
        for start in range(0, len(pushed), BATCH_SIZE):
            _update_changed(
                pushed[start : start + BATCH_SIZE],
                by.pk if by is not None else None,
                Action.PUSH.label,
                now,
                fields=("state", "pushed_at", "due_on"),
            )
        EntitlementNote.objects.bulk_create(notes, batch_size=BATCH_SIZE)
        notify_many(
            Notice(
                e.enterprise_id,
                PUSH_TOPIC,
                _push_subject(e),
                _push_body(e),
                f"entitlement:{e.pk}:push",
                _portal_link(e),
            )
            for e in pushed
        )
        if pushed:
            # SMS and e-mail go out from the worker once this transaction has committed.
            schedule_delivery()
    return len(pushed)


def _push_subject(e: Entitlement) -> str:
    return f"政策兑现提醒：{e.item.title}"


def _push_body(e: Entitlement) -> str:
    amount = f"，测算金额 {format_fen(e.amount_fen)}" if e.amount_fen else ""
    if workflow.requires_confirmation(e.mode, e.verdict):
        due = f"请于 {e.due_on:%Y年%m月%d日} 前" if e.due_on else "请尽快"
        todo = "；".join(e.to_confirm) or "企业信息和收款账户"
        return (
            f"{e.enterprise.name}：经比对，贵单位可享受“{e.item.title}”{amount}。"
            f"{due}登录或通过企业码确认：{todo}。"
        )
    return (
        f"{e.enterprise.name}：经比对，贵单位符合“{e.item.title}”（免申即享）{amount}，"
        "无需申请，审核公示后直接兑付。"
    )


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ACCOUNT_RE = re.compile(r"^\d{8,30}$")
OBJECTION_MAX_CHARS = 2000


def _same_name(name: str) -> str:
    """A company name as compared: half- and full-width brackets alike, no spaces."""
    return re.sub(r"\s", "", name).replace("(", "（").replace(")", "）")


def _clean_payee(payee: dict[str, Any], e: Entitlement) -> dict[str, str]:
    account_name = str(payee.get("account_name") or "").strip()
    bank = str(payee.get("bank") or "").strip()
    account_no = re.sub(r"[\s-]", "", str(payee.get("account_no") or ""))
    problems = []
    if not account_name:
        problems.append("收款户名不能为空")
    elif _same_name(account_name) != _same_name(e.enterprise.name):
        problems.append(f"收款户名应为本企业名称“{e.enterprise.name}”（奖补资金只拨付到企业对公账户）")
    if not bank:
        problems.append("开户银行不能为空")
    if not ACCOUNT_RE.match(account_no):
        problems.append("银行账号应为 8 到 30 位数字")
    if problems:
        raise EntitlementRefused("；".join(problems))
    return {"account_name": account_name, "bank": bank[:100], "account_no": account_no}


def confirm_entitlement(
    e: Entitlement,
    *,
    confirmer_name: str,
    confirmer_phone: str,
    payee: dict[str, Any],
    conditions: list[str],
    via: str,
    by: User | None = None,
) -> Entitlement:
    """The enterprise confirms the conditions the platform could not check and its bank account
    (快申快享, or data missing at matching). Refused after the confirmation deadline."""
    if via not in VIA_CHOICES:
        raise EntitlementRefused(f"确认方式只能是：{'、'.join(VIA_CHOICES)}")
    if by is not None and (by.role_enum != Role.ENTERPRISE or by.enterprise_id != e.enterprise_id):
        raise EntitlementRefused("只能由本企业确认自己的政策兑现事项")
    name = (confirmer_name or "").strip()
    phone = re.sub(r"\s", "", confirmer_phone or "")
    if not name:
        raise EntitlementRefused("请填写确认人姓名")
    if not PHONE_RE.match(phone):
        raise EntitlementRefused(f"联系电话“{confirmer_phone}”格式不对，请填写 11 位手机号或带区号的固定电话")
    with transaction.atomic():
        e = _locked(e)
        target = _next(e, Action.CONFIRM)
        missing = [c for c in e.to_confirm if c not in set(conditions)]
        if missing:
            raise EntitlementRefused("请逐项确认以下条件：" + "；".join(missing))
        cleaned = _clean_payee(payee, e)
        now = timezone.now()
        e.state = target.value
        e.confirmed_at = now
        e.confirmation = {
            "name": name[:50],
            "phone": phone,
            "conditions": list(e.to_confirm),
            "via": via,
            "at": now.isoformat(),
        }
        e.payee = cleaned
        e.due_on = stage_due(e, State.CONFIRMED, today())
        _save(e, by, f"{Action.CONFIRM.label}（{via}）")
        _note_missing_due(e, State.CONFIRMED, today(), by)
        return e


def mark_seen(e: Entitlement) -> None:
    """The enterprise saw the entitlement for the first time (知晓): stamp it once."""
    with transaction.atomic():
        e = Entitlement.objects.select_for_update(of=("self",)).get(pk=e.pk)
        if e.seen_at is not None:
            return
        e.seen_at = timezone.now()
        _save(e, None, "企业首次查看")


# ==================================================================================================
# Review and budget
# ==================================================================================================


@dataclass
class ApprovalOutcome:
    approved: list[Entitlement] = field(default_factory=list)
    held: list[Entitlement] = field(default_factory=list)  # over budget, still waiting
    warning: str | None = None


@dataclass(frozen=True)
class BudgetStatus:
    item_key: str
    cap_fen: int | None
    committed_fen: int
    remaining_fen: int | None
    waiting_fen: int  # amounts confirmed (or needing no confirmation) and waiting for review


def _awaiting_review() -> Q:
    """Entitlements ready for approval: confirmed, or pushed without needing confirmation."""
    auto = Q(mode="免申即享") & ~Q(verdict="needs_confirmation")
    return Q(state=State.CONFIRMED.value) | (Q(state=State.PUSHED.value) & auto)


def budget_cap(item_key: str) -> int | None:
    """The cap of the working version of an item (the newest stored one when none is working)."""
    working = RewardItem.objects.filter(key=item_key, policy__pack__is_working=True).first()
    row = working or RewardItem.objects.filter(key=item_key).order_by("-pk").first()
    return row.budget_cap_fen if row is not None else None


def committed_fen(item_key: str) -> int:
    states = [s.value for s in BUDGET_STATES]
    total = Entitlement.objects.filter(item_key=item_key, state__in=states).aggregate(t=Sum("amount_fen"))[
        "t"
    ]
    return int(total or 0)


def budget_status(item_key: str) -> BudgetStatus:
    cap = budget_cap(item_key)
    committed = committed_fen(item_key)
    waiting = (
        Entitlement.objects.filter(_awaiting_review(), item_key=item_key).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    remaining = None if cap is None else cap - committed
    return BudgetStatus(item_key, cap, committed, remaining, int(waiting))


def _queued_at(e: Entitlement) -> dt.datetime:
    return e.confirmed_at or e.matched_at


def _lock_item(item_key: str) -> None:
    """Serialise approvals of one item: every row of it is locked until the transaction ends, so two
    reviewers approving at once cannot both spend the same money (PostgreSQL; SQLite serialises
    writers anyway)."""
    if connection.vendor == "postgresql":
        list(Entitlement.objects.select_for_update().filter(item_key=item_key).values_list("pk", flat=True))


def approve_entitlements(ids: Iterable[int], *, by: User) -> ApprovalOutcome:
    """Approve entitlements the reviewer may review; with a budget cap, strictly first-come (see
    `budget`): those that do not fit wait, with a warning. Any entitlement that may not be approved
    refuses the whole request."""
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要审核的事项")
    if by is None or not by.is_authenticated or not by.can("entitlements.review"):
        raise EntitlementRefused("您的角色无权审核政策兑现事项")
    outcome = ApprovalOutcome()
    warnings: list[str] = []
    day = today()
    with transaction.atomic():
        found = {
            e.pk: e
            for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(pk__in=wanted)
        }
        gone = [str(i) for i in wanted if i not in found]
        if gone:
            raise EntitlementRefused(f"找不到编号为 {'、'.join(gone)} 的兑现事项")
        allowed = set(reviewable_by(by).filter(pk__in=wanted).values_list("pk", flat=True))
        forbidden = [_label(found[i]) for i in wanted if i not in allowed]
        if forbidden:
            raise EntitlementRefused("以下事项不在您的审核范围内：" + "、".join(forbidden))
        by_item: dict[str, list[int]] = defaultdict(list)
        for pk in wanted:
            by_item[found[pk].item_key].append(pk)
        for item_key in sorted(by_item):
            _lock_item(item_key)
            requested = set(by_item[item_key])
            rows = {
                e.pk: e
                for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(
                    pk__in=requested
                )
            }
            problems = []
            for e in rows.values():
                try:
                    _next(e, Action.APPROVE, day)
                except EntitlementRefused as exc:
                    problems.append(f"{_label(e)}：{exc.message}")
                    continue
                if e.amount_fen is None:
                    problems.append(f"{_label(e)}：金额尚未确定，不能审核通过")
            if problems:
                raise EntitlementRefused("；".join(problems))
            cap = budget_cap(item_key)
            queue = list(
                Entitlement.objects.select_related("enterprise", "item").filter(
                    _awaiting_review(), item_key=item_key, needs_review=False, amount_fen__isnull=False
                )
                | Entitlement.objects.select_related("enterprise", "item").filter(pk__in=requested)
            )
            committed = committed_fen(item_key)
            allocation = budget.allocate(
                cap,
                committed,
                [budget.Candidate(e.pk, e.amount_fen or 0, _queued_at(e), e.enterprise.uscc) for e in queue],
            )
            fits = {c.key for c in allocation.fits}
            for pk in sorted(requested, key=lambda k: (_queued_at(rows[k]), rows[k].enterprise.uscc, k)):
                e = rows[pk]
                if pk not in fits:
                    outcome.held.append(e)
                    continue
                e.state = State.APPROVED.value
                e.reviewed_at, e.reviewed_by = timezone.now(), by
                e.due_on = None
                _save(e, by, Action.APPROVE.label)
                outcome.approved.append(e)
            held_here = [rows[c.key] for c in allocation.waits if c.key in requested]
            if held_here:
                # Others queued before the first held one (approved later, or waiting themselves).
                queue_keys = [c.key for c in (*allocation.fits, *allocation.waits)]
                first_held = queue_keys.index(held_here[0].pk)
                ahead = [c for c in (*allocation.fits, *allocation.waits)][:first_held]
                ahead = [c for c in ahead if c.key not in requested]
                warnings.append(_budget_warning(cap or 0, committed_fen(item_key), held_here, ahead))
    outcome.warning = "\n".join(warnings) or None
    return outcome


def _budget_warning(
    cap: int, committed: int, held: Sequence[Entitlement], ahead: Sequence[budget.Candidate]
) -> str:
    """'预算上限 X 元，已占用 Y 元（approvals of this request included），以下 N 家超出预算…'."""
    title = held[0].item.title
    names = "、".join(e.enterprise.name for e in held)
    text = (
        f"“{title}”预算上限 {format_fen(cap)}，已占用 {format_fen(committed)}，"
        f"以下 {len(held)} 家超出预算未通过审核，按先确认先审核的顺序继续等待：{names}"
    )
    if ahead:
        text += (
            f"。排在它们之前、尚未审核的 {len(ahead)} 家"
            f"（合计 {format_fen(sum(c.amount_fen for c in ahead))}）优先占用预算"
        )
    return text + "。追加预算或前序事项审核不通过后可再审核。"


def reject_entitlement(e: Entitlement, *, by: User, reason: str) -> Entitlement:
    """The department rejects, with a reason the enterprise will read."""
    reason = (reason or "").strip()
    if not reason:
        raise EntitlementRefused("审核不通过必须填写原因")
    _require_in(reviewable_by(by), e, "审核")
    with transaction.atomic():
        e = _locked(e)
        target = _next(e, Action.REJECT)
        e.state = target.value
        e.rejection_reason = reason[:300]
        e.reviewed_at, e.reviewed_by = timezone.now(), by
        e.due_on = None
        _save(e, by, Action.REJECT.label)
        _notify_follow_up(
            e,
            kind="rejected",
            subject=f"政策兑现审核结果：{e.item.title}",
            body=f"{e.enterprise.name}：“{e.item.title}”审核不通过，原因：{e.rejection_reason}。如有疑问请联系主管部门。",
        )
        return e


def withdraw_entitlement(e: Entitlement, *, by: User, reason: str) -> Entitlement:
    """The department withdraws an entitlement before review (撤销): e.g. a flagged one whose
    enterprise no longer qualifies, which cannot be rejected because nobody has reviewed it yet."""
    reason = (reason or "").strip()
    if not reason:
        raise EntitlementRefused("撤销必须填写原因")
    _require_in(reviewable_by(by), e, "撤销")
    with transaction.atomic():
        e = _locked(e)
        told = e.state != State.MATCHED.value  # only a pushed enterprise knows of it
        e.state = _next(e, Action.WITHDRAW).value
        e.rejection_reason = reason[:300]
        e.reviewed_at, e.reviewed_by = timezone.now(), by
        e.due_on = None
        e.needs_review = False
        _save(e, by, Action.WITHDRAW.label)
        if told:
            _notify_follow_up(
                e,
                kind="withdrawn",
                subject=f"政策兑现撤销：{e.item.title}",
                body=f"{e.enterprise.name}：“{e.item.title}”已撤销，原因：{e.rejection_reason}。如有疑问请联系主管部门。",
            )
        return e


def _notify_follow_up(e: Entitlement, *, kind: str, subject: str, body: str) -> None:
    """A message after the push (rejection, payment), once per entitlement and kind."""
    from yingshang.notifications.services import notify

    notify(
        e.enterprise,
        topic=f"entitlement.{kind}",
        subject=subject,
        body=body,
        link=_portal_link(e),
        dedupe_key=f"entitlement:{e.pk}:{kind}",
    )


def clear_review(e: Entitlement, *, by: User, note: str) -> Entitlement:
    """A clerk has looked at a flagged entitlement and lets it stand (the note says why)."""
    note = (note or "").strip()
    if not note:
        raise EntitlementRefused("请填写复核意见")
    _require_in(reviewable_by(by), e, "复核")
    with transaction.atomic():
        e = _locked(e)
        if not e.needs_review:
            raise EntitlementRefused("该事项没有待复核的情况")
        if e.objections.filter(state="open").exists():
            raise EntitlementRefused("该事项还有未处理的公示异议，请先处理异议")
        reason = e.review_reason
        e.needs_review, e.review_reason = False, ""
        _save(e, by, "复核通过，维持原状")
        _note(e, by, f"复核：{reason or '待复核'} —— {note}")
        return e


def annotate(e: Entitlement, *, by: User, text: str) -> EntitlementNote:
    """A remark on any entitlement (the only addition a paid one accepts)."""
    text = (text or "").strip()
    if not text:
        raise EntitlementRefused("备注内容不能为空")
    if by is None or not by.can("entitlements.review"):
        raise EntitlementRefused("您的角色无权添加备注")
    _require_in(visible_entitlements(by), e, "备注")
    return _note(e, by, text[:2000])


# ==================================================================================================
# 公示 and objections
# ==================================================================================================


def publish_notice(ids: Iterable[int], *, by: User, title: str, workdays: int | None = None) -> PublicNotice:
    """List approved entitlements publicly for `workdays` working days (default from settings)."""
    _require_manage(by)
    title = (title or "").strip()
    if not title:
        raise EntitlementRefused("请填写公示标题")
    limits = deadlines() if workdays is None else dataclasses.replace(deadlines(), publicity=workdays)
    if limits.publicity < 1 or limits.publicity > 60:
        raise EntitlementRefused("公示期应为 1 到 60 个工作日")
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要公示的事项")
    day = today()
    calendar = get_calendar()
    try:
        starts_on = calendar.add_workdays(day, 0)
        ends_on = calendar.add_workdays(starts_on, limits.publicity)
    except CalendarError as exc:
        raise EntitlementRefused(f"无法计算公示截止日期：{exc.message}") from None
    with transaction.atomic():
        rows = list(
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice")
            .filter(pk__in=visible_entitlements(by).filter(pk__in=wanted).values("pk"))
            .order_by("pk")
        )
        if len(rows) != len(wanted):
            raise EntitlementRefused("所选事项中有找不到或不在您管辖范围内的，请刷新后重试")
        problems = []
        for e in rows:
            try:
                _next(e, Action.PUBLICIZE, day)
                if e.needs_review:
                    raise EntitlementRefused(f"有待复核的情况（{e.review_reason}），请先复核")
            except EntitlementRefused as exc:
                problems.append(f"{_label(e)}：{exc.message}")
        if problems:
            raise EntitlementRefused("；".join(problems))
        districts = {e.district_id for e in rows}
        notice = PublicNotice.objects.create(
            title=title[:200],
            district_id=districts.pop() if len(districts) == 1 else None,
            starts_on=starts_on,
            ends_on=ends_on,
            workdays=limits.publicity,
            created_by=by,
        )
        for e in rows:
            e.state = State.PUBLICIZED.value
            e.notice = notice
            e.due_on = stage_due(e, State.PUBLICIZED, starts_on, limits)
            _save(e, by, Action.PUBLICIZE.label)
            _note_missing_due(e, State.PUBLICIZED, starts_on, by)
        return notice


def raise_objection(
    notice: PublicNotice,
    *,
    text: str,
    contact_name: str = "",
    contact_phone: str = "",
    entitlement: Entitlement | None = None,
) -> Objection:
    """Anyone may object during the 公示; the named entitlement (if any) waits for review."""
    text = (text or "").strip()
    if not text:
        raise EntitlementRefused("请填写异议内容")
    if len(text) > OBJECTION_MAX_CHARS:
        raise EntitlementRefused(f"异议内容不超过 {OBJECTION_MAX_CHARS} 字")
    phone = re.sub(r"\s", "", contact_phone or "")
    if phone and not PHONE_RE.match(phone):
        raise EntitlementRefused(f"联系电话“{contact_phone}”格式不对")
    day = today()
    if day < notice.starts_on:
        raise EntitlementRefused(f"公示自 {notice.starts_on:%Y年%m月%d日} 开始，尚不能提出异议")
    if day > notice.ends_on:
        raise EntitlementRefused(f"公示期已于 {notice.ends_on:%Y年%m月%d日} 结束，不再受理异议")
    with transaction.atomic():
        if entitlement is not None:
            entitlement = _locked(entitlement)
            if entitlement.notice_id != notice.pk:
                raise EntitlementRefused("所指事项不在本次公示名单中")
        objection = Objection.objects.create(
            notice=notice,
            entitlement=entitlement,
            text=text,
            contact_name=(contact_name or "").strip()[:50],
            contact_phone=phone[:20],
        )
        if entitlement is not None and not entitlement.needs_review:
            entitlement.needs_review = True
            entitlement.review_reason = f"{OBJECTION_REASON}，待处理"
            _save(entitlement, None, "收到公示异议")
        return objection


def resolve_objection(
    o: Objection, *, by: User, upheld: bool, resolution: str, entitlement: Entitlement | None = None
) -> Objection:
    """The office decides an objection. Upheld: the entitlement it concerns is rejected (an objection
    raised against the whole list must name which one, via `entitlement`). Dismissed: the entitlement
    goes on once no other objection against it is open."""
    _require_manage(by)
    resolution = (resolution or "").strip()
    if not resolution:
        raise EntitlementRefused("请填写处理意见")
    with transaction.atomic():
        o = Objection.objects.select_for_update().get(pk=o.pk)
        if o.state != "open":
            raise EntitlementRefused(f"该异议已处理（{o.get_state_display()}）")
        target = o.entitlement
        if entitlement is not None:
            if target is not None and target.pk != entitlement.pk:
                raise EntitlementRefused("该异议针对的是另一家企业的事项")
            target = entitlement
        if target is not None:
            target = _locked(target)
            _require_in(visible_entitlements(by), target, "处理")
            if target.notice_id != o.notice_id:
                raise EntitlementRefused("所指事项不在该异议所属的公示名单中")
        if upheld and target is None:
            raise EntitlementRefused("异议成立时须指明涉及公示名单中的哪一家企业")
        o.state = "upheld" if upheld else "dismissed"
        o.handled_by, o.handled_at, o.resolution = by, timezone.now(), resolution
        o.entitlement = target
        o._history_user = by  # type: ignore[attr-defined]
        o.save()
        if target is not None:
            if upheld:
                target.state = _next(target, Action.UPHOLD_OBJECTION).value
                target.rejection_reason = f"公示异议成立：{resolution}"[:300]
                target.needs_review, target.review_reason = False, ""
                target.reviewed_at, target.reviewed_by, target.due_on = timezone.now(), by, None
                _save(target, by, Action.UPHOLD_OBJECTION.label)
            elif not target.objections.filter(state="open").exists() and target.review_reason.startswith(
                OBJECTION_REASON
            ):
                target.needs_review, target.review_reason = False, ""
                _save(target, by, "异议不成立")
        return o


def open_objections(e: Entitlement) -> QuerySet[Objection]:
    """Objections still open against `e` or against its whole 公示 list."""
    if not e.notice_id:
        return Objection.objects.none()
    return Objection.objects.filter(
        Q(entitlement=e) | Q(entitlement__isnull=True), notice_id=e.notice_id, state="open"
    )


# ==================================================================================================
# Payment
# ==================================================================================================


@dataclass(frozen=True)
class _OpenObjections:
    """Which entitlements have an open objection, for many at once (one query)."""

    notices: frozenset[int]  # 公示 with an open objection against the whole list
    entitlements: frozenset[int]

    @classmethod
    def of(cls, rows: Iterable[Entitlement]) -> _OpenObjections:
        notice_ids = {e.notice_id for e in rows if e.notice_id}
        found = Objection.objects.filter(notice_id__in=notice_ids, state="open").values_list(
            "notice_id", "entitlement_id"
        )
        pairs = list(found)
        return cls(
            frozenset(n for n, e in pairs if e is None), frozenset(e for _, e in pairs if e is not None)
        )

    def against(self, e: Entitlement) -> bool:
        return e.pk in self.entitlements or e.notice_id in self.notices


def _payable_problem(e: Entitlement, day: dt.date, objections: _OpenObjections | None = None) -> str:
    """Why `e` cannot be paid now ('' when it can)."""
    if e.state == State.PAID or e.voucher_no:
        return f"已于 {e.paid_on:%Y年%m月%d日} 登记兑付（凭证号 {e.voucher_no}），不能重复兑付"
    try:
        _next(e, Action.PAY, day)
    except EntitlementRefused as exc:
        return exc.message
    if e.notice_id is None:
        return "未经公示，不能兑付"
    if (objections or _OpenObjections.of([e])).against(e):
        return "公示异议尚未处理完毕，不能兑付"
    if e.amount_fen is None:
        return "金额尚未确定"
    return ""


def record_payment(
    e: Entitlement, *, by: User, voucher_no: str, paid_on: dt.date, amount_fen: int
) -> Entitlement:
    """Record that the money was paid (voucher number and date); a second payment is refused."""
    _require_manage(by)
    voucher = (voucher_no or "").strip()
    if not voucher:
        raise EntitlementRefused("请填写支付凭证号")
    if len(voucher) > 50:
        raise EntitlementRefused("支付凭证号不超过 50 个字符")
    day = today()
    if paid_on > day:
        raise EntitlementRefused(f"支付日期 {paid_on:%Y-%m-%d} 晚于今天，请核对")
    with transaction.atomic():
        e = _locked(e)
        _require_in(visible_entitlements(by), e, "登记兑付")
        problem = _payable_problem(e, day)
        if problem:
            raise EntitlementRefused(f"{_label(e)}：{problem}")
        _check_payment(e, voucher, paid_on, amount_fen)
        return _pay(e, by, voucher, paid_on, amount_fen)


def _check_payment(e: Entitlement, voucher: str, paid_on: dt.date, amount_fen: int) -> None:
    if amount_fen != e.amount_fen:
        raise EntitlementRefused(
            f"兑付金额 {format_fen(amount_fen)} 与核定金额 {_yuan_text(e.amount_fen)} 不一致，请核对"
        )
    if e.notice_id and paid_on <= e.notice.ends_on:
        raise EntitlementRefused(f"支付日期应在公示期满（{e.notice.ends_on:%Y-%m-%d}）之后")
    used = Entitlement.objects.filter(voucher_no=voucher).exclude(pk=e.pk).first()
    if used is not None:
        raise EntitlementRefused(f"支付凭证号 {voucher} 已用于另一笔兑付（编号 {used.pk}）")


def _pay(e: Entitlement, by: User, voucher: str, paid_on: dt.date, amount_fen: int) -> Entitlement:
    e.state = State.PAID.value
    e.voucher_no, e.paid_on, e.paid_fen = voucher, paid_on, amount_fen
    e.due_on = None
    try:
        with transaction.atomic():
            _save(e, by, Action.PAY.label)
    except IntegrityError:
        raise EntitlementRefused(f"支付凭证号 {voucher} 已被使用") from None
    _notify_follow_up(
        e,
        kind="paid",
        subject=f"政策兑现到账提醒：{e.item.title}",
        body=(
            f"{e.enterprise.name}：“{e.item.title}”奖补资金 {format_fen(amount_fen)} "
            f"已于 {paid_on:%Y年%m月%d日} 拨付，请查收。"
        ),
    )
    return e


PAYMENT_HEADERS = (
    "序号",
    "兑现编号",
    "企业名称",
    "统一社会信用代码",
    "奖补事项",
    "金额（元）",
    "收款户名",
    "开户银行",
    "账号",
    "支付凭证号",
    "支付日期",
)


def _batch_number(day: dt.date) -> str:
    prefix = f"ZF{day:%Y%m%d}-"
    taken = PaymentBatch.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def export_payment_batch(ids: Iterable[int], *, by: User) -> tuple[PaymentBatch, bytes]:
    """A 拨付批次 of entitlements whose 公示 ended without open objections, as .xlsx for 财政局."""
    from yingshang.policies.services import yuan

    _require_manage(by)
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise EntitlementRefused("请先选择要拨付的事项")
    day = today()
    with transaction.atomic():
        rows = list(
            Entitlement.objects.select_for_update(of=("self",))
            .select_related("enterprise", "item", "notice", "payment_batch")
            .filter(pk__in=visible_entitlements(by).filter(pk__in=wanted).values("pk"))
            .order_by("pk")
        )
        if len(rows) != len(wanted):
            raise EntitlementRefused("所选事项中有找不到或不在您管辖范围内的，请刷新后重试")
        problems = []
        objections = _OpenObjections.of(rows)
        for e in rows:
            problem = _payable_problem(e, day, objections)
            if not problem and e.payment_batch_id and e.payment_batch.state == "exported":
                problem = f"已在拨付批次 {e.payment_batch.number} 中，等待财政回执"
            if problem:
                problems.append(f"{_label(e)}：{problem}")
        if problems:
            raise EntitlementRefused("以下事项不能导出拨付：" + "；".join(problems))
        total = sum(e.amount_fen or 0 for e in rows)
        batch = PaymentBatch.objects.create(
            number=_batch_number(day), count=len(rows), total_fen=total, created_by=by
        )
        for e in rows:
            e.payment_batch = batch
            _save(e, by, f"导出拨付文件（{batch.number}）")
    return batch, _payment_workbook(batch, rows, yuan)


def payment_batch_workbook(batch: PaymentBatch) -> bytes:
    """The batch's file again, as it was exported (for a second download; nothing changes)."""
    from yingshang.policies.services import yuan

    rows = list(batch.entitlements.select_related("enterprise", "item").order_by("pk"))
    return _payment_workbook(batch, rows, yuan)


def _payment_workbook(
    batch: PaymentBatch, rows: Sequence[Entitlement], yuan: Callable[[int | None], Any]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "拨付清单"
    sheet.append(
        [f"政策兑现拨付清单 批次 {batch.number}，共 {batch.count} 笔，合计 {format_fen(batch.total_fen)}"]
    )
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(PAYMENT_HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, e in enumerate(rows, start=1):
        payee = e.payee or {}
        sheet.append(
            [
                number,
                e.pk,
                e.enterprise.name,
                e.enterprise.uscc,
                e.item.title,
                yuan(e.amount_fen),
                payee.get("account_name") or e.enterprise.name,
                payee.get("bank", ""),
                payee.get("account_no", ""),
                None,
                None,
            ]
        )
        sheet.cell(row=number + 2, column=6).number_format = "0.00"
        sheet.cell(row=number + 2, column=9).number_format = "@"
        sheet.cell(row=number + 2, column=10).number_format = "@"
        sheet.cell(row=number + 2, column=11).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJK", (6, 10, 36, 22, 36, 14, 36, 24, 26, 20, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class PaymentImportResult:
    batch: PaymentBatch
    paid: int = 0
    total_fen: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_payment_rows(data: bytes, filename: str) -> tuple[dict[str, int], list[tuple[int, list[Any]]]]:
    """The header's column positions and the data rows of a returned payment file."""
    from yingshang.registry.importer import ImportRefused, normalise_header, read_tables

    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"payment{suffix}"
        path.write_bytes(data)
        try:
            tables = read_tables(path, filename)
            table = tables[0]
            rows = list(table.rows)
        except ImportRefused as exc:
            raise EntitlementRefused(exc.message) from None
    wanted = {normalise_header(h): h for h in PAYMENT_HEADERS}
    for position, (_, cells) in enumerate(rows[:10]):
        names = [normalise_header(c) for c in cells]
        if normalise_header("兑现编号") in names:
            columns = {wanted[n]: i for i, n in enumerate(names) if n in wanted}
            missing = [h for h in ("兑现编号", "金额（元）", "支付凭证号", "支付日期") if h not in columns]
            if missing:
                raise EntitlementRefused(f"文件“{filename}”缺少列：{'、'.join(missing)}")
            return columns, rows[position + 1 :]
    raise EntitlementRefused(
        f"文件“{filename}”中找不到表头（应含“兑现编号”“金额（元）”“支付凭证号”“支付日期”列）"
    )


def _voucher_texts(rows: list[tuple[int, list[Any]]], index: int | None) -> set[str]:
    """Every voucher number written in the file (to look them all up at once)."""
    from yingshang.registry.importer import CellProblem, cell_text

    texts = set()
    for _, cells in rows:
        try:
            texts.add(cell_text(cells[index]) if index is not None and index < len(cells) else "")
        except CellProblem:
            continue
    return texts - {""}


def import_payment_file(batch: PaymentBatch, data: bytes, filename: str, *, by: User) -> PaymentImportResult:
    """Read the finance bureau's returned payment file: every row must name an entitlement of this
    batch, with exactly its amount, a voucher number used once and a valid date. Any error: nothing is
    recorded and `errors` lists them ("第N行 “列”列：…"). Otherwise every row is recorded paid."""
    from yingshang.registry.importer import CellProblem, cell_text, is_blank, parse_date, parse_money_fen

    _require_manage(by)
    result = PaymentImportResult(batch)
    try:
        columns, rows = _read_payment_rows(data, filename)
    except EntitlementRefused as exc:
        result.errors.append(exc.message)
        return result
    day = today()
    members = {
        e.pk: e
        for e in Entitlement.objects.select_related("enterprise", "item", "notice").filter(
            payment_batch=batch
        )
    }
    objections = _OpenObjections.of(members.values())
    used = dict(
        Entitlement.objects.filter(voucher_no__in=_voucher_texts(rows, columns.get("支付凭证号")))
        .exclude(voucher_no="")
        .values_list("voucher_no", "pk")
    )
    seen_ids: dict[int, int] = {}
    seen_vouchers: dict[str, int] = {}
    plan: list[tuple[Entitlement, str, dt.date, int]] = []
    errors = result.errors

    def cell(cells: list[Any], header: str) -> Any:
        index = columns.get(header)
        return cells[index] if index is not None and index < len(cells) else None

    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        where = f"第{number}行"
        raw_id = cell(cells, "兑现编号")
        try:
            text = cell_text(raw_id)
        except CellProblem as exc:
            errors.append(f"{where} “兑现编号”列：{exc}")
            continue
        if not text.isdigit():
            errors.append(f"{where} “兑现编号”列：“{text}”不是本系统的兑现编号")
            continue
        e = members.get(int(text))
        if e is None:
            errors.append(f"{where} “兑现编号”列：编号 {text} 不属于拨付批次 {batch.number}")
            continue
        if e.pk in seen_ids:
            errors.append(f"{where} “兑现编号”列：编号 {text} 与第{seen_ids[e.pk]}行重复")
            continue
        seen_ids[e.pk] = number
        row_ok = True
        try:
            amount = parse_money_fen(cell(cells, "金额（元）"), "金额", "yuan")
            if amount is None:
                raise CellProblem("金额不能为空")
            if amount != e.amount_fen:
                raise CellProblem(
                    f"金额 {format_fen(amount)} 与核定金额 {_yuan_text(e.amount_fen)} 不一致"
                    f"（{e.enterprise.name}）"
                )
        except CellProblem as exc:
            errors.append(f"{where} “金额（元）”列：{exc}")
            row_ok = False
        try:
            voucher = cell_text(cell(cells, "支付凭证号"))
            if not voucher:
                raise CellProblem("支付凭证号不能为空")
            if len(voucher) > 50:
                raise CellProblem("支付凭证号不超过 50 个字符")
            if voucher in seen_vouchers:
                raise CellProblem(f"凭证号 {voucher} 与第{seen_vouchers[voucher]}行重复")
            seen_vouchers[voucher] = number
            holder = used.get(voucher)
            if holder is not None and holder != e.pk:
                raise CellProblem(f"凭证号 {voucher} 已用于另一笔兑付（编号 {holder}）")
        except CellProblem as exc:
            errors.append(f"{where} “支付凭证号”列：{exc}")
            row_ok = False
        try:
            paid_on = parse_date(cell(cells, "支付日期"), "支付日期")
            if paid_on > day:
                raise CellProblem(f"支付日期 {paid_on:%Y-%m-%d} 晚于今天")
            if e.notice_id and paid_on <= e.notice.ends_on:
                raise CellProblem(
                    f"支付日期 {paid_on:%Y-%m-%d} 应在公示期满（{e.notice.ends_on:%Y-%m-%d}）之后"
                )
        except CellProblem as exc:
            errors.append(f"{where} “支付日期”列：{exc}")
            row_ok = False
        problem = _payable_problem(e, day, objections)
        if problem:
            errors.append(f"{where} “兑现编号”列：{e.enterprise.name}（{e.item.title}）{problem}")
            row_ok = False
        if row_ok:
            plan.append((e, voucher, paid_on, amount))  # type: ignore[arg-type]
    if not seen_ids and not errors:
        errors.append(f"文件“{filename}”中没有数据行")
    if errors:
        return result
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
            for e, voucher, paid_on, amount in plan:
                locked = _locked(e)
                problem = _payable_problem(locked, day)
                if problem:
                    raise EntitlementRefused(f"第{seen_ids[e.pk]}行 “兑现编号”列：{problem}")
                _pay(locked, by, voucher, paid_on, amount)
                result.paid += 1
                result.total_fen += amount
            unpaid = batch.entitlements.exclude(state=State.PAID.value).exists()
            if not unpaid:
                batch.state, batch.settled_at = "settled", timezone.now()
                batch.save(update_fields=["state", "settled_at"])
    except EntitlementRefused as exc:
        result.paid, result.total_fen = 0, 0
        errors.append(exc.message)
    result.batch = batch
    return result


def archive_entitlement(e: Entitlement, *, by: User) -> Entitlement:
    """Close a paid, rejected or withdrawn entitlement."""
    _require_manage(by)
    with transaction.atomic():
        e = _locked(e)
        _require_in(visible_entitlements(by), e, "归档")
        e.state = _next(e, Action.ARCHIVE).value
        e.archived_at = timezone.now()
        e.due_on = None
        return _save(e, by, Action.ARCHIVE.label)


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
    department = f"（{user.department.name}）" if user.department_id else ""
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
        Entitlement.objects.filter(overdue_q(day or today()))
        .select_related("enterprise", "item", "district")
        .order_by("due_on", "pk")
    )
