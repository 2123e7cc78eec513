"""政策测算 (what-if): before a change is published, how many enterprises would become entitled and
what it would cost, item by item, side by side with the working version, by district, industry
section and scale. Nothing here becomes working; a stored what-if is a MatchRun of kind "whatif"
whose summary holds its input and its result.

Two ways in:

- `draft_text`: a whole pack (usually the working one edited on the page). It is read exactly as a
  publish would read it, embedded test cases included: a draft with any error computes nothing.
- `item_changes`: {item id: {key: new value}} applied to the working pack's YAML, e.g.
  `{"xx18_art3_hnte": {"amount": "20万元"}}` or `{"…": {"conditions": ["从业人数 >= 5"]}}`. The keys
  are the item keys of the pack format (amount, conditions, targets, valid_from …); a string value
  is read as YAML. The item's own test cases were written for the old values, so they are not run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from django.db.models import QuerySet
from django.utils import timezone

from yingshang.core import clock
from yingshang.policies import rules
from yingshang.policies.match import (
    DIMENSIONS,
    FIGURE_KEYS,
    entity_frame,
    evaluate_snapshot,
    per_item,
    population,
    totals,
)
from yingshang.policies.models import MatchRun, PolicyPack
from yingshang.policies.packs import pack_checks, parsed_pack, working_packs
from yingshang.policies.rules.errors import Place
from yingshang.policies.rules.pack import ITEM_KEYS
from yingshang.policies.runs import Progress, RunProgress, claim_run, fail_run, failure_message
from yingshang.policies.snapshot import read_snapshot
from yingshang.registry.models import Enterprise

logger = logging.getLogger(__name__)
# libyaml when present: the pure-Python parser takes a second for a pack.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TEXT_KEYS = frozenset({"title", "article", "source_text", "note", "exclusivity_group", "mode", "version"})
CHANGEABLE_KEYS = tuple(k for k in ITEM_KEYS if k not in ("id", "cases", "version"))


@dataclass
class Figures:
    eligible: int = 0
    needs_confirmation: int = 0
    payable_fen: int = 0  # after 不重复奖 (exclusivity)
    amount_fen: int = 0  # eligible amounts before exclusivity
    confirm_amount_fen: int = 0  # known amounts of the pairs still needing confirmation
    confirm_amount_unknown: int = 0  # pairs needing confirmation whose amount is not known yet
    entities_paid: int = 0

    @classmethod
    def of(cls, line: Mapping[str, Any] | None) -> Figures:
        return cls(**{k: int((line or {}).get(k, 0) or 0) for k in FIGURE_KEYS})

    def minus(self, other: Figures) -> Figures:
        return Figures(**{k: getattr(self, k) - getattr(other, k) for k in FIGURE_KEYS})


@dataclass
class Split:
    """One district / industry section / scale: current vs draft."""

    key: str
    label: str
    current: Figures
    draft: Figures

    @property
    def delta(self) -> Figures:
        return self.draft.minus(self.current)


@dataclass
class WhatIfItem:
    key: str
    title: str
    article: str
    status: str  # unchanged / changed / new / removed
    current_version: str | None
    draft_version: str | None
    current: Figures
    draft: Figures
    budget_cap_fen: int | None = None
    by_district: list[Split] = field(default_factory=list)
    by_section: list[Split] = field(default_factory=list)
    by_scale: list[Split] = field(default_factory=list)

    STATUS_LABELS = {"unchanged": "未改变", "changed": "已修改", "new": "新增", "removed": "删除"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def delta(self) -> Figures:
        return self.draft.minus(self.current)

    @property
    def over_budget(self) -> bool:
        return self.budget_cap_fen is not None and self.draft.payable_fen > self.budget_cap_fen


@dataclass
class WhatIf:
    as_of: dt.date
    pack_name: str = ""
    pack_title: str = ""
    current_version: str | None = None
    draft_version: str | None = None
    entity_count: int = 0
    items: list[WhatIfItem] = field(default_factory=list)
    current: Figures = field(default_factory=Figures)
    draft: Figures = field(default_factory=Figures)
    population: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[rules.RuleError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed_items(self) -> list[WhatIfItem]:
        return [i for i in self.items if i.status != "unchanged"]

    @property
    def delta(self) -> Figures:
        return self.draft.minus(self.current)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["errors"] = [{"code": e.code, "message": str(e)} for e in self.errors]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WhatIf:
        def split(raw: Mapping[str, Any]) -> Split:
            return Split(raw["key"], raw["label"], Figures(**raw["current"]), Figures(**raw["draft"]))

        items = [
            WhatIfItem(
                **{k: v for k, v in raw.items() if k not in ("current", "draft", *DIMENSIONS.values())},
                current=Figures(**raw["current"]),
                draft=Figures(**raw["draft"]),
                **{name: [split(s) for s in raw.get(name, [])] for name in DIMENSIONS.values()},
            )
            for raw in data.get("items", [])
        ]
        return cls(
            as_of=dt.date.fromisoformat(data["as_of"]),
            pack_name=data.get("pack_name", ""),
            pack_title=data.get("pack_title", ""),
            current_version=data.get("current_version"),
            draft_version=data.get("draft_version"),
            entity_count=data.get("entity_count", 0),
            items=items,
            current=Figures(**data.get("current", {})),
            draft=Figures(**data.get("draft", {})),
            population=data.get("population", {}),
            errors=[rules.RuleError(e["code"], e["message"]) for e in data.get("errors", [])],
            notes=list(data.get("notes", [])),
        )


# --- reading the draft ----------------------------------------------------------------------------


def _error(code: str, message: str) -> rules.RuleError:
    return rules.RuleError(code, message, Place())


def working_pack_with(item_ids: list[str], pack_name: str | None) -> tuple[PolicyPack | None, list]:
    """The working pack holding every changed item (or the one named)."""
    for stored, pack in working_packs():
        if pack_name and stored.name != pack_name:
            continue
        keys = {item.id for _, item in pack.items()}
        if all(i in keys for i in item_ids):
            return stored, []
    shown = "、".join(item_ids)
    return None, [
        _error("whatif.item", f"现行政策包中没有奖励项“{shown}”（请用奖励项编号，如 xx18_art3_hnte）")
    ]


def apply_item_changes(
    text: str, changes: Mapping[str, Mapping[str, Any]]
) -> tuple[str, list[rules.RuleError]]:
    """The pack text with some items' keys replaced; errors name the item and the key."""
    data = yaml.load(text, Loader=LOADER)
    errors: list[rules.RuleError] = []
    found: set[str] = set()
    for policy in data.get("policies") or []:
        for item in policy.get("items") or []:
            change = changes.get(item.get("id"))
            if change is None:
                continue
            found.add(item["id"])
            for key, value in change.items():
                if key not in CHANGEABLE_KEYS:
                    errors.append(
                        _error(
                            "whatif.key",
                            f"奖励项“{item['id']}”：不能修改“{key}”，可修改：{'、'.join(CHANGEABLE_KEYS)}",
                        )
                    )
                    continue
                if isinstance(value, str) and key not in TEXT_KEYS:
                    try:
                        value = yaml.load(value, Loader=LOADER)
                    except yaml.YAMLError:
                        errors.append(
                            _error("whatif.yaml", f"奖励项“{item['id']}”的“{key}”无法读取：{value}")
                        )
                        continue
                if value is None or value == "":
                    item.pop(key, None)
                else:
                    item[key] = value
    for missing in sorted(set(changes) - found):
        errors.append(_error("whatif.item", f"政策包中没有奖励项“{missing}”"))
    return yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False), errors


def read_draft(
    draft_text: str | None, item_changes: Mapping[str, Mapping[str, Any]] | None, pack_name: str | None
) -> tuple[rules.Pack | None, PolicyPack | None, list[rules.RuleError], list[str]]:
    """(draft pack, working version it is compared with, errors, notes)."""
    notes: list[str] = []
    if draft_text is not None and draft_text.strip():
        pack, errors = rules.load_pack(draft_text, "草稿.yaml", checks=pack_checks())
        if pack is None:
            return None, None, errors, notes
        current = PolicyPack.objects.filter(name=pack.id, is_working=True).first()
        if current is None:
            notes.append(f"现行政策中没有政策包“{pack.id}”：草稿中的奖励项都按新增计算")
        return pack, current, [], notes
    if not item_changes:
        return (
            None,
            None,
            [_error("whatif.empty", "请提供政策包草稿，或要修改的奖励项及其新的条件、金额")],
            notes,
        )
    stored, errors = working_pack_with(list(item_changes), pack_name)
    if stored is None:
        return None, None, errors, notes
    text, errors = apply_item_changes(stored.text, item_changes)
    if errors:
        return None, None, errors, notes
    pack, errors = rules.load_pack(text, f"{stored.name}.yaml", run_cases=False, checks=pack_checks())
    if pack is None:
        return None, None, errors, notes
    parsed_pack(stored)  # the working version must read too
    notes.append("按修改后的条件和金额测算；被修改奖励项原有的测试用例未运行（发布前须更新）")
    return pack, stored, [], notes


# --- computing ------------------------------------------------------------------------------------


def _splits(current: list[dict[str, Any]], draft: list[dict[str, Any]]) -> list[Split]:
    by_key: dict[str, list[Any]] = {}
    for line in current:
        by_key.setdefault(line["key"], [line["label"], None, None])[1] = line
    for line in draft:
        by_key.setdefault(line["key"], [line["label"], None, None])[2] = line
    return [
        Split(key, label, Figures.of(cur), Figures.of(new))
        for key, (label, cur, new) in sorted(by_key.items(), key=lambda kv: (kv[0] == "", kv[0]))
    ]


def compare(current_lines: list[dict[str, Any]], draft_lines: list[dict[str, Any]]) -> list[WhatIfItem]:
    current = {line["key"]: line for line in current_lines}
    draft = {line["key"]: line for line in draft_lines}
    order = [line["key"] for line in draft_lines] + [k for k in current if k not in draft]
    items = []
    for key in order:
        cur, new = current.get(key), draft.get(key)
        if cur is None:
            status = "new"
        elif new is None:
            status = "removed"
        else:
            status = "unchanged" if cur["version"] == new["version"] else "changed"
        meta = new or cur
        assert meta is not None
        items.append(
            WhatIfItem(
                key=key,
                title=meta["title"],
                article=meta["article"],
                status=status,
                current_version=cur["version"] if cur else None,
                draft_version=new["version"] if new else None,
                current=Figures.of(cur),
                draft=Figures.of(new),
                budget_cap_fen=meta.get("budget_cap_fen"),
                **{
                    name: _splits((cur or {}).get(name, []), (new or {}).get(name, []))
                    for name in DIMENSIONS.values()
                },
            )
        )
    return items


def whatif(
    draft_text: str | None = None,
    *,
    item_changes: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: dt.date | None = None,
    pack_name: str | None = None,
    queryset: QuerySet[Enterprise] | None = None,
    progress: Progress | None = None,
) -> WhatIf:
    """The draft and the working version evaluated over the same snapshot, item by item. A draft
    with errors computes nothing: the result carries the Chinese errors (with places) only."""
    day = as_of or clock.today()
    draft, current, errors, notes = read_draft(draft_text, item_changes, pack_name)
    if draft is None:
        return WhatIf(as_of=day, errors=errors, notes=notes)
    snapshot = read_snapshot(queryset, as_of=day, progress=progress)
    entities = entity_frame(snapshot)
    evaluated_draft = evaluate_snapshot(snapshot, [(None, draft)], day, progress, entities)
    draft_lines, draft_totals = per_item(evaluated_draft), totals(evaluated_draft.pairs)
    current_lines, current_totals = [], None
    if current is not None:
        evaluated = evaluate_snapshot(snapshot, [(current, parsed_pack(current))], day, progress, entities)
        current_lines, current_totals = per_item(evaluated), totals(evaluated.pairs)
    items = compare(current_lines, draft_lines)
    return WhatIf(
        as_of=day,
        pack_name=draft.id,
        pack_title=draft.title,
        current_version=current.version if current else None,
        draft_version=draft.version,
        entity_count=snapshot.entity_count,
        items=items,
        # Pack totals from the pairs: an enterprise paid by two items counts once in entities_paid.
        current=Figures.of(current_totals),
        draft=Figures.of(draft_totals),
        population=population(entities),
        notes=notes,
    )


# --- stored what-if runs --------------------------------------------------------------------------


def execute_whatif_run(run_id: int, progress: Progress | None = None) -> MatchRun:
    run = claim_run(run_id)
    if run is None:
        return MatchRun.objects.get(pk=run_id)
    started = time.perf_counter()
    given = (run.summary or {}).get("input", {})
    try:
        result = whatif(
            given.get("draft_text"),
            item_changes=given.get("item_changes"),
            as_of=run.as_of,
            pack_name=given.get("pack_name"),
            progress=RunProgress(run, progress),
        )
        if not result.ok:
            return fail_run(run_id, "；".join(str(e) for e in result.errors)[:2000], started)
        MatchRun.objects.filter(pk=run_id).update(
            state="done",
            progress="已完成",
            entity_count=result.entity_count,
            item_count=len(result.items),
            eligible_count=result.draft.eligible,
            needs_confirmation_count=result.draft.needs_confirmation,
            total_amount_fen=result.draft.payable_fen,
            snapshot_taken_at=timezone.now(),
            summary={"input": given, "result": result.to_json()},
            finished_at=timezone.now(),
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
    except Exception as exc:
        logger.exception("what-if run %s failed", run_id)
        return fail_run(run_id, failure_message(exc), started)
    return MatchRun.objects.get(pk=run_id)


def whatif_of_run(run: MatchRun) -> WhatIf | None:
    """The stored result of a finished what-if run."""
    result = (run.summary or {}).get("result")
    return WhatIf.from_json(result) if result else None


def item_source(stored: PolicyPack, item_key: str) -> dict[str, str]:
    """The item's keys as YAML text, to prefill a what-if form (same spelling as in the pack)."""
    data = yaml.load(stored.text, Loader=LOADER)
    for policy in data.get("policies") or []:
        for item in policy.get("items") or []:
            if item.get("id") == item_key:
                return {key: yaml_text(item[key]) for key in CHANGEABLE_KEYS if key in item}
    return {}


def yaml_text(value: Any) -> str:
    text = yaml.dump(value, Dumper=DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return text.strip().removesuffix("...").strip()
