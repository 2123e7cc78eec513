"""比对 → 台账: entitlements created and updated from a finished batch match run (COPY on PostgreSQL,
history alongside), and deadlines counted once a year's holidays are entered."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from yingshang.core.bulk import copy_rows
from yingshang.core.money import format_fen
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.services.common import (
    ABSENT_REASON,
    AMOUNT_PENDING,
    BATCH_SIZE,
    CHANGED_REASON,
    SYNC_LOCK,
    EntitlementRefused,
    stage_due,
)
from yingshang.entitlements.workflow import (
    FINAL_STATES,
    OPEN_STATES,
    State,
)
from yingshang.policies.models import RESULT_COLUMNS, MatchResult, MatchRun, RewardItem
from yingshang.registry.models import User

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
    # 需确认 pairs: match results until the office pushes them (核实推送), not ledger entitlements.
    possible: int = 0
    # Unpushed 需确认 entitlements an earlier version of the sync had put in the ledger, taken out.
    removed: int = 0

    def text(self) -> str:
        text = (
            f"新增 {self.created:,} 条，更新 {self.updated:,} 条，未变 {self.unchanged:,} 条，"
            f"标记待复核 {self.flagged:,} 条，已兑付/归档未改动 {self.skipped_paid:,} 条"
        )
        if self.possible:
            text += f"；另有 {self.possible:,} 对因数据不全需企业确认，留在匹配结果中，可经“核实推送”告知企业"
        if self.removed:
            text += f"；移出未推送的需确认记录 {self.removed:,} 条"
        return text


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
    def certain(self) -> bool:
        return self.verdict == "eligible"

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
        removed: list[Entitlement] = []
        notes: list[EntitlementNote] = []
        # An unpushed one a clerk has written a note on stays: somebody has looked at it.
        annotated = set(
            EntitlementNote.objects.filter(
                entitlement__state=State.MATCHED.value,
                entitlement__outreach__isnull=True,
                entitlement__item_key__in=keys | {k for _, k in pairs},
            ).values_list("entitlement_id", flat=True)
        )
        done = 0
        for key, pair in pairs.items():
            item = items[pair.item_id]
            amount = pair.amount
            e = existing.get(key)
            if not pair.certain and (e is None or (_unpushed(e) and e.pk not in annotated)):
                # Possible, not certain: it stays a match result until a 核实推送 (an older sync had
                # put it in the ledger untouched: it is taken out, with its history).
                summary.possible += 1
                if e is not None:
                    removed.append(e)
            elif e is None:
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
            if _unpushed(e) and e.verdict != "eligible" and e.pk not in annotated:
                removed.append(e)
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
        for start in range(0, len(removed), BATCH_SIZE):
            _delete_unpushed(removed[start : start + BATCH_SIZE], user_id, f"移出台账（批次 {run.pk}）", now)
        summary.removed = len(removed)
    report(total, total)
    return summary


def _unpushed(e: Entitlement) -> bool:
    """An entitlement that never left the office and was not enlisted by a 核实推送: when its pair is
    (now) only possible, it leaves the ledger, which holds certain pairs and those the office pushed."""
    return e.state == State.MATCHED.value and e.outreach_id is None


def _delete_unpushed(batch: list[Entitlement], user_id: int | None, reason: str, now: dt.datetime) -> None:
    """Take unpushed 需确认 entitlements out of the ledger. simple_history writes each one's '-' record
    as it goes; they are then given the reason and the user, so the timeline of a removed one still
    says when, why and by whose run."""
    pks = [e.pk for e in batch]
    Entitlement.objects.filter(pk__in=pks).delete()
    Entitlement.history.filter(id__in=pks, history_type="-", history_date__gte=now).update(
        history_change_reason=reason, history_user_id=user_id
    )


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
    columns_set = [Entitlement._meta.get_field(name).column for name in fields]  # type: ignore[union-attr]
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
    return [(str(f.column), f.attname, isinstance(f, JSONField)) for f in Entitlement._meta.concrete_fields]


def _copy(
    cursor: Any, table: str, columns: list[tuple[str, str, bool]], rows: Iterable[dict[str, Any]]
) -> None:
    """COPY field dicts into `table` (JSON values encoded once per distinct value)."""
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
    history = Entitlement.history.model
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
        before, after = format_fen(e.amount_fen, AMOUNT_PENDING), format_fen(amount, AMOUNT_PENDING)
        changes.append(f"金额由 {before} 变为 {after}")
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
        f"重新比对（批次 {run.pk}，测算日期 {run.as_of:%Y-%m-%d}）："
        f"测算金额 {format_fen(amount, AMOUNT_PENDING)}，"
        f"与{State(e.state).label}记录（{format_fen(e.amount_fen, AMOUNT_PENDING)}）不同；该记录不作改动"
    )


DEADLINE_FILLED = "补算期限"


def stage_entered_on(e: Entitlement) -> dt.date | None:
    """The day `e` entered its current stage, as the stage's clock counts it."""
    if e.state == State.PUSHED.value and e.pushed_at:
        return timezone.localtime(e.pushed_at).date()
    if e.state == State.CONFIRMED.value and e.confirmed_at:
        return timezone.localtime(e.confirmed_at).date()
    if e.state == State.PUBLICIZED.value and e.notice_id:
        return e.notice.starts_on if e.notice is not None else None
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
