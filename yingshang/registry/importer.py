"""企业名录 import: read a .xlsx or .csv, check every row, show a preview, then apply it in one transaction.

Policy (docs/import-format.md): a file is applied whole or not at all. The preview lists every problem
(row, column, what is wrong, in Chinese); while any row is bad nothing is written, not even the valid
rows: the admin fixes the file and uploads it again. Re-importing is safe: rows are matched by
统一社会信用代码 and updated, never duplicated. The apply runs in one transaction, so a crash leaves
the registry as it was and the batch is marked 导入失败 in a transaction of its own.

Reading the file (xlsx through python-calamine, csv in UTF-8 or GB18030), finding the header, mapping
it to columns and the generic cell parsers are `yingshang.core.spreadsheets`; this module holds the
registry's own columns, cell checks (USCC, industry code, district …) and the writing.

Speed: 100,000 rows must import in under a minute on SQLite and on PostgreSQL. The ORM's
bulk_create/bulk_update (999 parameters a statement on SQLite, CASE WHEN updates) measured far too slow
at that size (bench/bench_import.py), so enterprise rows are written with executemany (COPY on
PostgreSQL). The audit trail is kept: the simple_history rows are written the same way, with the
uploading user and the file name as the change reason.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from yingshang.core import clock
from yingshang.core.scope import in_reach

# The generic reading moved to yingshang.core.spreadsheets. The names marked "re-exported" are not
# used here: they stay importable from this module until every caller imports them from core
# (the 政策兑现 payment-return import and policies.offline still import them from here).
# The format and the checking moved to import_format and import_plan (this module passed 800 lines);
# the registry's pages, commands and tests still import those names from here, the one door in.
from yingshang.core.spreadsheets import (
    HEADER_SEARCH_ROWS,  # noqa: F401
    MAX_FEN,  # noqa: F401 - re-exported
    CellError,  # noqa: F401 - re-exported
    CellProblem,  # noqa: F401
    ImportRefused,
    Table,  # noqa: F401 - re-exported
    cell_text,  # noqa: F401
    check_size,  # noqa: F401 - re-exported
    decode_csv,  # noqa: F401 - re-exported
    is_blank,  # noqa: F401
    normalise_header,  # noqa: F401
    parse_date,  # noqa: F401
    parse_money_fen,  # noqa: F401
    parse_text,  # noqa: F401
    read_csv,  # noqa: F401 - re-exported
    read_tables,  # noqa: F401
    read_xlsx,  # noqa: F401 - re-exported
    size_text,  # noqa: F401 - re-exported
)
from yingshang.core.workers import death_of, worker_id
from yingshang.registry.import_format import (
    ENTERPRISE_COLUMNS,  # noqa: F401
    ENTERPRISE_DATA_FIELDS,  # noqa: F401
    ENTERPRISE_HEADERS,  # noqa: F401
    ENTERPRISE_SHEET,  # noqa: F401
    FIELD_LABELS,  # noqa: F401
    KIND_HEADERS,  # noqa: F401
    MAX_PROBLEMS_STORED,
    QUALIFICATION_COLUMNS,  # noqa: F401
    QUALIFICATION_SHEET,  # noqa: F401
    USCC_HEADERS,  # noqa: F401
    Column,  # noqa: F401
    ImportFailed,
    Progress,
    check_not_future,  # noqa: F401
    logger,
    parse_choice,  # noqa: F401
    parse_count,  # noqa: F401
    parse_credit_class,  # noqa: F401
    parse_industry,  # noqa: F401
    parse_level,  # noqa: F401
    parse_uscc,  # noqa: F401
    provenance_key,  # noqa: F401
    uscc_is_valid,  # noqa: F401
)
from yingshang.registry.import_plan import ImportPlan, analyse, importing_district_id
from yingshang.registry.import_write import ApplyResult, write_plan
from yingshang.registry.models import (
    ImportBatch,
    User,
)

# --------------------------------------------------------------------------------------------------
# Batches: preview, then apply
# --------------------------------------------------------------------------------------------------


def origin_of(batch: ImportBatch) -> dict[str, Any]:
    """The provenance stamped on every field the file sets."""
    return {
        "source": f"企业名录导入：{batch.file_name}（{batch.source}）",
        "as_of": batch.as_of.isoformat(),
        "batch": batch.pk,
    }


def preview_batch(
    path: Path,
    *,
    file_name: str,
    as_of: dt.date,
    source: str,
    user: User | None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[ImportBatch, ImportPlan]:
    """Read and check the file and record the batch (待确认, or 有错误未导入 with its problem list).

    Raises ImportRefused for a file that cannot be read at all; then no batch is recorded.
    """
    fail_dead_batches()  # a batch whose process died is shown as failed before the next one starts
    district_id = importing_district_id(user)
    plan = analyse(path, file_name, today=today, progress=progress, district_id=district_id)
    batch = ImportBatch.objects.create(
        file_name=file_name[:255],
        stored_path=str(path),
        as_of=as_of,
        source=source,
        state="previewed" if plan.ok else "rejected",
        total_rows=plan.total_rows,
        valid_rows=plan.valid_rows,
        created_count=plan.counts.get("create", 0),
        updated_count=plan.counts.get("update", 0),
        problems=[p.as_dict() for p in plan.problems[:MAX_PROBLEMS_STORED]],
        report=plan.report(),
        uploaded_by=user,
        district_id=district_id,
    )
    return batch, plan


def apply_batch(
    batch: ImportBatch,
    *,
    user: User | None,
    plan: ImportPlan | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Apply a previewed batch in one transaction, all or nothing.

    The batch is first claimed (导入中, with this process and a heartbeat, committed at once), so a
    second 确认导入 is refused and a process killed mid-way is found by `fail_dead_batches`. The file
    is read and checked again (the registry may have changed since the preview) unless the caller passes
    the plan it has just made. Raises ImportRefused when the batch cannot be applied (already applied,
    problems found) and ImportFailed when writing crashed; in both cases nothing of the file is in the
    registry.
    """
    if user is not None and not in_reach(batch, user, "change"):
        raise ImportRefused("该批次不属于您的辖区，不能导入")
    if batch.state != "previewed":
        raise ImportRefused(f"该批次状态为“{batch.get_state_display()}”，不能导入")
    path = Path(batch.stored_path)
    if plan is None and not path.exists():
        raise ImportRefused("上传的文件已不存在，请重新上传")
    me = worker_id()
    claimed = ImportBatch.objects.filter(pk=batch.pk, state="previewed").update(
        state="applying", worker=me, heartbeat_at=clock.now()
    )
    if not claimed:  # a second 确认导入 (another tab, a double click) while the first one works
        batch.refresh_from_db()
        raise ImportRefused(f"该批次状态为“{batch.get_state_display()}”，不能重复导入")
    mine = ImportBatch.objects.filter(pk=batch.pk, state="applying", worker=me)
    try:
        if plan is None:
            beat = Heartbeat(batch.pk, progress)
            plan = analyse(path, batch.file_name, today=today, progress=beat, district_id=batch.district_id)
        if not plan.ok:
            mine.update(
                state="rejected",
                worker="",
                valid_rows=plan.valid_rows,
                problems=[p.as_dict() for p in plan.problems[:MAX_PROBLEMS_STORED]],
                report=plan.report(),
            )
            raise ImportRefused(
                "确认导入时重新校验发现问题（系统数据在预览后有变化），未写入任何数据，请查看问题清单"
            )
        mine.update(heartbeat_at=clock.now())
        result = _write_claimed(batch.pk, me, plan, user=user, progress=progress)
    except ImportRefused:
        mine.update(state="previewed", worker="", heartbeat_at=None)  # e.g. the file became unreadable
        raise
    except Exception as exc:
        logger.exception("registry import of batch %s failed; rolled back", batch.pk)
        message = "导入过程中出错，已全部撤销，没有写入任何数据。请稍后重试；如果反复出现，请联系系统管理员"
        # The rollback has happened; the failure itself is recorded in a transaction of its own.
        _record_failure(mine.select_for_update(), message, f"{type(exc).__name__}: {exc}"[:500])
        raise ImportFailed(message) from exc
    batch.refresh_from_db()
    return result


def _write_claimed(
    pk: int, me: str, plan: ImportPlan, *, user: User | None, progress: Progress | None
) -> ApplyResult:
    """Write the plan of a batch this process has claimed, and mark it applied, in one transaction:
    killed half-way, the database keeps none of it and the batch stays 导入中 until found dead."""
    with transaction.atomic():
        # The row stays locked until the commit: on PostgreSQL that is what tells fail_dead_batches
        # that a long, quiet write (no heartbeat can leave an open transaction) is still alive.
        locked = ImportBatch.objects.select_for_update().get(pk=pk)
        if locked.state != "applying" or locked.worker != me:  # found dead meanwhile: not ours any more
            raise ImportRefused(f"该批次状态为“{locked.get_state_display()}”，不能导入")
        result = write_plan(
            plan,
            origin=origin_of(locked),
            user_id=user.pk if user is not None else None,
            reason=f"企业名录导入：{locked.file_name}"[:100],
            progress=progress,
        )
        locked.state = "applied"
        locked.worker = ""
        locked.applied_at = clock.now()
        locked.created_count, locked.updated_count = result.created, result.updated
        locked.valid_rows = plan.valid_rows
        locked.report = {**locked.report, "result": result.__dict__}
        locked.save()
    return result


def _record_failure(batch: Any, message: str, detail: str) -> bool:
    """Mark failed the one batch of the queryset `batch` (locking, `select_for_update`; if it still
    matches), keeping what it reported and adding the error; False when it no longer matches."""
    with transaction.atomic():
        fresh = batch.first()
        if fresh is None:
            return False
        fresh.state = "failed"
        fresh.worker = ""
        fresh.report = {**fresh.report, "error": message, "error_detail": detail}
        fresh.save(update_fields=["state", "worker", "report"])
    return True


class Heartbeat:
    """Progress of the re-check before the write: the batch's heartbeat moves (at most every 5 s, in
    its own commit, so other processes see it), and the caller's progress is passed on."""

    def __init__(self, pk: int, passed_on: Progress | None) -> None:
        self.pk, self.passed_on, self.last = pk, passed_on, time.monotonic()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if self.passed_on is not None:
            self.passed_on(phase, done, total)
        if time.monotonic() - self.last >= 5:
            self.last = time.monotonic()
            ImportBatch.objects.filter(pk=self.pk, state="applying").update(heartbeat_at=clock.now())


def fail_dead_batches() -> int:
    """Mark 导入失败 the batches left 导入中 by a process that died (kill -9, a deploy, a power cut),
    with the reason; their transaction was rolled back, so nothing of them is in the registry and they
    can be imported again (`retry_batch`). Returns how many."""
    now = clock.now()
    failed = 0
    for batch in ImportBatch.objects.filter(state="applying").only("pk", "worker", "heartbeat_at"):
        why = death_of(batch.worker, batch.heartbeat_at, now)
        if not why:
            continue
        message = f"导入中断：{why}。已全部撤销，没有写入任何数据；可以点击“重新导入”重新校验后再导入"
        try:
            # NOWAIT: a row still locked is being written by a live transaction (PostgreSQL); on SQLite
            # a live writer holds the database and the update gives up after the busy timeout.
            dead = ImportBatch.objects.filter(pk=batch.pk, state="applying", worker=batch.worker)
            failed += _record_failure(
                dead.select_for_update(nowait=True), message, f"处理进程已中断（{why}）"
            )
        except DatabaseError:
            continue
    return failed


def retry_batch(batch: ImportBatch, *, user: User | None) -> ImportBatch:
    """A failed batch read and checked again from its stored file, as a new batch to confirm (the failed
    one stays in the history, pointing to it). Raises ImportRefused when that cannot be done."""
    if user is not None and not in_reach(batch, user, "change"):
        raise ImportRefused("该批次不属于您的辖区，不能导入")
    if batch.state != "failed":
        raise ImportRefused(f"该批次状态为“{batch.get_state_display()}”，不需要重新导入")
    if batch.report.get("retried_as"):
        raise ImportRefused(f"该批次已重新导入（批次 #{batch.report['retried_as']}）")
    path = Path(batch.stored_path)
    if not path.exists():
        raise ImportRefused("上传的文件已不存在，请重新上传")
    retried, _ = preview_batch(
        path, file_name=batch.file_name, as_of=batch.as_of, source=batch.source, user=user
    )
    ImportBatch.objects.filter(pk=batch.pk).update(report={**batch.report, "retried_as": retried.pk})
    return retried
