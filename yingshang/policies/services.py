"""政策找企业 services: stored pack versions, enterprise profiles, the calculator, batch match runs,
result downloads and what-if estimates. Pages, the API and the `policies` command all call these.

The rules engine (`yingshang.policies.rules`) decides; this module turns registry rows into engine
input, stores what the engine accepted (one dated version per pack, with its policies and reward
items), and stores batch results against the exact item versions that produced them.

Public API (names kept stable for the pages):

- packs: `sync_shipped_packs`, `save_pack_version`, `working_packs`, `parsed_pack`, `current_items`
- one enterprise: `profile_of`, `provenance_of`, `calculate_for`, `latest_results_for`
- batch: `start_match_run`, `execute_match_run`, `latest_match_run`, `run_results`, `results_workbook`
- what-if: `whatif`, `start_whatif_run`, `whatif_of_run`, `item_source` (in `yingshang.policies.whatif`)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from yingshang.core import clock
from yingshang.core.errors import UserError
from yingshang.core.money import to_yuan
from yingshang.policies import rules
from yingshang.policies.models import MatchResult, MatchRun, Policy, PolicyPack, RewardItem
from yingshang.policies.reasons import reason_texts
from yingshang.policies.rules.errors import Place
from yingshang.policies.rules.fields import field_registry, qualification_kinds
from yingshang.policies.rules.render import amount_sentence
from yingshang.registry import vocab
from yingshang.registry.fields import RECORDED_FIELDS, SCALE_SOURCE
from yingshang.registry.industries import sections
from yingshang.registry.models import Enterprise, User

logger = logging.getLogger(__name__)

UI_ORIGIN = "页面编辑"
SECTION_TOP_ITEMS = 5  # items listed in the 政策计算器 summary of the enterprise page
# (phase, done, total or None): the command draws a tqdm bar with it, a run writes it to its row.
Progress = Callable[[str, int, "int | None"], None]
Runner = Literal["task", "thread", "inline"]


# ==================================================================================================
# Packs
# ==================================================================================================


class PackRejected(UserError):
    """A pack text with errors; `errors` are the engine's Chinese RuleErrors with places."""

    def __init__(self, errors: list[rules.RuleError]) -> None:
        super().__init__("；".join(str(e) for e in errors))
        self.errors = errors


_parsed: dict[tuple[str, str], rules.Pack] = {}
_parsed_lock = threading.Lock()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parsed_pack(stored: PolicyPack) -> rules.Pack:
    """The engine's Pack for a stored version, parsed once per process (the text was validated,
    embedded cases included, when the version was accepted)."""
    key = (stored.name, _text_hash(stored.text))
    pack = _parsed.get(key)
    if pack is None:
        pack, errors = rules.load_pack(stored.text, f"{stored.name}.yaml", run_cases=False)
        if pack is None:  # only if the engine changed underneath a stored text
            raise PackRejected(errors)
        with _parsed_lock:
            _parsed[key] = pack
    return pack


def working_packs() -> list[tuple[PolicyPack, rules.Pack]]:
    """Every working pack version with its parsed Pack, ordered by name."""
    return [(p, parsed_pack(p)) for p in PolicyPack.objects.filter(is_working=True).order_by("name")]


def _store_items(stored: PolicyPack, pack: rules.Pack) -> None:
    """Policy and RewardItem rows of one accepted pack version."""
    for policy in pack.policies:
        policy_row = Policy.objects.create(
            pack=stored,
            key=policy.id,
            title=policy.title,
            issuer=policy.issuer,
            doc_no=policy.doc_number,
            published_on=policy.published_on,
            valid_from=policy.valid_from,
            valid_to=policy.valid_to,
            source_text=policy.source,
            source_note=policy.source_note[:300],
            department=policy.department[:100],
            version=policy.version,
        )
        RewardItem.objects.bulk_create(
            [
                RewardItem(
                    policy=policy_row,
                    key=item.id,
                    title=item.title,
                    article=item.article,
                    mode=item.effective_mode.value,
                    exclusivity_group=item.exclusivity_group or "",
                    budget_cap_fen=item.budget_cap_fen,
                    tags=list(item.tags),
                    sentence=item.sentence(),
                    amount_sentence=amount_sentence(item.amount),
                    valid_from=item.valid_from,
                    valid_to=item.valid_to,
                    version=item.version,
                    position=position,
                    source_text=item.source_text,
                    note=item.note,
                    manual_conditions=item.manual_sentences(),
                    department=item.department[:100],
                )
                for position, item in enumerate(policy.items)
            ]
        )


def _refresh_descriptions(stored: PolicyPack, pack: rules.Pack) -> None:
    """Wording that does not change what a rule decides (and so not its version): article, tags,
    source text, notes, publication day, 牵头部门. A re-saved version shows the latest wording."""
    for policy in pack.policies:
        Policy.objects.filter(pack=stored, key=policy.id).update(
            published_on=policy.published_on,
            source_text=policy.source,
            source_note=policy.source_note[:300],
            department=policy.department[:100],
        )
        for item in policy.items:
            RewardItem.objects.filter(policy__pack=stored, key=item.id).update(
                article=item.article,
                tags=list(item.tags),
                source_text=item.source_text,
                note=item.note,
                department=item.department[:100],
            )


def _make_working(
    name: str, pack: rules.Pack, text: str, origin: str, user: User | None, note: str
) -> PolicyPack:
    """Inside a transaction: `pack` becomes the working version of `name`; the old one is kept."""
    versions = list(PolicyPack.objects.select_for_update().filter(name=name))
    current = next((p for p in versions if p.is_working), None)
    same = next((p for p in versions if p.version == pack.version), None)
    if current is not None and current is same and current.text == text:
        return current
    if current is not None and current is not same:
        current.is_working = False
        current._history_user = user  # type: ignore[attr-defined]
        current.save(update_fields=["is_working"])
    if same is not None:
        # The same decisions as a stored version (a revert, or only comments/cases edited): that row
        # becomes working again with the new text, so results made with it stay attached to it.
        same.is_working = True
        same.text, same.title, same.origin = text, pack.title, origin
        same.note = note[:300] or same.note
        same._history_user = user  # type: ignore[attr-defined]
        same.save()
        _refresh_descriptions(same, pack)
        return same
    stored = PolicyPack(
        name=name,
        title=pack.title[:200],
        text=text,
        version=pack.version,
        origin=origin[:100],
        is_working=True,
        created_by=user,
        note=note[:300],
    )
    stored._history_user = user  # type: ignore[attr-defined]
    stored.save()
    _store_items(stored, pack)
    return stored


def sync_shipped_packs(user: User | None = None) -> list[PolicyPack]:
    """Store each pack shipped with the software as the working version when its content differs
    from the stored working one. Running it again changes nothing. A shipped pack with errors is a
    bug in the release: it raises PackRejected (the test suite loads every shipped pack)."""
    stored: list[PolicyPack] = []
    for path in rules.shipped_pack_paths():
        text = path.read_text(encoding="utf-8")
        pack, errors = rules.load_pack(text, path.name)
        if pack is None:
            raise PackRejected(errors)
        with transaction.atomic():
            stored.append(_make_working(pack.id, pack, text, path.name, user, "随软件发布的政策包"))
    return stored


def save_pack_version(
    name: str, text: str, user: User | None, note: str = ""
) -> tuple[PolicyPack | None, list[rules.RuleError]]:
    """Validate `text` with the engine (every embedded test case must pass) and, when clean, make it
    the working version of pack `name` in one transaction. With any error nothing changes and the
    errors (Chinese, with line and place) come back. The previous version is kept, not working."""
    file = f"{name}.yaml"
    stored = PolicyPack.objects.filter(name=name, is_working=True).first()
    working = parsed_pack(stored) if stored else None
    pack, errors = rules.replace_working_pack(working, text, file)
    if errors:
        return None, errors
    assert pack is not None
    if pack.id != name:
        message = f"规则文本中的政策包编号（id）是“{pack.id}”，与正在保存的政策包“{name}”不一致"
        return None, [rules.RuleError("pack.id", message, Place(file))]
    with transaction.atomic():
        return _make_working(name, pack, text, UI_ORIGIN, user, note), []


def pack_versions(name: str) -> QuerySet[PolicyPack]:
    """Every stored version of a pack, newest first."""
    return PolicyPack.objects.filter(name=name).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class CurrentItem:
    """A reward item of a working pack that is in force on a day, with its stored row."""

    pack: PolicyPack
    policy: rules.Policy
    item: rules.Item
    row: RewardItem

    @property
    def sentence(self) -> str:
        return self.row.sentence


def _rows_by_key(stored: PolicyPack) -> dict[str, RewardItem]:
    return {
        r.key: r
        for r in RewardItem.objects.filter(policy__pack=stored).select_related("policy", "policy__pack")
    }


def current_items(as_of: dt.date | None = None) -> list[CurrentItem]:
    """Items of the working packs in force on `as_of` (default today), in pack order."""
    day = as_of or clock.today()
    found = []
    for stored, pack in working_packs():
        rows = _rows_by_key(stored)
        for policy, item in pack.items():
            if item.is_current(day):
                found.append(CurrentItem(stored, policy, item, rows[item.id]))
    return found


# ==================================================================================================
# One enterprise: profile, provenance, calculator
# ==================================================================================================

# A registry field feeds the profile field of the same name, except the industry, which feeds three.
_PROFILE_KEYS: dict[str, tuple[str, ...]] = {
    "industry": ("industry_code", "industry_section", "industry_division"),
}


def _qualification_records(enterprise: Enterprise, as_of: dt.date) -> list[dict[str, Any]]:
    # A record certified after the evaluation day did not exist then.
    return [
        {"kind": q.kind, "level": q.level or None, "certified_on": q.certified_on, "expires_on": q.expires_on}
        for q in enterprise.qualifications.all()
        if q.certified_on <= as_of
    ]


def profile_of(enterprise: Enterprise, as_of: dt.date | None = None) -> dict[str, Any]:
    """The engine's profile of a registry entity: field keys (rules/fields.py), money in fen, enum
    codes, the qualification list (complete for the kinds the registry tracks). Values the registry
    does not hold stay None: the engine treats them as unknown ("needs confirmation")."""
    day = as_of or clock.today()
    profile: dict[str, Any] = dict.fromkeys(field_registry())
    del profile["qualifications"]
    profile.update(
        uscc=enterprise.uscc,
        name=enterprise.name,
        entity_type=enterprise.entity_type,
        industry_code=enterprise.industry_id,
        industry_section=enterprise.industry_section or None,
        industry_division=enterprise.industry_division or None,
        district=enterprise.district.name,
        street=enterprise.street.name if enterprise.street_id else None,
        registered_on=enterprise.registered_on,
        registered_capital_fen=enterprise.registered_capital_fen,
        employees=enterprise.employees,
        annual_revenue_fen=enterprise.annual_revenue_fen,
        total_assets_fen=enterprise.total_assets_fen,
        tax_paid_fen=enterprise.tax_paid_fen,
        scale=enterprise.scale or None,
        credit_class=enterprise.credit_class or None,
        status=enterprise.status,
    )
    profile["qualifications"] = _qualification_records(enterprise, day)
    return profile


def provenance_of(enterprise: Enterprise) -> dict[str, dict[str, str]]:
    """Where each profile value came from: field key → {"source", "as_of"} (as recorded by the
    registry). "qualifications" names the rolls the enterprise's records came from; each record's own
    source is in `qualification_provenance`."""
    result: dict[str, dict[str, str]] = {}
    for name in RECORDED_FIELDS:
        keys = _PROFILE_KEYS.get(name, (name,))
        origin = enterprise.provenance.get(name) if isinstance(enterprise.provenance, dict) else None
        if isinstance(origin, dict):
            for key in keys:
                result[key] = {"source": str(origin.get("source", "")), "as_of": str(origin.get("as_of", ""))}
    if enterprise.scale:
        inputs = [result.get(k, {}).get("as_of", "") for k in ("employees", "annual_revenue_fen")]
        result["scale"] = {"source": SCALE_SOURCE, "as_of": max(inputs)}
    records = list(enterprise.qualifications.all())
    rolls = sorted({q.source for q in records if q.source})
    days = [q.as_of.isoformat() for q in records if q.as_of]
    result["qualifications"] = {
        "source": "、".join(rolls) or field_registry()["qualifications"].source,
        "as_of": max(days, default=""),
    }
    for key, f in field_registry().items():
        if key not in result and not f.machine_checkable:
            result[key] = {"source": f"{f.source}（尚未接入，需企业确认）", "as_of": ""}
    return result


def qualification_provenance(enterprise: Enterprise) -> list[dict[str, Any]]:
    """Each qualification record with its source, for the calculator page."""
    kinds = qualification_kinds()
    return [
        {
            "kind": q.kind,
            "label": kinds[q.kind].label if q.kind in kinds else q.get_kind_display(),
            "level": q.level,
            "certified_on": q.certified_on,
            "expires_on": q.expires_on,
            "source": q.source,
            "as_of": q.as_of,
        }
        for q in enterprise.qualifications.order_by("kind", "level")
    ]


@dataclass(frozen=True)
class PackCalculation:
    """The calculator's answer for one working pack: the engine's Calculation and the stored items."""

    pack: PolicyPack
    calculation: rules.Calculation
    rows: Mapping[str, RewardItem]  # item key → stored RewardItem of this version

    def row(self, result: rules.ItemResult) -> RewardItem:
        return self.rows[result.item_id]


@dataclass(frozen=True)
class EnterpriseCalculation:
    """政策计算器 for one enterprise on one day, over every working pack."""

    enterprise: Enterprise
    as_of: dt.date
    profile: Mapping[str, Any]
    provenance: Mapping[str, Mapping[str, str]]
    packs: tuple[PackCalculation, ...]

    @property
    def results(self) -> list[tuple[PackCalculation, rules.ItemResult]]:
        return [(p, r) for p in self.packs for r in p.calculation.items]

    def by_verdict(self, verdict: rules.Verdict) -> list[tuple[PackCalculation, rules.ItemResult]]:
        return [(p, r) for p, r in self.results if r.verdict is verdict]

    @property
    def total_payable_fen(self) -> int:
        return sum(p.calculation.total_payable_fen for p in self.packs)

    @property
    def counts(self) -> dict[str, int]:
        return {v.value: len(self.by_verdict(v)) for v in rules.Verdict}

    def source_of(self, field_key: str) -> str:
        """'来源，截至日期' for a profile field, '' when not recorded."""
        origin = self.provenance.get(field_key)
        if not origin:
            return ""
        return f"{origin['source']}，截至 {origin['as_of']}" if origin.get("as_of") else origin["source"]


def calculate_for(enterprise: Enterprise, as_of: dt.date | None = None) -> EnterpriseCalculation:
    """政策计算器: every item of every working pack in force on `as_of` (default today, 北京时间),
    evaluated for one enterprise, with reasons and where each value came from."""
    day = as_of or clock.today()
    enterprise = (
        Enterprise.objects.select_related("district", "street", "industry")
        .prefetch_related("qualifications")
        .get(pk=enterprise.pk)
    )
    profile = profile_of(enterprise, day)
    packs = tuple(
        PackCalculation(stored, rules.calculate(pack, profile, day), _rows_by_key(stored))
        for stored, pack in working_packs()
    )
    return EnterpriseCalculation(enterprise, day, profile, provenance_of(enterprise), packs)


def policy_section(enterprise: Enterprise, link: str, *, for_enterprise: bool = False) -> dict[str, Any]:
    """The 政策计算器 summary on the enterprise page (policies/_enterprise_section.html): counts by
    verdict, the total payable, the items paying most, and `link` to the full calculator. Staff and
    the enterprise itself (`for_enterprise`: logged in or by 企业码) read the same figures; only the
    wording of a data error differs."""
    section: dict[str, Any] = {"link": link, "error": ""}
    try:
        calculation = calculate_for(enterprise)
    except rules.ProfileError as exc:
        lead = "本企业的数据有误，暂时无法计算" if for_enterprise else "该市场主体的数据有误，无法计算"
        section["error"] = f"{lead}：{exc}"
        return section
    eligible = [r for _, r in calculation.by_verdict(rules.Verdict.ELIGIBLE)]
    section |= {
        "as_of": calculation.as_of,
        "counts": calculation.counts,
        "item_count": len(calculation.results),
        "total_fen": calculation.total_payable_fen,
        "top": sorted((r for r in eligible if r.payable_fen > 0), key=lambda r: -r.payable_fen)[
            :SECTION_TOP_ITEMS
        ],
    }
    return section


def latest_match_run(kind: str = "match") -> MatchRun | None:
    """The newest finished run of a kind (what the results pages show by default)."""
    return MatchRun.objects.filter(kind=kind, state="done").order_by("-finished_at", "-pk").first()


def latest_results_for(enterprise: Enterprise) -> QuerySet[MatchResult]:
    """This enterprise's kept pairs in the latest finished batch match (empty when none ran)."""
    run = latest_match_run()
    if run is None:
        return MatchResult.objects.none()
    return (
        MatchResult.objects.filter(run=run, enterprise=enterprise)
        .select_related("item", "item__policy")
        .order_by("item__policy__pack__name", "item__position")
    )


# ==================================================================================================
# Batch match runs
# ==================================================================================================

VERDICT_LABELS = dict(MatchResult._meta.get_field("verdict").choices)  # type: ignore[arg-type]
SCALE_LABELS = dict(vocab.SCALES)
UNKNOWN_LABEL = "无法判定"


def section_label(code: str | None) -> str:
    names = {s.code: s.name for s in sections()}
    return f"{code} {names[code]}" if code in names else UNKNOWN_LABEL


def scale_label(code: str | None) -> str:
    return SCALE_LABELS.get(code or "", UNKNOWN_LABEL)


def default_runner() -> Runner:
    """Production runs go to the django-tasks queue (a `yingshang db_worker` executes them); a
    development or demo server has no worker, so a run there starts in a thread of the server."""
    return "task" if getattr(settings, "PRODUCTION", False) else "thread"


def start_match_run(
    user: User | None,
    as_of: dt.date | None = None,
    *,
    kind: Literal["match"] = "match",
    runner: Runner | None = None,
    progress: Progress | None = None,
) -> MatchRun:
    """Create a queued run over the current working pack versions and set it going. `runner`:
    "task" (django-tasks queue), "thread" (a background thread of this process) or "inline" (run
    now and return the finished run, as the command line does; `progress` is called as it goes).
    Default: `default_runner()`."""
    runner = runner or default_runner()
    with transaction.atomic():
        run = MatchRun.objects.create(
            kind=kind, as_of=as_of or clock.today(), started_by=user, progress=QUEUED
        )
        run.packs.set(PolicyPack.objects.filter(is_working=True))
        if runner != "inline":
            dispatch_run(run, runner)
    if runner == "inline":
        return execute_run(run.pk, progress)
    return run


QUEUED = "排队中，等待开始"


def dispatch_run(run: MatchRun, runner: Runner) -> None:
    """Hand a queued run to a thread or the task queue once the surrounding transaction commits
    (the worker's own connection must see the run row)."""
    if runner == "thread":

        def work() -> None:
            try:
                execute_run(run.pk)
            finally:
                close_old_connections()

        thread = threading.Thread(target=work, daemon=True, name=f"policies-run-{run.pk}")
        transaction.on_commit(thread.start)
        return
    from yingshang.policies.tasks import execute_run_task

    transaction.on_commit(lambda: execute_run_task.enqueue(run.pk))


def execute_run(run_id: int, progress: Progress | None = None) -> MatchRun:
    """Execute a queued run of either kind (what the background task calls)."""
    kind = MatchRun.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    if kind == "whatif":
        from yingshang.policies.whatif import execute_whatif_run

        return execute_whatif_run(run_id, progress)
    return execute_match_run(run_id, progress)


def claim_run(run_id: int) -> MatchRun | None:
    """Move a queued run to running; None when someone else already took it (or it is gone)."""
    claimed = MatchRun.objects.filter(pk=run_id, state="queued").update(state="running", progress="开始运行")
    return MatchRun.objects.get(pk=run_id) if claimed else None


class RunProgress:
    """Progress written to the run row (the page polls it) at most twice a second, and passed on."""

    def __init__(self, run: MatchRun, passed_on: Progress | None) -> None:
        self.run, self.passed_on, self.last = run, passed_on, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if self.passed_on is not None:
            self.passed_on(phase, done, total)
        now = time.monotonic()
        if now - self.last < 0.5 and total is not None and done < total:
            return
        self.last = now
        share = f"（{done * 100 // total}%）" if total else ""
        text = f"{phase}：{done:,}/{total:,}{share}" if total else f"{phase}：{done:,}"
        MatchRun.objects.filter(pk=self.run.pk).update(progress=text[:200])


def fail_run(run_id: int, message: str, started: float) -> MatchRun:
    MatchRun.objects.filter(pk=run_id).update(
        state="failed",
        error=message,
        progress="失败",
        finished_at=timezone.now(),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    return MatchRun.objects.get(pk=run_id)


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, PackRejected):
        return "政策包无法读取：" + "；".join(str(e) for e in exc.errors[:5])
    return f"批量匹配出错，已全部撤销，未保存任何结果（{exc.__class__.__name__}）。请联系管理员查看日志"


def execute_match_run(run_id: int, progress: Progress | None = None) -> MatchRun:
    """Snapshot → batch evaluation of every item of the run's pack versions → kept pairs stored
    (eligible and needs-confirmation only) with counts and a summary, all in one transaction.
    A failure leaves the run `failed` with a Chinese error and no results."""
    from yingshang.policies.match import evaluate_snapshot, store_results, summarise
    from yingshang.policies.snapshot import read_snapshot

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


def run_results(
    run: MatchRun, item: RewardItem | None = None, verdict: str | None = None
) -> QuerySet[MatchResult]:
    """Kept pairs of a run, optionally of one item and one verdict, in USCC order."""
    qs = MatchResult.objects.filter(run=run)
    if item is not None:
        qs = qs.filter(item=item)
    if verdict:
        qs = qs.filter(verdict=verdict)
    return qs.select_related("enterprise", "district", "item").order_by("enterprise__uscc")


def engine_item(row: RewardItem) -> rules.Item | None:
    """The engine's Item for a stored item row (its pack version parsed once per process)."""
    try:
        return parsed_pack(row.policy.pack).item(row.key)[1]
    except (StopIteration, PackRejected):
        return None


def run_figures_for(run: MatchRun, user: User) -> dict[str, Any]:
    """A run's headline numbers as this user may see them: the whole run for a city-level user,
    their own district's line of the summary for a district-level one."""
    district = user.jurisdiction
    if district is None:
        return {
            "scope": "全市",
            "entity_count": run.entity_count,
            "item_count": run.item_count,
            "eligible_count": run.eligible_count,
            "needs_confirmation_count": run.needs_confirmation_count,
            "total_amount_fen": run.total_amount_fen,
        }
    summary = run.summary or {}
    line = next((d for d in summary.get("by_district", []) if d.get("key") == district.name), {})
    population = summary.get("population", {}).get("by_district", [])
    entities = next((d.get("entities", 0) for d in population if d.get("key") == district.name), 0)
    return {
        "scope": district.name,
        "entity_count": entities,
        "item_count": run.item_count,
        "eligible_count": line.get("eligible", 0),
        "needs_confirmation_count": line.get("needs_confirmation", 0),
        "total_amount_fen": line.get("payable_fen", 0),
    }


def run_items(run: MatchRun) -> list[dict[str, Any]]:
    """The per-item lines of a finished run's summary (counts, amounts, breakdowns)."""
    return list((run.summary or {}).get("items", []))


# ==================================================================================================
# Downloads
# ==================================================================================================


RESULT_HEADERS = (
    "统一社会信用代码",
    "名称",
    "区县",
    "结论",
    "兑现方式",
    "金额（元）",
    "不重复奖后应兑付（元）",
    "需确认事项",
    "原因",
)


def results_workbook(run: MatchRun, item: RewardItem) -> bytes:
    """One item's kept pairs of a run as .xlsx (openpyxl write-only, streamed row by row)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    stored = item.policy.pack
    pack = parsed_pack(stored)
    engine_item = pack.item(item.key)[1]
    codes_text: dict[tuple[str, ...], str] = {}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="匹配结果")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["F"].width = 14
    sheet.column_dimensions["G"].width = 18
    sheet.column_dimensions["H"].width = 40
    sheet.column_dimensions["I"].width = 60
    sheet.append([f"{item.title}（{item.article or item.key}，版本 {item.version}）"])
    sheet.append(
        [f"测算日期 {run.as_of:%Y-%m-%d}，批次 {run.pk}，政策包“{stored.title}”版本 {stored.version}"]
    )
    sheet.append(list(RESULT_HEADERS))

    def money(fen: int | None) -> Any:
        cell = WriteOnlyCell(sheet, value=to_yuan(fen))
        cell.number_format = "#,##0.00"
        return cell

    rows = (
        MatchResult.objects.filter(run=run, item=item)
        .order_by("enterprise__uscc")
        .values_list(
            "enterprise__uscc",
            "enterprise__name",
            "district__name",
            "verdict",
            "mode",
            "amount_fen",
            "payable_fen",
            "to_confirm",
            "reason_codes",
        )
    )
    for uscc, name, district, verdict, mode, amount, payable, to_confirm, codes in rows.iterator(5000):
        key = tuple(codes or ())
        if key not in codes_text:
            codes_text[key] = "；".join(reason_texts(engine_item, key))
        sheet.append(
            [
                uscc,
                name,
                district,
                VERDICT_LABELS.get(verdict, verdict),
                mode,
                money(amount),
                money(payable),
                "；".join(to_confirm or []),
                codes_text[key],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def results_file_name(run: MatchRun, item: RewardItem) -> str:
    return f"匹配结果_{item.key}_{run.as_of:%Y%m%d}_批次{run.pk}.xlsx"
