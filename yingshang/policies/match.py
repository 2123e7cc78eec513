"""Batch matching over a snapshot: evaluate every current item of some packs, keep the eligible and
needs-confirmation pairs, store them, and add them up (per item; by district, industry section and
scale). Shared by match runs and what-if estimates; the engine itself is `rules.batch`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone

from yingshang.core.bulk import copy_rows
from yingshang.policies import rules
from yingshang.policies.models import RESULT_COLUMNS, MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.packs import parsed_pack
from yingshang.policies.rules.batch import evaluate_batch
from yingshang.policies.runs import RunProgress, claim_run, fail_run, failure_message
from yingshang.policies.snapshot import Snapshot, read_snapshot
from yingshang.registry import vocab
from yingshang.registry.industries import sections

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, "int | None"], None]
EVALUATE_PHASE = "批量计算"
WRITE_PHASE = "写入结果"
WRITE_CHUNK = 20_000
UNKNOWN = "无法判定"
ROW = "__row"

DIMENSIONS = {"district": "by_district", "industry_section": "by_section", "scale": "by_scale"}


@dataclass
class Evaluated:
    """Kept pairs of one evaluation: one row per (entity, item) found eligible or needing confirmation."""

    pairs: pl.DataFrame  # item_key, pack_name, item_pk (None for a draft), enterprise keys, results
    items: list[dict[str, Any]]  # every item evaluated (in force on the day), in pack order

    @property
    def item_count(self) -> int:
        return len(self.items)


def evaluate_pack(snapshot: Snapshot, pack: rules.Pack, as_of: dt.date) -> pl.DataFrame:
    """The batch engine's kept pairs for one pack, with the snapshot row number of each pair."""
    result = evaluate_batch(snapshot.profiles, [pack], as_of, reasons="lists")
    # `uscc` comes dictionary-encoded; its indices are the snapshot's row numbers.
    rows = pa.chunked_array([chunk.indices for chunk in result.column("uscc").chunks], pa.int32())
    frame = pl.from_arrow(result.drop_columns(["uscc"]).append_column(ROW, rows))
    assert isinstance(frame, pl.DataFrame)
    return frame


def item_meta(pack: rules.Pack, as_of: dt.date, rows: dict[str, RewardItem] | None, name: str) -> list[dict]:
    meta = []
    for policy, item in pack.items():
        if not item.is_current(as_of):
            continue
        row = (rows or {}).get(item.id)
        meta.append(
            {
                "item_pk": row.pk if row else None,
                "key": item.id,
                "title": item.title,
                "article": item.article,
                "policy": policy.title,
                "pack": name,
                "mode": item.effective_mode.value,
                "version": item.version,
                "budget_cap_fen": item.budget_cap_fen,
            }
        )
    return meta


def entity_frame(snapshot: Snapshot) -> pl.DataFrame:
    """Per snapshot row: the entity's database keys and its breakdown dimensions."""
    profiles = snapshot.profiles
    columns = {
        "enterprise_id": snapshot.keys.column("enterprise_id"),
        "district_id": snapshot.keys.column("district_id"),
        "uscc": profiles.column("uscc"),
        "district": profiles.column("district"),
        "industry_section": profiles.column("industry_section"),
        "scale": profiles.column("scale"),
    }
    frame = pl.DataFrame({name: pl.from_arrow(column) for name, column in columns.items()})
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int32))


def evaluate_snapshot(
    snapshot: Snapshot,
    packs: Sequence[tuple[PolicyPack | None, rules.Pack]],
    as_of: dt.date,
    progress: Progress | None = None,
    entities: pl.DataFrame | None = None,
) -> Evaluated:
    """Every pack over the snapshot; pairs joined to the entities' database keys and dimensions."""
    entities = entity_frame(snapshot) if entities is None else entities
    frames, items = [], []
    for done, (stored, pack) in enumerate(packs):
        if progress is not None:
            progress(EVALUATE_PHASE, done, len(packs))
        rows = (
            {r.key: r for r in RewardItem.objects.filter(policy__pack=stored)} if stored is not None else None
        )
        name = stored.name if stored is not None else pack.id
        items.extend(item_meta(pack, as_of, rows, name))
        result = evaluate_pack(snapshot, pack, as_of)
        if result.height == 0:
            continue
        pks = {key: row.pk for key, row in (rows or {}).items()}
        frames.append(
            result.select(
                pl.col("item_id").cast(pl.String).alias("item_key"),
                pl.lit(name).alias("pack_name"),
                pl.col("item_id")
                .cast(pl.String)
                .replace_strict(pks, default=None, return_dtype=pl.Int64)
                .alias("item_pk"),
                pl.col(ROW),
                pl.col("verdict").cast(pl.String),
                pl.col("mode").cast(pl.String),
                pl.col("amount_fen").cast(pl.Int64),
                pl.col("payable_fen").cast(pl.Int64),
                pl.col("reason_codes").cast(pl.List(pl.String)),
                pl.col("to_confirm").cast(pl.List(pl.String)),
            )
        )
    if progress is not None:
        progress(EVALUATE_PHASE, len(packs), len(packs))
    if not frames:
        return Evaluated(_empty_pairs(), items)
    pairs = pl.concat(frames).join(entities, on=ROW, how="left").drop(ROW)
    return Evaluated(pairs, items)


def _empty_pairs() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "item_key": pl.String,
            "pack_name": pl.String,
            "item_pk": pl.Int64,
            "verdict": pl.String,
            "mode": pl.String,
            "amount_fen": pl.Int64,
            "payable_fen": pl.Int64,
            "reason_codes": pl.List(pl.String),
            "to_confirm": pl.List(pl.String),
            "enterprise_id": pl.Int64,
            "district_id": pl.Int64,
            "uscc": pl.String,
            "district": pl.String,
            "industry_section": pl.String,
            "scale": pl.String,
        }
    )


# --- storing --------------------------------------------------------------------------------------


def _as_json(pairs: pl.DataFrame, column: str) -> pl.Expr:
    """A list<string> column as JSON text, encoded once per distinct list (there are few)."""
    key = pl.col(column).list.join("\x1f").fill_null("")
    texts = {
        k: json.dumps(k.split("\x1f") if k else [], ensure_ascii=False)
        for k in pairs.select(key.unique()).to_series().to_list()
    }
    return key.replace_strict(texts, return_dtype=pl.String).alias(column)


def result_rows(run: MatchRun, pairs: pl.DataFrame) -> Any:
    """Rows in RESULT_COLUMNS order, JSON columns already encoded."""
    columns = pairs.select(
        pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
        "enterprise_id",
        pl.col("item_pk").alias("item_id"),
        "district_id",
        "verdict",
        "mode",
        "amount_fen",
        "payable_fen",
        _as_json(pairs, "reason_codes"),
        _as_json(pairs, "to_confirm"),
    )
    return columns.iter_rows()


def store_results(run: MatchRun, evaluated: Evaluated, progress: Progress | None = None) -> int:
    """Insert the kept pairs of a run (inside the caller's transaction): COPY on PostgreSQL,
    executemany in chunks elsewhere."""
    pairs = evaluated.pairs
    total = pairs.height
    table = MatchResult._meta.db_table
    names = ", ".join(f'"{c}"' for c in RESULT_COLUMNS)
    done = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No progress reports during COPY: they write to the run row on this same connection.
            copy_rows(cursor.cursor, table, RESULT_COLUMNS, result_rows(run, pairs))
        else:
            marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            chunk: list[tuple] = []
            for row in result_rows(run, pairs):
                chunk.append(row)
                if len(chunk) == WRITE_CHUNK:
                    cursor.executemany(sql, chunk)
                    done += len(chunk)
                    chunk = []
                    if progress is not None:
                        progress(WRITE_PHASE, done, total)
            if chunk:
                cursor.executemany(sql, chunk)
    if progress is not None:
        progress(WRITE_PHASE, total, total)
    return total


# --- adding up ------------------------------------------------------------------------------------


def figures() -> list[pl.Expr]:
    eligible = pl.col("verdict") == "eligible"
    confirm = pl.col("verdict") == "needs_confirmation"
    return [
        eligible.sum().cast(pl.Int64).alias("eligible"),
        confirm.sum().cast(pl.Int64).alias("needs_confirmation"),
        pl.col("payable_fen").fill_null(0).sum().cast(pl.Int64).alias("payable_fen"),
        pl.when(eligible)
        .then(pl.col("amount_fen"))
        .otherwise(0)
        .fill_null(0)
        .sum()
        .cast(pl.Int64)
        .alias("amount_fen"),
        # What the items needing confirmation would cost if every one is confirmed (known amounts only).
        pl.when(confirm)
        .then(pl.col("amount_fen"))
        .otherwise(0)
        .fill_null(0)
        .sum()
        .cast(pl.Int64)
        .alias("confirm_amount_fen"),
        (confirm & pl.col("amount_fen").is_null()).sum().cast(pl.Int64).alias("confirm_amount_unknown"),
    ]


FIGURE_KEYS = (
    "eligible",
    "needs_confirmation",
    "payable_fen",
    "amount_fen",
    "confirm_amount_fen",
    "confirm_amount_unknown",
    "entities_paid",
)


def zero_figures() -> dict[str, int]:
    return dict.fromkeys(FIGURE_KEYS, 0)


def totals(pairs: pl.DataFrame) -> dict[str, int]:
    if pairs.height == 0:
        return zero_figures()
    row = pairs.select(figures()).row(0, named=True)
    return {k: int(row[k] or 0) for k in FIGURE_KEYS[:-1]} | {"entities_paid": paid_entities(pairs)}


def paid_entities(pairs: pl.DataFrame) -> int:
    return pairs.filter(pl.col("payable_fen").fill_null(0) > 0)["enterprise_id"].n_unique()


SCALE_LABELS = dict(vocab.SCALES)


def section_label(code: str | None) -> str:
    names = {s.code: s.name for s in sections()}
    return f"{code} {names[code]}" if code in names else UNKNOWN


def scale_label(code: str | None) -> str:
    return SCALE_LABELS.get(code or "", UNKNOWN)


def label_of(dimension: str, code: str | None) -> str:
    if dimension == "industry_section":
        return section_label(code)
    if dimension == "scale":
        return scale_label(code)
    return code or UNKNOWN


def breakdown(pairs: pl.DataFrame, by: list[str], dimension: str) -> pl.DataFrame:
    """Figures per (by…, dimension value)."""
    paid = (
        pairs.filter(pl.col("payable_fen").fill_null(0) > 0)
        .group_by([*by, dimension])
        .agg(pl.col("enterprise_id").n_unique().cast(pl.Int64).alias("entities_paid"))
    )
    grouped = pairs.group_by([*by, dimension]).agg(figures())
    return grouped.join(paid, on=[*by, dimension], how="left", nulls_equal=True).with_columns(
        pl.col("entities_paid").fill_null(0)
    )


def breakdown_lines(frame: pl.DataFrame, dimension: str) -> list[dict[str, Any]]:
    lines = []
    for row in frame.sort(dimension, nulls_last=True).iter_rows(named=True):
        code = row[dimension]
        lines.append(
            {"key": code or "", "label": label_of(dimension, code)}
            | {k: int(row[k] or 0) for k in FIGURE_KEYS}
        )
    return lines


def population(entities: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """How many entities each district, section and scale has (the denominators of the breakdowns)."""
    result = {}
    for dimension, name in DIMENSIONS.items():
        counts = entities.group_by(dimension).agg(pl.len().alias("entities")).sort(dimension, nulls_last=True)
        result[name] = [
            {"key": code or "", "label": label_of(dimension, code), "entities": int(n)}
            for code, n in counts.iter_rows()
        ]
    return result


def per_item(evaluated: Evaluated) -> list[dict[str, Any]]:
    """Each evaluated item (pairs or not) with its figures and breakdowns."""
    pairs = evaluated.pairs
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    if pairs.height:
        for row in pairs.group_by(["pack_name", "item_key"]).agg(figures()).iter_rows(named=True):
            by_key[(row["pack_name"], row["item_key"])] = {k: int(row[k] or 0) for k in FIGURE_KEYS[:-1]}
        paid = (
            pairs.filter(pl.col("payable_fen").fill_null(0) > 0)
            .group_by(["pack_name", "item_key"])
            .agg(pl.col("enterprise_id").n_unique().alias("n"))
        )
        for pack_name, item_key, n in paid.iter_rows():
            by_key[(pack_name, item_key)]["entities_paid"] = int(n)
    splits: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    for dimension, name in DIMENSIONS.items():
        splits[name] = {}
        if pairs.height == 0:
            continue
        frame = breakdown(pairs, ["pack_name", "item_key"], dimension)
        for (pack_name, item_key), part in frame.group_by(["pack_name", "item_key"]):
            splits[name][(str(pack_name), str(item_key))] = breakdown_lines(part, dimension)
    lines = []
    for meta in evaluated.items:
        key = (meta["pack"], meta["key"])
        line = dict(meta) | zero_figures() | by_key.get(key, {})
        for name in DIMENSIONS.values():
            line[name] = splits[name].get(key, [])
        lines.append(line)
    return lines


def summarise(
    evaluated: Evaluated, snapshot: Snapshot, entities: pl.DataFrame | None = None
) -> dict[str, Any]:
    """The run's summary JSON: totals, per item, and by district / industry section / scale."""
    pairs = evaluated.pairs
    entities = entity_frame(snapshot) if entities is None else entities
    summary: dict[str, Any] = {
        "as_of": snapshot.as_of.isoformat(),
        "entities": snapshot.entity_count,
        "totals": totals(pairs),
        "items": per_item(evaluated),
        "population": population(entities),
    }
    for dimension, name in DIMENSIONS.items():
        summary[name] = breakdown_lines(breakdown(pairs, [], dimension), dimension) if pairs.height else []
    return summary


def execute_match_run(run_id: int, progress: Progress | None = None) -> MatchRun:
    """Snapshot → batch evaluation of every item of the run's pack versions → kept pairs stored
    (eligible and needs-confirmation only) with counts and a summary, all in one transaction.
    A failure leaves the run `failed` with a Chinese error and no results."""
    run = claim_run(run_id)
    if run is None:
        return MatchRun.objects.get(pk=run_id)
    started = time.perf_counter()
    report = RunProgress(run, progress)
    try:
        stored = list(run.packs.order_by("name"))
        snapshot = read_snapshot(as_of=run.as_of, progress=report)
        evaluated = evaluate_snapshot(snapshot, [(p, parsed_pack(p)) for p in stored], run.as_of, report)
        report("写入结果", 0, len(evaluated.pairs))
        with transaction.atomic():
            store_results(run, evaluated, report)
            summary = summarise(evaluated, snapshot)
            MatchRun.objects.filter(pk=run.pk).update(
                state="done",
                progress="已完成",
                entity_count=snapshot.entity_count,
                item_count=evaluated.item_count,
                eligible_count=summary["totals"]["eligible"],
                needs_confirmation_count=summary["totals"]["needs_confirmation"],
                total_amount_fen=summary["totals"]["payable_fen"],
                snapshot_taken_at=snapshot.taken_at,
                snapshot_sources=snapshot.sources,
                summary=summary,
                finished_at=timezone.now(),
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
    except Exception as exc:
        logger.exception("match run %s failed", run_id)
        return fail_run(run_id, failure_message(exc), started)
    return MatchRun.objects.get(pk=run_id)
